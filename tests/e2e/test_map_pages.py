"""The example web maps in a real browser: the Leaflet page at /maps/leaflet and the OpenLayers
page at /maps/openlayers.

The app (bundled catalog, real worker pools) runs under uvicorn on loopback; Debian's headless
Chromium, driven by Playwright, opens each page exactly as tests/e2e/test_docs_browser.py does
(its fixtures: requests to other hosts are aborted and count as failures; console errors and
page errors fail). What the map shows is checked on its pixels: the page is put at a known
view (its URL carries lon, lat and zoom), the map is screenshot, and each sampled pixel is
turned back into the longitude and latitude under it (Web Mercator, computed here with pyproj,
not asked of the page). Where xarray gives the cell a value the pixel must be that value's
colour in the variable's colour map and scale (as /variables states them) within a colour
step; where the cell is NaN (land) the pixel must be the page's grey background. Screenshots
are kept in test-artifacts/.

The WMS tests need the /wms facade (GetMap 1.3.0 in EPSG:3857): they fail, not skip, until it
is served.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import cmocean
import httpx2 as httpx
import numpy as np
import numpy.typing as npt
import pytest
import xarray as xr
from PIL import Image
from playwright.sync_api import Page, Request
from pyproj import Transformer
from scipy.stats import spearmanr

from api.main import create_app
from api.settings import DEFAULT_CATALOG, DEFAULT_DOCS_DIR, Settings
from tests.conftest import gridded_entries
from tests.e2e import test_docs_browser
from tests.e2e.live import serve
from tests.e2e.test_docs_browser import Watched, save_screenshot

# The docs pages' browser fixtures: Debian's Chromium, and a page that aborts and records
# requests to other hosts and records console and page errors.
browser = test_docs_browser.browser
watched = test_docs_browser.watched

SAMPLES = DEFAULT_CATALOG.parent
PAGES = ["leaflet", "openlayers"]
BACKGROUND = (0xD9, 0xDD, 0xE0)  # web/maps/maps.css: #map's background, shown where no data
EARTH = 6378137.0  # the Web Mercator sphere's radius (EPSG:3857)
TILE = 256
MARGIN_PX = 2.5  # sampled pixels keep this far from their cell's edges
STEP_PX = 12  # the sampling grid's spacing
COLOUR_SLACK = 3  # 8-bit rounding on top of a colour step either way
TILE_PATH = re.compile(
    r"/api/v1/datasets/(?P<dataset>[^/]+)/tiles/WebMercatorQuad/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.png$"
)
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)


@dataclass(frozen=True)
class View:
    """Where the map is: its centre, whole zoom level and size in CSS pixels."""

    lon: float
    lat: float
    zoom: int
    width: int
    height: int

    @property
    def resolution(self) -> float:
        """Metres per pixel."""
        return 2 * math.pi * EARTH / (TILE * 2**self.zoom)

    def lonlat(self, i: npt.NDArray[np.float64], j: npt.NDArray[np.float64]) -> Any:
        """Longitude (wrapped to [-180, 180)) and latitude under pixel positions (x right,
        y down, from the map's top-left corner)."""
        cx, cy = TO_MERCATOR.transform(self.lon, self.lat)
        x = cx + (i - self.width / 2) * self.resolution
        y = cy - (j - self.height / 2) * self.resolution
        _, lat = TO_LONLAT.transform(x, y)
        # Longitude is linear in x; wrapped here, as x runs past the antimeridian.
        lon = (np.asarray(x) / EARTH * 180 / math.pi + 180) % 360 - 180
        return lon, np.asarray(lat)

    def pixel(self, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> Any:
        """Pixel positions of longitudes and latitudes; a longitude is taken in the copy of
        the world nearest the centre."""
        cx, cy = TO_MERCATOR.transform(self.lon, self.lat)
        lon = (np.asarray(lon) - self.lon + 180) % 360 - 180 + self.lon
        x, y = TO_MERCATOR.transform(lon, lat)
        return (
            (np.asarray(x) - cx) / self.resolution + self.width / 2,
            (cy - np.asarray(y)) / self.resolution + self.height / 2,
        )

    def extent(self) -> tuple[float, float, float, float]:
        """The view's box in EPSG:3857 metres."""
        cx, cy = TO_MERCATOR.transform(self.lon, self.lat)
        half_w, half_h = self.width / 2 * self.resolution, self.height / 2 * self.resolution
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h


@dataclass
class Samples:
    """Pixels of the map (column i, row j) whose whole neighbourhood lies in one cell."""

    i: npt.NDArray[np.intp]
    j: npt.NDArray[np.intp]
    values: npt.NDArray[np.float64]  # the cell's value (NaN: no data)


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The service root URL of the app under uvicorn, serving the built map pages."""
    for page in PAGES:
        assert (DEFAULT_DOCS_DIR / "maps" / f"{page}.html").is_file(), (
            f"docs/site/maps/{page}.html has not been built: run `make docs`"
        )
    with serve(create_app(Settings(catalog=DEFAULT_CATALOG))) as url:
        yield url


def api(base: str, path: str, **query: Any) -> Any:
    response = httpx.get(f"{base}/api/v1/{path}", params=query, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def variable_info(base: str, dataset: str, variable: str) -> dict[str, Any]:
    found = [
        v for v in api(base, f"datasets/{dataset}/variables")["variables"] if v["id"] == variable
    ]
    assert len(found) == 1
    return found[0]


def open_map(watched: Watched, base: str, page_name: str, **query: Any) -> list[Request]:
    """Open a map page with this URL query; every request it makes from now on, in order."""
    requests: list[Request] = []
    watched.page.on("request", lambda request: requests.append(request))
    watched.page.goto(f"{base}/maps/{page_name}?{urlencode(query)}")
    wait_idle(watched.page)
    return requests


def wait_idle(page: Page) -> None:
    """Until the page says every layer has loaded and been drawn; its error line fails."""
    page.wait_for_selector('#map[data-status="idle"], #map[data-status="error"]')
    status = page.locator("#map").get_attribute("data-status")
    assert status == "idle", page.locator("#status").inner_text()


def map_view(page: Page, lon: float, lat: float, zoom: int) -> View:
    box = page.locator("#map").bounding_box()
    assert box is not None
    width, height = round(box["width"]), round(box["height"])
    assert (width, height) == (box["width"], box["height"])
    shown = parse_qs(urlsplit(page.url).query)
    assert float(shown["zoom"][0]) == zoom, page.url  # the page kept the asked view
    return View(lon, lat, zoom, width, height)


def screenshot(page: Page, name: str) -> npt.NDArray[np.uint8]:
    """The map's pixels (RGB), saved as an artifact."""
    path = save_screenshot(page.locator("#map"), name)
    return np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGB"))


def controls(page: Page) -> list[dict[str, float]]:
    """The boxes of the map's own controls (zoom buttons, attribution), relative to the map."""
    origin = page.locator("#map").bounding_box()
    assert origin is not None
    boxes = []
    for control in page.locator(".leaflet-control, .ol-control").all():
        box = control.bounding_box()
        if box is not None:
            boxes.append({**box, "x": box["x"] - origin["x"], "y": box["y"] - origin["y"]})
    return boxes


def sample(view: View, field: xr.DataArray, lon_name: str, lat_name: str, page: Page) -> Samples:
    """A grid of pixels over the map, each far enough inside one cell of ``field`` (a regular
    2-D grid) that any renderer drawing that cell's nearest pixels lights it; those under a
    control are left out."""
    i, j = np.meshgrid(
        np.arange(STEP_PX // 2, view.width, STEP_PX), np.arange(STEP_PX // 2, view.height, STEP_PX)
    )
    i, j = i.ravel(), j.ravel()
    lon, lat = view.lonlat(i + 0.5, j + 0.5)
    lons = field[lon_name].values
    if lons.max() > 180:
        lon = lon % 360
    inside = (
        (lat >= field[lat_name].values.min())
        & (lat <= field[lat_name].values.max())
        & (lon >= lons.min())
        & (lon <= lons.max())
    )
    i, j, lon, lat = i[inside], j[inside], lon[inside], lat[inside]
    cells = field.sel({lon_name: xr.DataArray(lon), lat_name: xr.DataArray(lat)}, method="nearest")
    centre_lon, centre_lat = cells[lon_name].values, cells[lat_name].values
    half_lon = np.abs(np.diff(lons)).mean() / 2
    half_lat = np.abs(np.diff(field[lat_name].values)).mean() / 2
    # The cell's edges, as pixels: the sample must be MARGIN_PX inside each.
    west, north = view.pixel(centre_lon - half_lon, centre_lat + half_lat)
    east, south = view.pixel(centre_lon + half_lon, centre_lat - half_lat)
    x, y = i + 0.5, j + 0.5
    keep = (
        (x - west >= MARGIN_PX)
        & (east - x >= MARGIN_PX)
        & (y - north >= MARGIN_PX)
        & (south - y >= MARGIN_PX)
    )
    for box in controls(page):
        keep &= ~(
            (x >= box["x"] - 2)
            & (x <= box["x"] + box["width"] + 2)
            & (y >= box["y"] - 2)
            & (y <= box["y"] + box["height"] + 2)
        )
    return Samples(i[keep], j[keep], cells.values[keep].astype(np.float64))


def expected_colours(
    values: npt.NDArray[np.float64], colormap: str, low: float, high: float, bands: int = 250
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per value, the least and greatest 8-bit RGB that its colour may be: the colour map at
    the value and up to one colour step (of ``bands``) either way, plus rounding."""
    cmap = cmocean.cm.cmap_d[colormap]
    step = (high - low) / bands
    offsets = np.linspace(-1.5 * step, 1.5 * step, 7)
    shades = np.stack(
        [cmap(np.clip((values + d - low) / (high - low), 0, 1))[:, :3] * 255 for d in offsets]
    )
    return (
        np.floor(shades.min(axis=0)).astype(np.int64) - COLOUR_SLACK,
        np.ceil(shades.max(axis=0)).astype(np.int64) + COLOUR_SLACK,
    )


def assert_colours(
    pixels: npt.NDArray[np.uint8], samples: Samples, colormap: str, scale: list[float]
) -> None:
    """Data cells show their value's colour; NaN cells show the background."""
    shown = pixels[samples.j, samples.i].astype(np.int64)
    wet = np.isfinite(samples.values)
    assert wet.sum() >= 50 and (~wet).sum() >= 50, (
        f"the view should hold both data and NaN cells: {wet.sum()} and {(~wet).sum()} sampled"
    )
    low, high = expected_colours(samples.values[wet], colormap, *scale)
    bad = np.flatnonzero(((shown[wet] < low) | (shown[wet] > high)).any(axis=1))
    assert bad.size == 0, [
        (
            int(samples.i[wet][k]),
            int(samples.j[wet][k]),
            float(samples.values[wet][k]),
            shown[wet][k].tolist(),
            low[k].tolist(),
            high[k].tolist(),
        )
        for k in bad[:10]
    ] + [f"{bad.size} of {wet.sum()} data pixels off their colour"]
    dry = shown[~wet]
    off = np.flatnonzero((dry != BACKGROUND).any(axis=1))
    assert off.size == 0, [
        (int(samples.i[~wet][k]), int(samples.j[~wet][k]), dry[k].tolist()) for k in off[:10]
    ] + [f"{off.size} of {dry.shape[0]} NaN pixels are not the background"]


def assert_auto_coloured(pixels: npt.NDArray[np.uint8], samples: Samples) -> Any:
    """NaN cells show the background; data cells are coloured, lighter where warmer (thermal
    rises in lightness with the value, whatever range 'auto' fits). The data cells' mask."""
    shown = pixels[samples.j, samples.i].astype(np.int64)
    wet = np.isfinite(samples.values)
    assert wet.sum() >= 50 and (~wet).sum() >= 50
    assert (shown[~wet] == BACKGROUND).all(axis=1).all()
    assert (shown[wet] != BACKGROUND).any(axis=1).all()
    lightness = shown[wet] @ np.array([0.2126, 0.7152, 0.0722])
    rho = spearmanr(samples.values[wet], lightness).statistic
    assert rho > 0.95, rho
    return wet


def glorys_thetao(depth: float) -> xr.DataArray:
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        return ds["thetao"].squeeze(drop=True).sel(depth=depth, method="nearest").load()


def tile_requests(requests: list[Request]) -> list[tuple[re.Match[str], dict[str, str]]]:
    found = []
    for request in requests:
        parts = urlsplit(request.url)
        match = TILE_PATH.search(parts.path)
        if match:
            found.append((match, {k: v[-1] for k, v in parse_qs(parts.query).items()}))
    return found


def wms_requests(requests: list[Request]) -> list[dict[str, str]]:
    """The query of every request to /wms, with upper-case names."""
    return [
        {
            k.upper(): v[-1]
            for k, v in parse_qs(urlsplit(r.url).query, keep_blank_values=True).items()
        }
        for r in requests
        if urlsplit(r.url).path == "/wms"
    ]


def assert_tiles_ok(requests: list[Request]) -> None:
    for request in requests:
        if TILE_PATH.search(urlsplit(request.url).path):
            response = request.response()
            assert response is not None and response.status == 200, request.url
            assert response.headers["content-type"] == "image/png"


def ersst(time: str) -> xr.DataArray:
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        return ds["sst"].sel(time=np.datetime64(time.rstrip("Z"))).load()


# The ERSST view: the Pacific across the antimeridian to the Americas and the Atlantic.
ERSST_VIEW = {"lon": -150.0, "lat": 10.0, "zoom": 3}


@pytest.mark.parametrize("page_name", PAGES)
def test_the_page_shows_the_tiles_of_the_data(base: str, watched: Watched, page_name: str) -> None:
    page = watched.page
    requests = open_map(watched, base, page_name, dataset="ersst-v5", **ERSST_VIEW)

    # The pickers are filled from the API.
    listed = [d["id"] for d in api(base, "datasets")["datasets"] if d["available"]]
    options = page.locator("#dataset option").evaluate_all("os => os.map(o => o.value)")
    assert options == listed
    times = api(base, "datasets/ersst-v5/times", limit=10000)["times"]
    assert page.locator("#time option").evaluate_all("os => os.map(o => o.value)") == times
    assert page.locator("#time").input_value() == times[-1]  # the latest by default
    assert page.locator("#depth").is_disabled()  # ERSST has no depth

    # The tiles came through the TileJSON's template, for the chosen variable and time.
    tiles = tile_requests(requests)
    assert tiles, "no tile was requested"
    assert {m["dataset"] for m, _ in tiles} == {"ersst-v5"}
    assert {int(m["z"]) for m, _ in tiles} == {ERSST_VIEW["zoom"]}
    assert all(q == {"variable": "sst", "time": times[-1]} for _, q in tiles), tiles
    assert any(urlsplit(r.url).path.endswith("/tilejson.json") for r in requests)
    assert_tiles_ok(requests)

    info = variable_info(base, "ersst-v5", "sst")
    view = map_view(page, **ERSST_VIEW)
    pixels = screenshot(page, f"maps-{page_name}-tiles.png")
    samples = sample(view, ersst(times[-1]), "lon", "lat", page)
    assert_colours(pixels, samples, info["colormap"], info["scale"])

    # The legend: the colour bar of the same variable and time, loaded.
    legend = page.locator("#legend")
    query = parse_qs(urlsplit(legend.get_attribute("src") or "").query)
    assert query["variable"] == ["sst"] and query["time"] == [times[-1]]
    assert legend.evaluate("img => img.complete && img.naturalWidth > 0")
    save_screenshot(page, f"maps-{page_name}-page.png")
    watched.assert_clean()


@pytest.mark.parametrize("page_name", PAGES)
def test_changing_the_time_changes_the_tiles(base: str, watched: Watched, page_name: str) -> None:
    page = watched.page
    times = api(base, "datasets/ersst-v5/times", limit=10000)["times"]
    first, last = times[0], times[-1]
    requests = open_map(watched, base, page_name, dataset="ersst-v5", time=last, **ERSST_VIEW)
    view = map_view(page, **ERSST_VIEW)
    before = screenshot(page, f"maps-{page_name}-time-before.png")

    since = len(requests)
    page.locator("#time").select_option(first)
    wait_idle(page)
    tiles = tile_requests(requests[since:])
    assert tiles, "choosing another time requested no tile"
    assert all(q["time"] == first for _, q in tiles), tiles
    assert parse_qs(urlsplit(page.url).query)["time"] == [first]  # the page's URL follows
    assert_tiles_ok(requests)

    after = screenshot(page, f"maps-{page_name}-time-after.png")
    info = variable_info(base, "ersst-v5", "sst")
    samples = sample(view, ersst(first), "lon", "lat", page)
    assert_colours(after, samples, info["colormap"], info["scale"])
    # Where January 2010 and August 2020 differ by more than a degree, the picture changed.
    old = sample(view, ersst(last), "lon", "lat", page)
    assert np.array_equal(old.i, samples.i) and np.array_equal(old.j, samples.j)
    differ = np.abs(samples.values - old.values) > 1
    assert differ.sum() >= 50
    changed = (before[samples.j, samples.i] != after[samples.j, samples.i]).any(axis=1)
    assert changed[differ].all()
    watched.assert_clean()


@pytest.mark.parametrize("page_name", PAGES)
def test_changing_the_depth_changes_the_tiles(base: str, watched: Watched, page_name: str) -> None:
    page = watched.page
    levels = api(base, "datasets/glorys/depths")["levels"]
    where = {"lon": -5.0, "lat": 58.5, "zoom": 5}
    requests = open_map(watched, base, page_name, dataset="glorys", variable="thetao", **where)
    view = map_view(page, **where)
    assert page.locator("#depth option").evaluate_all("os => os.map(o => Number(o.value))") == (
        levels
    )

    pictures = {}
    since = 0  # the first level is the page's default: the tiles it loaded at once
    for level in (levels[0], levels[4]):
        if level != levels[0]:
            since = len(requests)
            page.locator("#depth").select_option(str(level))
            wait_idle(page)
        tiles = tile_requests(requests[since:])
        assert tiles, f"no tile was requested for {level} m"
        assert all(float(q["depth"]) == level for _, q in tiles), tiles
        legend = parse_qs(urlsplit(page.locator("#legend").get_attribute("src") or "").query)
        assert float(legend["depth"][0]) == level
        pixels = screenshot(page, f"maps-{page_name}-depth-{level:g}.png")
        field = glorys_thetao(level)
        samples = sample(view, field, "longitude", "latitude", page)
        wet = assert_auto_coloured(pixels, samples)
        pictures[level] = (samples, wet)
    # The shelf that has water at the surface has none at depth: it turned grey.
    (top, top_wet), (deep, deep_wet) = pictures[levels[0]], pictures[levels[4]]
    assert np.array_equal(top.i, deep.i) and np.array_equal(top.j, deep.j)
    assert (top_wet & ~deep_wet).sum() >= 20
    assert_tiles_ok(requests)
    watched.assert_clean()


@pytest.mark.parametrize("page_name", PAGES)
@pytest.mark.parametrize("dataset", [entry["id"] for entry in gridded_entries()])
def test_every_sample_dataset_shows(
    base: str, watched: Watched, page_name: str, dataset: str
) -> None:
    """Each dataset, framed by its TileJSON bounds, with its first variable and defaults: the
    tiles load (200) and the map is not blank."""
    page = watched.page
    requests = open_map(watched, base, page_name, dataset=dataset)
    variables = api(base, f"datasets/{dataset}/variables")["variables"]
    assert page.locator("#variable").input_value() == variables[0]["id"]
    tiles = tile_requests(requests)
    assert tiles and {m["dataset"] for m, _ in tiles} == {dataset}
    assert_tiles_ok(requests)
    pixels = screenshot(page, f"maps-{page_name}-{dataset}.png").reshape(-1, 3)
    coloured = (pixels != BACKGROUND).any(axis=1)
    assert coloured.mean() > 0.02, f"{coloured.mean():.1%} of the map is coloured"
    assert len(np.unique(pixels[coloured], axis=0)) >= 20
    watched.assert_clean()


def test_the_pages_link_each_other_and_the_tilejson(base: str, watched: Watched) -> None:
    page = watched.page
    open_map(watched, base, "leaflet", dataset="ersst-v5", **ERSST_VIEW)
    tilejson = page.locator("#tilejson-link").get_attribute("href") or ""
    document = httpx.get(tilejson, timeout=60).json()
    assert document["tilejson"] == "3.0.0"
    assert parse_qs(urlsplit(document["tiles"][0]).query)["variable"] == ["sst"]
    leaflet_query = parse_qs(urlsplit(page.url).query)
    page.get_by_role("link", name="The same on OpenLayers").click()
    page.wait_for_url(re.compile(r"/maps/openlayers\?"))
    wait_idle(page)
    # The same view and choice, carried by the URL.
    assert parse_qs(urlsplit(page.url).query) == leaflet_query
    assert page.locator("#dataset").input_value() == "ersst-v5"
    watched.assert_clean()


# WMS: these need the /wms facade and fail until it is served. -----------------------------


@pytest.mark.parametrize("page_name", PAGES)
def test_the_wms_layer_shows_the_data(base: str, watched: Watched, page_name: str) -> None:
    page = watched.page
    times = api(base, "datasets/ersst-v5/times", limit=10000)["times"]
    time = times[60]
    requests = open_map(
        watched, base, page_name, dataset="ersst-v5", time=time, layers="wms", **ERSST_VIEW
    )
    assert not tile_requests(requests), "the tiles are off: only the WMS layer should load"
    view = map_view(page, **ERSST_VIEW)
    getmaps = [q for q in wms_requests(requests) if q.get("REQUEST") == "GetMap"]
    assert getmaps, "no GetMap request"
    for query in getmaps:
        assert query["SERVICE"] == "WMS" and query["VERSION"] == "1.3.0"
        assert query["CRS"] == "EPSG:3857"
        assert query["LAYERS"] == "ersst-v5/sst" and query["STYLES"] == ""
        assert query["FORMAT"] == "image/png" and query["TRANSPARENT"].upper() == "TRUE"
        assert query["TIME"] == time and "ELEVATION" not in query
        box = [float(v) for v in query["BBOX"].split(",")]
        width, height = int(query["WIDTH"]), int(query["HEIGHT"])
        # x,y order in metres: each pixel is the view's resolution, square.
        assert box[2] - box[0] == pytest.approx(width * view.resolution, rel=1e-6)
        assert box[3] - box[1] == pytest.approx(height * view.resolution, rel=1e-6)
        if page_name == "leaflet":  # 256-pixel tiles of the Web Mercator grid
            assert (width, height) == (TILE, TILE)
            column = (box[0] + math.pi * EARTH) / (TILE * view.resolution)
            row = (math.pi * EARTH - box[3]) / (TILE * view.resolution)
            assert column == pytest.approx(round(column), abs=1e-6)
            assert row == pytest.approx(round(row), abs=1e-6)
    if page_name == "openlayers":  # one image of the whole view
        last = getmaps[-1]
        assert (int(last["WIDTH"]), int(last["HEIGHT"])) == (view.width, view.height)
        box = [float(v) for v in last["BBOX"].split(",")]
        assert box == pytest.approx(list(view.extent()), abs=view.resolution)
    for request in requests:
        if urlsplit(request.url).path == "/wms":
            response = request.response()
            assert response is not None and response.status == 200, request.url
            assert response.headers["content-type"] == "image/png"

    pixels = screenshot(page, f"maps-{page_name}-wms.png")
    info = variable_info(base, "ersst-v5", "sst")
    samples = sample(view, ersst(time), "lon", "lat", page)
    assert_colours(pixels, samples, info["colormap"], info["scale"])
    watched.assert_clean()


@pytest.mark.parametrize("page_name", PAGES)
def test_the_wms_layer_follows_the_depth(base: str, watched: Watched, page_name: str) -> None:
    page = watched.page
    levels = api(base, "datasets/glorys/depths")["levels"]
    where = {"lon": -5.0, "lat": 58.5, "zoom": 5}
    requests = open_map(
        watched, base, page_name, dataset="glorys", variable="thetao", layers="wms", **where
    )
    since = len(requests)
    page.locator("#depth").select_option(str(levels[3]))
    wait_idle(page)
    getmaps = [q for q in wms_requests(requests[since:]) if q.get("REQUEST") == "GetMap"]
    assert getmaps and all(float(q["ELEVATION"]) == levels[3] for q in getmaps), getmaps
    assert all(q["LAYERS"] == "glorys/thetao" for q in getmaps)
    pixels = screenshot(page, f"maps-{page_name}-wms-depth.png")
    view = map_view(page, **where)
    samples = sample(view, glorys_thetao(levels[3]), "longitude", "latitude", page)
    assert_auto_coloured(pixels, samples)
    watched.assert_clean()
