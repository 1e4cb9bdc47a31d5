"""The explorer at / in a real browser.

The app (bundled catalog, real worker pools) runs under uvicorn on loopback, once for the
module; Debian's headless Chromium, driven by Playwright, opens the page with the fixtures of
tests/e2e/test_docs_browser.py (requests to other hosts are aborted and fail the test; console
and page errors fail it). What a person sees is checked: the map's pixels against xarray's
values in the variable's colour map and scale (the helpers of tests/e2e/test_map_pages.py; a
pixel's longitude and latitude are computed here with pyproj, not asked of the page), the
value a click shows against xarray's nearest cell, the plot a panel shows against the plot
endpoint's answer to the URL it shows, the CSV it offers against xarray's cells in the box,
the permalink against a fresh page, the animation against the tile requests, the narrow
layout and the keyboard against every control. Screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import gsw
import httpx2 as httpx
import numpy as np
import numpy.typing as npt
import pytest
import xarray as xr
from PIL import Image
from playwright.sync_api import Browser, Page, Request, ViewportSize, expect

from api.main import create_app
from api.settings import DEFAULT_CATALOG, DEFAULT_DOCS_DIR, Settings
from tests.conftest import SAMPLES
from tests.e2e import test_docs_browser, test_map_pages
from tests.e2e.live import serve
from tests.e2e.test_docs_browser import Watched, save_screenshot
from tests.e2e.test_map_pages import (
    EARTH,
    TILE_PATH,
    View,
    api,
    assert_auto_coloured,
    assert_colours,
    assert_tiles_ok,
    ersst,
    glorys_thetao,
    sample,
    tile_requests,
    variable_info,
)
from tests.plotting.test_stick import east_north_from_file

browser = test_docs_browser.browser
watched = test_docs_browser.watched

# The ERSST view of the map pages' tests: the Pacific across the antimeridian to the Americas.
ERSST_VIEW = test_map_pages.ERSST_VIEW
GLORYS_VIEW = {"lon": -5.0, "lat": 58.5, "zoom": 5}
NARROW: ViewportSize = {"width": 390, "height": 844}
# Every control of the page, in document order (the map last).
CONTROLS = [
    "dataset",
    "variable",
    "depth",
    "time",
    "step-back",
    "play",
    "step-forward",
    "speed",
    "colormap",
    "range",
    "range-min",
    "range-max",
    "opacity",
    "coastlines",
    "observations-summary",
    "tool-point",
    "tool-line",
    "tool-box",
    "point-input",
    "line-input",
    "box-input",
    "apply-inputs",
    "map",
]


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The service root URL of the app under uvicorn, serving the built explorer."""
    assert (DEFAULT_DOCS_DIR / "explorer" / "index.html").is_file(), (
        "docs/site/explorer has not been built: run `make docs`"
    )
    with serve(create_app(Settings(catalog=DEFAULT_CATALOG))) as url:
        yield url


@pytest.fixture(scope="module")
def ersst_times(base: str) -> list[str]:
    times: list[str] = api(base, "datasets/ersst-v5/times", limit=10000)["times"]
    return times


def record(page: Page) -> list[Request]:
    """Every request the page makes from now on, in order."""
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    return requests


def open_explorer(page: Page, base: str, **query: Any) -> list[Request]:
    """Open / with this permalink query, wait until its map is idle; its requests."""
    requests = record(page)
    page.goto(f"{base}/?{urlencode(query)}" if query else f"{base}/")
    wait_idle(page)
    return requests


def wait_idle(page: Page) -> None:
    """Until the shown layer's tiles have loaded and nothing is fetched; an error fails."""
    page.wait_for_selector('#map[data-status="idle"], #map[data-status="error"]')
    status = page.locator("#map").get_attribute("data-status")
    assert status == "idle", page.locator("#status").inner_text()


def wait_images(page: Page, selector: str) -> None:
    """Until every plot image under ``selector`` has loaded; one that failed fails."""
    page.wait_for_function(
        """s => { const images = document.querySelectorAll(s + ' img[data-state]');
                  return images.length > 0
                      && [...images].every(i => i.dataset.state !== 'loading'); }""",
        arg=selector,
    )
    states = page.locator(f"{selector} img[data-state]").evaluate_all(
        "images => images.map(i => [i.src, i.dataset.state])"
    )
    assert all(state == "loaded" for _, state in states), states


def view_of(page: Page, lon: float, lat: float, zoom: float) -> View:
    """The map's view: its size is Leaflet's (the element's whole client pixels), centred there."""
    width, height = page.locator("#map").evaluate("map => [map.clientWidth, map.clientHeight]")
    return View(lon, lat, int(zoom), width, height)


def map_origin(page: Page) -> tuple[float, float]:
    """The map's top-left corner in the page (the header's height may be fractional)."""
    box = page.locator("#map").bounding_box()
    assert box is not None
    return box["x"], box["y"]


def map_pixels(page: Page, view: View, name: str) -> npt.NDArray[np.uint8]:
    """The map's pixels (RGB) from a screenshot of the page, saved as an artifact: its top-left
    is the page pixel its fractional corner is drawn at, the nearest."""
    path = save_screenshot(page, name)
    x, y = map_origin(page)
    pixels = np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGB"))
    return pixels[round(y) : round(y) + view.height, round(x) : round(x) + view.width]


def permalink(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def query_of(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def degrees_per_pixel(view: View) -> float:
    """A pixel's width in degrees of longitude (and at most its height in latitude)."""
    return view.resolution / EARTH * 180 / math.pi


def map_point(page: Page, view: View, lon: float, lat: float) -> tuple[int, int, float, float]:
    """The whole page pixel nearest (lon, lat) on the map, and the lon/lat under it (where
    Leaflet puts a click there: the page position less the map's corner)."""
    i, j = (float(v) for v in view.pixel(np.array(lon), np.array(lat)))
    x0, y0 = map_origin(page)
    x, y = round(x0 + i), round(y0 + j)
    at_lon, at_lat = view.lonlat(np.array(x - x0), np.array(y - y0))
    return x, y, float(at_lon), float(at_lat)


def click_map(page: Page, view: View, lon: float, lat: float) -> tuple[float, float]:
    """Click the map at the whole page pixel nearest (lon, lat); the lon/lat clicked."""
    x, y, at_lon, at_lat = map_point(page, view, lon, lat)
    page.mouse.click(x, y)
    return at_lon, at_lat


def nearest(field: xr.DataArray, lon_name: str, lat_name: str, lon: float, lat: float) -> float:
    lons = field[lon_name].values
    if lons.max() > 180:
        lon %= 360
    return float(field.sel({lon_name: lon, lat_name: lat}, method="nearest").values)


def shown_tiles(page: Page) -> list[str]:
    """The srcs of the tiles the map shows: those of the visible tile layers."""
    srcs: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-tile-pane .leaflet-layer')]
            .filter(layer => Number(getComputedStyle(layer).opacity) > 0)
            .flatMap(layer => [...layer.querySelectorAll('img.leaflet-tile-loaded')])
            .map(img => img.src)"""
    )
    return srcs


def body_of(requests: list[Request], url: str) -> bytes:
    """The bytes the browser received for ``url``."""
    found = [r for r in requests if r.url == url]
    assert found, f"the page never requested {url}"
    response = found[-1].response()
    assert response is not None and response.status == 200, url
    return response.body()


# 1. The page and its dataset picker ---------------------------------------------------------


def test_the_page_loads_offline_and_lists_the_datasets(base: str, watched: Watched) -> None:
    page = watched.page
    requests = open_explorer(page, base)
    listed = [d for d in api(base, "datasets")["datasets"] if d["available"]]
    options = page.locator("#dataset option").evaluate_all(
        "os => os.map(o => [o.value, o.textContent])"
    )
    assert options == [[d["id"], d["title"]] for d in listed]
    assert all(urlsplit(r.url).hostname == "127.0.0.1" for r in requests)
    assert page.title() == "Ocean Data API · Explorer"
    save_screenshot(page, "explorer-page.png")
    watched.assert_clean()


# 2. The map's pixels --------------------------------------------------------------------------


def test_the_map_shows_the_data_in_its_colours(
    base: str, watched: Watched, ersst_times: list[str]
) -> None:
    page = watched.page
    requests = open_explorer(
        page, base, dataset="ersst-v5", coastlines="off", opacity=1, **ERSST_VIEW
    )
    assert page.locator("#time").input_value() == ersst_times[-1]
    tiles = tile_requests(requests)
    assert tiles and {m["dataset"] for m, _ in tiles} == {"ersst-v5"}
    assert all(q == {"variable": "sst", "time": ersst_times[-1]} for _, q in tiles), tiles
    assert_tiles_ok(requests)
    info = variable_info(base, "ersst-v5", "sst")
    view = view_of(page, **ERSST_VIEW)
    pixels = map_pixels(page, view, "explorer-ersst.png")
    samples = sample(view, ersst(ersst_times[-1]), "lon", "lat", page)
    assert_colours(pixels, samples, info["colormap"], info["scale"])
    watched.assert_clean()


# 3. Another dataset and variable ------------------------------------------------------------


def test_choosing_another_dataset_and_variable_changes_the_layer(
    base: str, watched: Watched
) -> None:
    page = watched.page
    requests = open_explorer(
        page, base, dataset="ersst-v5", coastlines="off", opacity=1, **GLORYS_VIEW
    )
    since = len(requests)
    page.locator("#dataset").select_option("glorys")
    wait_idle(page)
    page.locator("#variable").select_option("thetao")
    wait_idle(page)
    assert page.locator("#variable").input_value() == "thetao"
    # The new dataset is framed; one level closer its land (NaN) cells are big enough to sample.
    framed = int(permalink(page)["zoom"])
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_url(re.compile(rf"zoom={framed + 1}\b"))
    wait_idle(page)
    # The view is the one the permalink now states.
    shown = permalink(page)
    where = {"lon": float(shown["lon"]), "lat": float(shown["lat"]), "zoom": int(shown["zoom"])}
    tiles = tile_requests(requests[since:])
    assert tiles and {m["dataset"] for m, _ in tiles} == {"glorys"}
    shown_now = [query_of(src) for src in shown_tiles(page)]
    assert shown_now and all(q["variable"] == "thetao" for q in shown_now), shown_now
    assert any(q["variable"] == "thetao" for _, q in tiles)
    levels = api(base, "datasets/glorys/depths")["levels"]
    assert float(page.locator("#depth").input_value()) == levels[0]
    view = view_of(page, **where)
    pixels = map_pixels(page, view, "explorer-glorys-thetao.png")
    samples = sample(view, glorys_thetao(levels[0]), "longitude", "latitude", page)
    assert_auto_coloured(pixels, samples)

    # A typed range: now each cell has its exact colour.
    page.locator("#range").select_option("custom")
    page.locator("#range-min").fill("8")
    page.locator("#range-max").fill("16")
    page.locator("#range-max").dispatch_event("change")
    wait_idle(page)
    assert permalink(page)["scale"] == "8,16"
    pixels = map_pixels(page, view, "explorer-glorys-thetao-8-16.png")
    assert_colours(pixels, samples, "thermal", [8, 16])
    assert_tiles_ok(requests)
    watched.assert_clean()


# 4. A click: the value and plots there ----------------------------------------------------


def point_panel(page: Page) -> dict[str, Any]:
    """The open point panel's value and figures, once its value and images have loaded."""
    panel = '#panels > section.panel[data-kind="point"]'
    page.wait_for_selector(f"{panel} p.value[data-value]")
    wait_images(page, panel)
    found: dict[str, Any] = page.locator(panel).evaluate(
        """panel => ({
            value: panel.querySelector('p.value').dataset.value,
            text: panel.querySelector('p.value').textContent,
            plots: Object.fromEntries([...panel.querySelectorAll('figure.plot')].map(f => [
                f.dataset.plot,
                {src: f.querySelector('img').src,
                 shown: f.querySelector('a.api-url').getAttribute('href'),
                 width: f.querySelector('img').naturalWidth}])),
        })"""
    )
    return found


def test_a_click_shows_the_value_and_plots_there(
    base: str, watched: Watched, ersst_times: list[str]
) -> None:
    page = watched.page
    requests = open_explorer(page, base, dataset="ersst-v5", **ERSST_VIEW)
    view = view_of(page, **ERSST_VIEW)
    lon, lat = click_map(page, view, -139.4, 9.3)  # a cell of the open Pacific
    panel = point_panel(page)
    field = ersst(ersst_times[-1])
    assert float(panel["value"]) == nearest(field, "lon", "lat", lon, lat)
    assert f"{float(panel['value']):.5g} °C" in panel["text"]  # the file says degC
    assert set(panel["plots"]) == {"timeseries"}  # ERSST has times, no depth: no profile
    timeseries = panel["plots"]["timeseries"]
    assert timeseries["src"] == timeseries["shown"]
    query = query_of(timeseries["shown"])
    pixel = degrees_per_pixel(view)
    assert float(query["lon"]) == pytest.approx(lon, abs=pixel)
    assert float(query["lat"]) == pytest.approx(lat, abs=pixel)
    assert query["variable"] == "sst" and "time" not in query
    assert urlsplit(timeseries["shown"]).path == "/api/v1/datasets/ersst-v5/plots/timeseries"
    # The picture the browser got is the plot endpoint's answer to the URL shown.
    fresh = httpx.get(timeseries["shown"], timeout=60)
    assert fresh.status_code == 200 and fresh.headers["content-type"] == "image/png"
    assert body_of(requests, timeseries["src"]) == fresh.content
    # ... and it is the series of that point: 128 times (one line across the plot).
    series = api(
        base,
        "datasets/ersst-v5/data/timeseries",
        variables="sst",
        lon=query["lon"],
        lat=query["lat"],
    )
    assert len(series["coords"]["time"]["values"]) == len(ersst_times) == 128
    assert permalink(page)["point"] == f"{query['lon']},{query['lat']}"
    save_screenshot(page, "explorer-point-ersst.png")
    watched.assert_clean()


def test_a_click_on_a_depth_dataset_shows_its_profile(base: str, watched: Watched) -> None:
    page = watched.page
    open_explorer(page, base, dataset="glorys", variable="thetao", **GLORYS_VIEW)
    view = view_of(page, **GLORYS_VIEW)
    lon, lat = click_map(page, view, -12.3, 56.2)
    panel = point_panel(page)
    levels = api(base, "datasets/glorys/depths")["levels"]
    assert float(panel["value"]) == nearest(
        glorys_thetao(levels[0]), "longitude", "latitude", lon, lat
    )
    # One time: no time series; the T-S and sound-speed plots: test_a_click_on_glorys_adds_...
    assert set(panel["plots"]) == {"profile", "ts", "soundspeed"}
    profile = panel["plots"]["profile"]
    assert profile["src"] == profile["shown"] and profile["width"] == 560
    query = query_of(profile["shown"])
    assert float(query["lon"]) == pytest.approx(lon, abs=degrees_per_pixel(view))
    assert float(query["lat"]) == pytest.approx(lat, abs=degrees_per_pixel(view))
    save_screenshot(page, "explorer-point-glorys.png")
    watched.assert_clean()


# 4b. The plots of the water column and of a vector pair at a point ------------------------


def plot_types(base: str) -> dict[str, list[str]]:
    """GET plot-types: each plot type's name and the datasets it applies to."""
    return {t["name"]: t["datasets"] for t in api(base, "plot-types")["plot_types"]}


def glorys_column(lon: float, lat: float) -> dict[str, Any]:
    """The GLORYS column nearest (lon, lat) as gsw gives it from the file's thetao and so:
    p_from_z, SA_from_SP (at the cell), CT_from_pt, sound_speed."""
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        cell = ds.squeeze(drop=True).sel(longitude=lon, latitude=lat, method="nearest").load()
    at_lon, at_lat = float(cell["longitude"]), float(cell["latitude"])
    depth = cell["depth"].values.astype(np.float64)
    p = gsw.p_from_z(-depth, at_lat)
    sa = gsw.SA_from_SP(cell["so"].values.astype(np.float64), p, at_lon, at_lat)
    ct = gsw.CT_from_pt(sa, cell["thetao"].values.astype(np.float64))
    return {
        "cell": (at_lon, at_lat),
        "depth": depth,
        "absolute_salinity": sa,
        "conservative_temperature": ct,
        "sound_speed": gsw.sound_speed(sa, ct, p),
    }


def offered_data(page: Page, figure: str, tmp_path: Path) -> xr.Dataset:
    """The NetCDF the figure offers as the data behind it, downloaded and opened."""
    link = page.locator(f'{figure} a.data[data-format="nc"]').get_attribute("href") or ""
    response = httpx.get(link, timeout=60)
    assert response.status_code == 200, response.text
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.nc"  # one file each: opened lazily
    path.write_bytes(response.content)
    return xr.open_dataset(path)


def assert_shown_is_fetched(requests: list[Request], plot: dict[str, Any]) -> None:
    """The image's src is the URL shown; the bytes the browser got are a fresh GET's, a PNG
    of the panel's size."""
    assert plot["src"] == plot["shown"]
    fresh = httpx.get(plot["shown"], timeout=60)
    assert fresh.status_code == 200 and fresh.headers["content-type"] == "image/png"
    assert body_of(requests, plot["src"]) == fresh.content
    assert Image.open(io.BytesIO(fresh.content)).size == (560, 420)


def test_a_click_on_glorys_adds_the_ts_diagram_and_the_sound_speed_profile(
    base: str, watched: Watched, tmp_path: Path
) -> None:
    """GLORYS has temperature and salinity, so the API lists it for `ts` and `soundspeed`: a
    click adds both (for the water column, whichever variable is shown), each the API's answer
    to the URL it shows, each offering the column's values: gsw's from the file."""
    assert "glorys" in plot_types(base)["ts"] and "glorys" in plot_types(base)["soundspeed"]
    page = watched.page
    requests = open_explorer(page, base, dataset="glorys", variable="thetao", **GLORYS_VIEW)
    view = view_of(page, **GLORYS_VIEW)
    lon, lat = click_map(page, view, -12.3, 56.2)
    panel = point_panel(page)
    assert list(panel["plots"]) == ["profile", "ts", "soundspeed"]
    (time,) = api(base, "datasets/glorys/times")["times"]
    pixel = degrees_per_pixel(view)
    for kind in ("ts", "soundspeed"):
        plot = panel["plots"][kind]
        assert urlsplit(plot["shown"]).path == f"/api/v1/datasets/glorys/plots/{kind}"
        query = query_of(plot["shown"])
        assert float(query["lon"]) == pytest.approx(lon, abs=pixel)
        assert float(query["lat"]) == pytest.approx(lat, abs=pixel)
        assert query["time"] == time and "variable" not in query and "depth" not in query
        assert_shown_is_fetched(requests, plot)
    truth = glorys_column(float(query["lon"]), float(query["lat"]))
    assert np.isfinite(truth["sound_speed"]).sum() >= 5  # sea down to 1,400 m at least
    point = '#panels > section.panel[data-kind="point"]'
    ts = offered_data(page, f'{point} figure[data-plot="ts"]', tmp_path)
    speed = offered_data(page, f'{point} figure[data-plot="soundspeed"]', tmp_path)
    for data, names in (
        (ts, ["absolute_salinity", "conservative_temperature"]),
        (speed, ["sound_speed"]),
    ):
        assert sorted(map(str, data.data_vars)) == sorted(names)
        assert (float(data["cell_longitude"]), float(data["cell_latitude"])) == pytest.approx(
            truth["cell"], abs=1e-6
        )
        assert data["depth"].values == pytest.approx(truth["depth"], rel=1e-6)
        for name in names:
            assert data[name].values == pytest.approx(truth[name], rel=1e-9, nan_ok=True)
    assert ts["absolute_salinity"].attrs["units"] == "g kg-1"
    assert speed["sound_speed"].attrs["units"] == "m s-1"
    save_screenshot(page, "explorer-point-glorys-ts.png")
    watched.assert_clean()


def test_no_ts_or_sound_speed_where_the_api_does_not_list_the_dataset(
    base: str, watched: Watched
) -> None:
    """ERSST has no salinity nor depth: the page asked plot-types, which does not list it for
    `ts` or `soundspeed`, and offers neither (nor sticks: sst is no vector pair)."""
    listed = plot_types(base)
    assert all("ersst-v5" not in listed[kind] for kind in ("ts", "soundspeed", "stick"))
    page = watched.page
    requests = open_explorer(page, base, dataset="ersst-v5", point="-139.4,9.3", **ERSST_VIEW)
    panel = point_panel(page)
    assert list(panel["plots"]) == ["timeseries"]
    asked = [r for r in requests if urlsplit(r.url).path == "/api/v1/plot-types"]
    assert len(asked) == 1 and (response := asked[0].response()) and response.status == 200
    watched.assert_clean()


def test_a_vector_pair_at_a_point_adds_its_stick_plot(
    base: str, watched: Watched, tmp_path: Path
) -> None:
    """WCOFS's surface current (the dataset `stick` applies to): the point panel adds the stick
    plot of the pair, the API's answer to its URL, offering the east and north components the
    file's u_sur and v_sur give at the cell, rotated by the grid angle."""
    assert plot_types(base)["stick"] == ["wcofs"]
    page = watched.page
    requests = open_explorer(page, base, dataset="wcofs", variable="surface-current")
    page.locator("#point-input").fill("-124.5,44.8")
    page.locator("#apply-inputs").click()
    panel = point_panel(page)
    assert list(panel["plots"]) == ["timeseries", "stick"]
    stick = panel["plots"]["stick"]
    assert urlsplit(stick["shown"]).path == "/api/v1/datasets/wcofs/plots/stick"
    assert query_of(stick["shown"]) == {
        "variable": "surface-current",
        "lon": "-124.5",
        "lat": "44.8",
        "width": "560",
        "height": "420",
    }
    assert_shown_is_fetched(requests, stick)
    figure = '#panels > section.panel[data-kind="point"] figure[data-plot="stick"]'
    data = offered_data(page, figure, tmp_path)
    link = page.locator(f'{figure} a.data[data-format="nc"]').get_attribute("href") or ""
    answer = httpx.get(link.replace("f=nc", "f=json"), timeout=60).json()
    (cell,) = answer["selection"]["variables"]["surface-current_east"]["cells"]
    east, north = east_north_from_file(cell["index"]["eta_rho"], cell["index"]["xi_rho"])
    assert len(east) == data.sizes["time"] == 4
    assert data["surface-current_east"].values == pytest.approx(east, rel=1e-9)
    assert data["surface-current_north"].values == pytest.approx(north, rel=1e-9)
    save_screenshot(page, "explorer-point-wcofs-stick.png")
    watched.assert_clean()


def test_the_derived_variables_read_well_in_the_picker_and_the_value(
    base: str, watched: Watched
) -> None:
    """The picker groups the dataset's own variables, those derived with TEOS-10 and the vector
    pairs; σ0's value at a click is gsw's, in kg m⁻³, and N²'s a power of ten in s⁻²."""
    page = watched.page
    open_explorer(page, base, dataset="glorys", variable="sigma0", point="-12.3,56.2")
    groups = page.locator("#variable optgroup").evaluate_all(
        "gs => gs.map(g => [g.label, [...g.children].map(o => o.value)])"
    )
    listed = api(base, "datasets/glorys/variables")["variables"]
    assert groups == [
        ["In the dataset", [v["id"] for v in listed if not v["derived"]]],
        ["Derived (TEOS-10)", [v["id"] for v in listed if v["derived"]]],
        ["Vector pairs", ["current"]],
    ]
    assert "sigma0" in groups[1][1] and page.locator("#variable").input_value() == "sigma0"
    label = page.locator('#variable option[value="sigma0"]').inner_text()
    assert label == "Potential density anomaly σ0 (sigma0)"
    panel = point_panel(page)
    truth = glorys_column(-12.3, 56.2)
    sigma0 = gsw.sigma0(truth["absolute_salinity"][0], truth["conservative_temperature"][0])
    assert float(panel["value"]) == pytest.approx(sigma0, rel=1e-9)
    assert panel["text"].startswith(f"{float(panel['value']):.5g} kg m⁻³ (nearest cell")
    page.locator("#variable").select_option("buoyancy_frequency_squared")
    wait_idle(page)
    panel = point_panel(page)
    mantissa, exponent = f"{float(panel['value']):.4e}".split("e")
    power = str(int(exponent)).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    assert panel["text"].startswith(f"{mantissa} \u00d7 10{power} s⁻² (nearest cell")
    watched.assert_clean()


# 5. A drawn line -----------------------------------------------------------------------------


def draw_line(
    page: Page, view: View, vertices: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """With the Line tool: a click at each vertex, then a double click on the last one."""
    page.locator("#tool-line").click()
    clicked = []
    for lon, lat in vertices:
        x, y, at_lon, at_lat = map_point(page, view, lon, lat)
        page.mouse.click(x, y)
        clicked.append((at_lon, at_lat))
    page.mouse.dblclick(x, y)
    return clicked


def line_panel(page: Page) -> dict[str, dict[str, str]]:
    panel = '#panels > section.panel[data-kind="line"]'
    page.wait_for_selector(panel)
    wait_images(page, panel)
    plots: dict[str, dict[str, str]] = page.locator(f"{panel} figure.plot").evaluate_all(
        """figures => Object.fromEntries(figures.map(f => [f.dataset.plot,
            {src: f.querySelector('img').src,
             shown: f.querySelector('a.api-url').getAttribute('href')}]))"""
    )
    return plots


def assert_path(url: str, clicked: list[tuple[float, float]], view: View) -> None:
    vertices = [[float(v) for v in p.split(",")] for p in query_of(url)["path"].split(";")]
    assert len(vertices) == len(clicked), url
    pixel = degrees_per_pixel(view)
    for (lon, lat), (at_lon, at_lat) in zip(vertices, clicked, strict=True):
        assert lon == pytest.approx(at_lon, abs=pixel) and lat == pytest.approx(at_lat, abs=pixel)


def test_a_drawn_line_gives_a_transect_or_a_hovmoller(base: str, watched: Watched) -> None:
    page = watched.page
    open_explorer(page, base, dataset="glorys", variable="thetao", **GLORYS_VIEW)
    view = view_of(page, **GLORYS_VIEW)
    clicked = draw_line(page, view, [(-14.0, 50.5), (-8.0, 62.0)])
    plots = line_panel(page)
    assert set(plots) == {"transect"}  # GLORYS has one time: no Hovmöller diagram
    transect = plots["transect"]
    assert transect["src"] == transect["shown"]
    assert urlsplit(transect["shown"]).path == "/api/v1/datasets/glorys/plots/transect"
    assert_path(transect["shown"], clicked, view)
    # The drawing ended: no dashed sketch is left on the map, the line is drawn.
    assert page.locator(".leaflet-overlay-pane path[stroke-dasharray]").count() == 0
    assert page.locator(".leaflet-overlay-pane path").count() == 1
    save_screenshot(page, "explorer-line-glorys.png")

    # ERSST's sst has no depth: a line gives its Hovmöller diagram, no transect.
    open_explorer(page, base, dataset="ersst-v5", **ERSST_VIEW)
    view = view_of(page, **ERSST_VIEW)
    clicked = draw_line(page, view, [(-170.0, -10.0), (-120.0, 20.0)])
    plots = line_panel(page)
    assert set(plots) == {"hovmoller"}
    assert urlsplit(plots["hovmoller"]["shown"]).path == "/api/v1/datasets/ersst-v5/plots/hovmoller"
    assert_path(plots["hovmoller"]["shown"], clicked, view)
    save_screenshot(page, "explorer-line-ersst.png")
    watched.assert_clean()


# 6. A drawn box ----------------------------------------------------------------------------


def test_a_drawn_box_gives_a_map_and_its_data(
    base: str, watched: Watched, ersst_times: list[str]
) -> None:
    page = watched.page
    open_explorer(page, base, dataset="ersst-v5", **ERSST_VIEW)
    view = view_of(page, **ERSST_VIEW)
    page.locator("#tool-box").click()
    corners = []
    for lon, lat in [(-163.3, 1.3), (-148.7, 12.6)]:
        x, y, at_lon, at_lat = map_point(page, view, lon, lat)
        page.mouse.click(x, y)
        corners.append((at_lon, at_lat))
    panel = '#panels > section.panel[data-kind="box"]'
    page.wait_for_selector(panel)
    wait_images(page, panel)
    figure = page.locator(f'{panel} figure.plot[data-plot="map"]')
    shown = figure.locator("a.api-url").get_attribute("href") or ""
    assert figure.locator("img").get_attribute("src") == shown
    assert urlsplit(shown).path == "/api/v1/datasets/ersst-v5/plots/map"
    west, south, east, north = (float(v) for v in query_of(shown)["bbox"].split(","))
    pixel = degrees_per_pixel(view)
    assert (west, east) == pytest.approx((corners[0][0], corners[1][0]), abs=pixel)
    assert (south, north) == pytest.approx((corners[0][1], corners[1][1]), abs=pixel)
    formats = figure.locator("a[data-format]").evaluate_all("as => as.map(a => a.dataset.format)")
    assert formats == ["png", "svg", "pdf", "csv", "nc", "covjson"]

    # The CSV offered holds xarray's values of the cells in the box, at the time shown.
    link = figure.locator('a.data[data-format="csv"]').get_attribute("href") or ""
    response = httpx.get(link, timeout=60)
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    field = ersst(ersst_times[-1])
    inside = field.where(
        (field.lon >= west % 360)
        & (field.lon <= east % 360)
        & (field.lat >= south)
        & (field.lat <= north),
        drop=True,
    )
    expected = {}
    for row, cell_lat in enumerate(inside.lat.values):
        for column, cell_lon in enumerate(inside.lon.values):
            key = (float(cell_lat), float(cell_lon - 360 if cell_lon > 180 else cell_lon))
            expected[key] = float(inside.values[row, column])
    assert len(expected) >= 20 and np.isfinite(list(expected.values())).all()
    got = {
        (float(r["latitude [degrees_north]"]), float(r["longitude [degrees_east]"])): float(
            r["sst [degC]"]
        )
        for r in rows
    }
    assert {r["time"] for r in rows} == {ersst_times[-1]}
    assert sorted(got) == sorted(expected)
    assert [got[k] for k in sorted(got)] == pytest.approx(
        [expected[k] for k in sorted(got)], rel=1e-6
    )
    save_screenshot(page, "explorer-box-ersst.png")
    watched.assert_clean()


def test_a_box_on_glorys_adds_the_ts_diagram_of_its_columns(base: str, watched: Watched) -> None:
    """The T-S diagram of the box (`ts?bbox=`), where the API lists the dataset for it: the
    API's answer to the URL shown, whose subtitle counts the box's wet columns (as xarray
    counts them in the file), with the plot's formats only (no one data query holds it)."""
    page = watched.page
    requests = open_explorer(
        page, base, dataset="glorys", variable="thetao", box="-15,50,-5,60", **GLORYS_VIEW
    )
    box = '#panels > section.panel[data-kind="box"]'
    page.wait_for_selector(box)
    wait_images(page, box)
    figures = page.locator(f"{box} figure.plot").evaluate_all(
        """fs => fs.map(f => ({plot: f.dataset.plot, src: f.querySelector('img').src,
            shown: f.querySelector('a.api-url').getAttribute('href'),
            formats: [...f.querySelectorAll('a[data-format]')].map(a => a.dataset.format)}))"""
    )
    assert [f["plot"] for f in figures] == ["map", "ts"]
    ts = figures[1]
    assert urlsplit(ts["shown"]).path == "/api/v1/datasets/glorys/plots/ts"
    (time,) = api(base, "datasets/glorys/times")["times"]
    assert query_of(ts["shown"]) == {
        "bbox": "-15,50,-5,60",
        "time": time,
        "width": "560",
        "height": "420",
    }
    assert ts["formats"] == ["png", "svg", "pdf"]
    assert_shown_is_fetched(requests, ts)
    # The columns drawn are the box's cells with data (the diagram's subtitle says how many).
    svg = httpx.get(ts["shown"].replace("width=560", "f=svg&width=560"), timeout=60).text
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        inside = ds["so"].squeeze(drop=True).sel(longitude=slice(-15, -5), latitude=slice(50, 60))
        wet = int(inside.notnull().any("depth").sum())
    assert wet > 100 and f"{wet:,} columns in" in svg
    save_screenshot(page, "explorer-box-glorys-ts.png")
    watched.assert_clean()


def test_the_box_difference_map_compares_two_times(
    base: str, watched: Watched, ersst_times: list[str]
) -> None:
    """ "Difference from" another time turns the box's map into a difference plot (the layer's
    time A, the chosen B, A − B: `compare_time`), kept in the permalink; "none" takes it away."""
    page = watched.page
    requests = open_explorer(page, base, dataset="ersst-v5", box="-180,-20,-80,20", **ERSST_VIEW)
    box = '#panels > section.panel[data-kind="box"]'
    page.wait_for_selector(box)
    wait_images(page, box)
    select = page.locator("#compare-time")
    options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", *ersst_times[:-1]]  # none, or any time but the one shown (the last)
    assert page.locator(f'{box} figure[data-plot="difference"]').count() == 0
    other = ersst_times[-13]  # a year before
    select.select_option(other)
    wait_images(page, box)
    figure = page.locator(f'{box} figure[data-plot="difference"]')
    shown = figure.locator("a.api-url").get_attribute("href") or ""
    assert figure.locator("img").get_attribute("src") == shown
    assert urlsplit(shown).path == "/api/v1/datasets/ersst-v5/plots/map"
    assert query_of(shown) == {
        "variable": "sst",
        "bbox": "-180,-20,-80,20",
        "time": ersst_times[-1],
        "compare_time": other,
        "width": "560",
    }
    fresh = httpx.get(shown, timeout=60)
    assert fresh.status_code == 200 and body_of(requests, shown) == fresh.content
    assert query_of(page.url)["compare"] == other
    # The same page from its permalink: the same difference map.
    page.goto(page.url)
    page.wait_for_selector(f'{box} figure[data-plot="difference"]')
    wait_images(page, box)
    assert page.locator("#compare-time").input_value() == other
    again = page.locator(f'{box} figure[data-plot="difference"] img').get_attribute("src")
    assert again == shown
    save_screenshot(page, "explorer-box-ersst-difference.png")
    page.locator("#compare-time").select_option("")
    assert page.locator(f'{box} figure[data-plot="difference"]').count() == 0
    assert "compare" not in query_of(page.url)
    watched.assert_clean()


# 7. The permalink --------------------------------------------------------------------------

PICKERS = [
    "dataset",
    "variable",
    "depth",
    "time",
    "colormap",
    "range",
    "range-min",
    "range-max",
    "opacity",
]


def page_state(page: Page) -> dict[str, Any]:
    """What a person sees: each picker's value, the map's centre and zoom, the open panels with
    their image URLs and the value shown."""
    state: dict[str, Any] = {name: page.locator(f"#{name}").input_value() for name in PICKERS}
    state["coastlines"] = page.locator("#coastlines").is_checked()
    state["tiles"] = sorted({urlsplit(src).query for src in shown_tiles(page)})
    state["legend"] = page.locator("#legend").get_attribute("src")
    state["view"] = page.evaluate(
        """() => { const map = window.oceanExplorer.map, c = map.getCenter();
                   return [c.lng, c.lat, map.getZoom()]; }"""
    )
    state["panels"] = page.locator("#panels > section.panel").evaluate_all(
        """panels => panels.map(p => [p.dataset.kind,
            [...p.querySelectorAll('figure.plot')].map(f => [f.dataset.plot,
                f.querySelector('img').getAttribute('src'),
                f.querySelector('img').dataset.state]),
            p.querySelector('p.value')?.dataset.value ?? null])"""
    )
    return state


def set_opacity(page: Page, value: str) -> None:
    """Move the opacity slider as a person would: its value changes and "input" fires."""
    page.locator("#opacity").evaluate(
        "(slider, v) => { slider.value = v; slider.dispatchEvent(new Event('input')); }", value
    )


@pytest.mark.parametrize(
    "choice",
    [
        # A variable other than the first, at a depth; GLORYS has one time.
        {
            "dataset": "glorys",
            "variable": "so",
            "colormap": "thermal",
            "scale": ("34.5", "35.6"),
            "line": "-12,52;-6,60",
            "plots": {"line": ["transect"], "point": ["profile", "ts", "soundspeed"]},
        },
        # Its first time of two (the page shows the last by default), at a depth.
        {
            "dataset": "giops",
            "variable": "votemper",
            "colormap": "balance",
            "scale": ("5", "28"),  # plotted in °C (its units are K)
            "line": "-158,4;-142,16",
            "plots": {"line": ["transect", "hovmoller"], "point": ["timeseries", "profile"]},
        },
    ],
    ids=lambda choice: choice["dataset"],
)
def test_the_permalink_restores_the_same_state(
    base: str, browser: Browser, watched: Watched, choice: dict[str, Any]
) -> None:
    page = watched.page
    open_explorer(page, base)
    dataset = choice["dataset"]
    levels = api(base, f"datasets/{dataset}/depths")["levels"]
    times = api(base, f"datasets/{dataset}/times")["times"]
    page.locator("#dataset").select_option(dataset)
    wait_idle(page)
    page.locator("#variable").select_option(choice["variable"])
    wait_idle(page)
    page.locator("#depth").select_option(str(levels[2]))
    wait_idle(page)
    page.locator("#time").select_option(times[0])
    page.locator("#colormap").select_option(choice["colormap"])
    wait_idle(page)
    low, high = choice["scale"]
    page.locator("#range").select_option("custom")
    page.locator("#range-min").fill(low)
    page.locator("#range-max").fill(high)
    page.locator("#range-max").dispatch_event("change")
    wait_idle(page)
    set_opacity(page, "0.6")
    page.locator("#coastlines").uncheck()
    page.locator(".leaflet-control-zoom-in").click()
    page.locator("#map").focus()
    page.keyboard.press("ArrowLeft")  # pans 120 px
    wait_idle(page)
    view = page_state(page)["view"]
    where = View(
        view[0],
        view[1],
        view[2],
        *page.locator("#map").evaluate("map => [map.clientWidth, map.clientHeight]"),
    )
    click_map(page, where, view[0] + 0.5, view[1] - 0.5)
    page.locator("#line-input").fill(choice["line"].replace(";", "; "))
    page.locator("#apply-inputs").click()
    page.wait_for_selector('#panels > section.panel[data-kind="line"]')
    page.wait_for_selector("p.value[data-value]")
    wait_images(page, "#panels")
    wait_idle(page)
    before = page_state(page)
    link = page.url
    query = query_of(link)
    assert query["dataset"] == dataset and query["variable"] == choice["variable"]
    assert float(query["depth"]) == levels[2] and query["time"] == times[0]
    assert query["scale"] == f"{low},{high}" and query["colormap"] == choice["colormap"]
    assert query["opacity"] == "0.6" and query["coastlines"] == "off"
    assert query["line"] == choice["line"]
    tiles = before["tiles"]
    assert len(tiles) == 1 and query_of(f"?{tiles[0]}") == {
        "variable": choice["variable"],
        "depth": query["depth"],
        "time": times[0],
        "colormap": choice["colormap"],
        "scale": f"{low},{high}",
    }, tiles
    assert [(kind, [plot for plot, *_ in plots]) for kind, plots, _ in before["panels"]] == [
        ("line", choice["plots"]["line"]),
        ("point", choice["plots"]["point"]),
    ]
    assert all(state == "loaded" for _, plots, _ in before["panels"] for *_, state in plots)
    assert before["panels"][1][2] not in (None, "")

    # A new page, from nothing but that URL.
    fresh = browser.new_context(viewport=test_docs_browser.VIEWPORT)
    try:
        again = fresh.new_page()
        errors: list[str] = []
        again.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        again.on("pageerror", lambda e: errors.append(e.message))
        again.goto(link)
        wait_idle(again)
        again.wait_for_selector("p.value[data-value]")
        wait_images(again, "#panels")
        after = page_state(again)
        assert after["view"] == pytest.approx(before["view"], abs=1e-4)
        assert {k: v for k, v in after.items() if k != "view"} == {
            k: v for k, v in before.items() if k != "view"
        }
        assert again.url == link
        assert not errors
        save_screenshot(again, f"explorer-permalink-{dataset}.png")
    finally:
        fresh.close()
    watched.assert_clean()


# 8. Animation ------------------------------------------------------------------------------


def time_index(page: Page) -> int:
    index: int = page.locator("#time").evaluate("select => select.selectedIndex")
    return index


def test_play_advances_the_time_and_the_tiles(
    base: str, watched: Watched, ersst_times: list[str]
) -> None:
    page = watched.page
    requests = open_explorer(page, base, dataset="ersst-v5", time=ersst_times[0], **ERSST_VIEW)
    page.locator("#speed").select_option("250")
    assert time_index(page) == 0
    play = page.locator("#play")
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    page.wait_for_function(
        "() => document.getElementById('time').selectedIndex >= 3", timeout=10_000
    )
    play.click()
    assert play.get_attribute("aria-pressed") == "false"
    stopped = time_index(page)
    wait_idle(page)
    shown = ersst_times[stopped]
    assert page.locator("#time").input_value() == shown
    times_requested = {q.get("time") for _, q in tile_requests(requests)}
    assert set(ersst_times[: stopped + 1]) <= times_requested
    tiles = shown_tiles(page)
    assert tiles and {query_of(src)["time"] for src in tiles} == {shown}
    assert query_of(page.url)["time"] == shown
    # Paused, it stays (four intervals of the chosen speed).
    page.wait_for_timeout(1000)
    assert time_index(page) == stopped
    # The steps move by one.
    page.locator("#step-forward").click()
    assert time_index(page) == stopped + 1
    wait_idle(page)
    assert {query_of(src)["time"] for src in shown_tiles(page)} == {ersst_times[stopped + 1]}
    page.locator("#step-back").click()
    page.locator("#step-back").click()
    assert time_index(page) == stopped - 1
    wait_idle(page)
    assert {query_of(src)["time"] for src in shown_tiles(page)} == {ersst_times[stopped - 1]}
    assert_tiles_ok(requests)
    watched.assert_clean()


# 9. A narrow screen and the Tab key --------------------------------------------------------


def test_a_narrow_screen_reaches_every_control(base: str, watched: Watched) -> None:
    page = watched.page
    page.set_viewport_size(NARROW)
    open_explorer(page, base, dataset="ersst-v5", scale="-2,32")

    # Tab from the page's start: every enabled control in order, each showing its focus.
    enabled = [name for name in CONTROLS if page.locator(f"#{name}").evaluate("e => !e.disabled")]
    assert "depth" not in enabled and len(enabled) == len(CONTROLS) - 1  # ERSST has no depth
    reached: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const e = document.activeElement, s = getComputedStyle(e);
                       return [e.id, e.matches(':focus-visible'), s.outlineStyle,
                               parseFloat(s.outlineWidth)]; }"""
        )
        if focused[0] in CONTROLS and focused[0] not in reached:
            reached.append(focused[0])
            assert focused[1] and focused[2] != "none" and focused[3] >= 2, focused
        if focused[0] == "map":
            break
    assert reached == enabled

    # Each control can be seen and is not covered, once scrolled to.
    for name in CONTROLS:
        control = page.locator(f"#{name}")
        control.scroll_into_view_if_needed()
        assert control.is_visible(), name
        box = control.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, name
        assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"], (name, box)
        on_top = page.evaluate(
            """([id, x, y]) => {
                const hit = document.elementFromPoint(x, y);
                return hit !== null && document.getElementById(id).contains(hit);
            }""",
            [name, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
        )
        assert on_top, f"#{name} is covered at its centre"
    save_screenshot(page, "explorer-narrow.png")

    # ... and works: another dataset and variable change the layer.
    requests = record(page)
    page.locator("#dataset").select_option("glorys")
    wait_idle(page)
    page.locator("#variable").select_option("so")
    wait_idle(page)
    page.locator("#map").scroll_into_view_if_needed()
    tiles = shown_tiles(page)
    assert tiles and {query_of(src)["variable"] for src in tiles} == {"so"}
    assert all(TILE_PATH.search(urlsplit(src).path) for src in tiles)
    assert_tiles_ok(requests)
    save_screenshot(page, "explorer-narrow-glorys.png")
    watched.assert_clean()


# 10. The keyboard --------------------------------------------------------------------------


def test_enter_on_the_map_and_the_time_keys(
    base: str, watched: Watched, ersst_times: list[str]
) -> None:
    page = watched.page
    open_explorer(page, base, dataset="ersst-v5", time=ersst_times[5], **ERSST_VIEW)
    page.locator("#map").focus()
    page.keyboard.press("Enter")
    panel = point_panel(page)
    assert query_of(page.url)["point"] == f"{ERSST_VIEW['lon']:g},{ERSST_VIEW['lat']:g}"
    field = ersst(ersst_times[5])
    assert float(panel["value"]) == nearest(
        field, "lon", "lat", ERSST_VIEW["lon"], ERSST_VIEW["lat"]
    )
    page.keyboard.press(".")
    assert page.locator("#time").input_value() == ersst_times[6]
    wait_idle(page)
    assert {query_of(src)["time"] for src in shown_tiles(page)} == {ersst_times[6]}
    page.keyboard.press(",")
    page.keyboard.press(",")
    assert page.locator("#time").input_value() == ersst_times[4]
    wait_idle(page)
    # "k" plays and pauses.
    play = page.locator("#play")
    page.keyboard.press("k")
    assert play.get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => document.getElementById('time').selectedIndex > 4")
    page.keyboard.press("k")
    assert play.get_attribute("aria-pressed") == "false"
    wait_idle(page)
    watched.assert_clean()


# 11. Bad typed input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "expected"),
    [
        ("box", "1,2,3", "box: a box is west,south,east,north: four numbers"),
        ("line", "1,2", "line: a line is at least two lon,lat points"),
        ("point", "ten, 50", 'point: "ten" is not a number'),
    ],
)
def test_bad_typed_input_says_what_is_expected(
    base: str, watched: Watched, field: str, typed: str, expected: str
) -> None:
    page = watched.page
    open_explorer(page, base, dataset="ersst-v5", **ERSST_VIEW)
    requests = record(page)
    page.locator(f"#{field}-input").fill(typed)
    page.locator("#apply-inputs").click()
    problem = page.locator("#input-problem")
    assert expected in problem.inner_text()
    assert problem.is_visible()
    page.wait_for_timeout(300)
    assert [r.url for r in requests] == []
    assert page.locator("#panels > section.panel").count() == 0
    assert field not in query_of(page.url)
    watched.assert_clean()


def test_the_controls_button_folds_the_controls_on_a_narrow_screen(
    base: str, watched: Watched
) -> None:
    """Below 800 px the bar's "Controls" button folds the controls away and back, saying so
    (aria-expanded); on a wide screen it is not shown."""
    page = watched.page
    open_explorer(page, base, dataset="ersst-v5")
    assert not page.locator("#toggle-controls").is_visible()
    page.set_viewport_size(NARROW)
    button = page.locator("#toggle-controls")
    expect(button).to_be_visible()
    assert button.get_attribute("aria-expanded") == "true"
    expect(page.locator("#dataset")).to_be_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "false"
    expect(page.locator("#controls")).to_be_hidden()
    expect(page.locator("#dataset")).to_be_hidden()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    expect(page.locator("#dataset")).to_be_visible()
    watched.assert_clean()


def test_the_focused_map_pans_with_the_arrows_and_zooms_with_plus_and_minus(
    base: str, watched: Watched
) -> None:
    page = watched.page
    open_explorer(page, base, dataset="ersst-v5", lon=-150, lat=10, zoom=3)

    def where() -> tuple[float, float, int]:
        query = parse_qs(urlsplit(page.url).query)
        return float(query["lon"][0]), float(query["lat"][0]), int(query["zoom"][0])

    assert where() == (-150.0, 10.0, 3)
    page.locator("#map").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => !location.search.includes('lon=-150&')")
    lon, lat, zoom = where()
    assert lon > -150.0 and lat == pytest.approx(10.0, abs=0.05) and zoom == 3  # east, same row
    page.keyboard.press("+")
    page.wait_for_function("() => location.search.includes('zoom=4')")
    page.keyboard.press("-")
    page.wait_for_function("() => location.search.includes('zoom=3')")
    watched.assert_clean()
