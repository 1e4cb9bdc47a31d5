"""The WMS facade (GET /wms): capabilities as OWSLib reads them, maps whose pixels decode back
to the sample files' values, feature info equal to xarray's and to the native point query,
legends, and every bad input as a ServiceExceptionReport with the right code."""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import xarray as xr
import yaml
from fastapi.testclient import TestClient
from owslib.wms import WebMapService  # type: ignore[import-untyped]
from PIL import Image
from pyproj import Transformer

from plotting import colormaps
from schemas.catalog import DERIVED_IDS
from tests.conftest import SAMPLES

ERSST = SAMPLES / "sst.mnmean.nc"
GLORYS = SAMPLES / "GLORYS_coarse_test_data.nc"
OGC = "{http://www.opengis.net/ogc}"
WMS_NS = "{http://www.opengis.net/wms}"
XLINK = "{http://www.w3.org/1999/xlink}href"
MAP = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetMap",
    "LAYERS": "ersst-v5/sst",
    "STYLES": "",
    "CRS": "CRS:84",
    "BBOX": "-30,-20,30,20",
    "WIDTH": "120",
    "HEIGHT": "80",
    "FORMAT": "image/png",
    "TRANSPARENT": "TRUE",
    "TIME": "2015-06-15T00:00:00Z",
    "COLORSCALERANGE": "0,30",
    "NUMCOLORBANDS": "30",
}
"""A GetMap of ERSST over the tropical Atlantic, West Africa on its east side: pixels of 0.5°
whose centres never fall on a 2° cell's edge."""


# ----------------------------------------------------------------------------- helpers


def wms(client: Any, **params: Any) -> Any:
    """GET /wms (a TestClient or an httpx client on a live server)."""
    return client.get("/wms", params=params)


def rgba(png: bytes) -> npt.NDArray[np.uint8]:
    """A PNG's pixels as RGBA, through its palette and transparency."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGBA"))


def centres(low: float, high: float, count: int) -> npt.NDArray[np.float64]:
    """The centres of ``count`` equal steps from ``low`` to ``high``."""
    step = (high - low) / count
    return low + step * (np.arange(count) + 0.5)


def pixel_lonlat(
    crs: str, bbox: tuple[float, float, float, float], width: int, height: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Longitude of each column's centre and latitude of each row's (row 0 north), computed
    here with pyproj (box in lon,lat order, or metres for EPSG:3857)."""
    minx, miny, maxx, maxy = bbox
    x, y = centres(minx, maxx, width), centres(maxy, miny, height)
    if crs != "EPSG:3857":
        return x, y
    back = Transformer.from_crs("EPSG:3857", "OGC:CRS84", always_xy=True)
    lon, _ = back.transform(x, np.zeros_like(x))
    _, lat = back.transform(np.zeros_like(y), y)
    return np.asarray(lon), np.asarray(lat)


def ersst_cells(
    ds: xr.Dataset, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """ERSST's nearest cell (lat index per row, lon index per column) and, per pixel, whether
    its centre lies within 0.01° of a cell edge (where nearest is a toss-up)."""
    np.testing.assert_array_equal(ds.lon.values, np.arange(0, 360, 2))
    np.testing.assert_array_equal(ds.lat.values, np.arange(88, -90, -2))
    lon360 = np.mod(lon, 360)
    cols = np.rint(lon360 / 2).astype(np.intp) % 180
    rows = np.rint((88 - lat) / 2).astype(np.intp)
    near_edge_x = np.abs(np.mod(lon360, 2) - 1) < 0.01
    near_edge_y = np.abs(np.mod(lat, 2) - 1) < 0.01
    return rows, cols, near_edge_y[:, None] | near_edge_x[None, :]


def band_colours(colormap: str, bands: int) -> npt.NDArray[np.int64]:
    """The colour (RGB) of each band of a colour map cut into ``bands``: its middle."""
    cmap = colormaps.get(colormap)
    return np.asarray(cmap((np.arange(bands) + 0.5) / bands, bytes=True))[:, :3].astype(np.int64)


def decoded_bands(pixels: npt.NDArray[np.uint8], colours: npt.NDArray[np.int64]) -> Any:
    """The band each pixel's colour is (the nearest band colour)."""
    rgb = pixels[..., :3].astype(np.int64)
    distance = ((rgb[..., None, :] - colours) ** 2).sum(axis=-1)
    return np.argmin(distance, axis=-1)


def expected_bands(values: Any, low: float, high: float, bands: int, log: bool = False) -> Any:
    """The band a value is drawn in (values beyond the range: the end band, 'extend'); with
    ``log``, bands evenly spaced in log10 (values <= 0 below the range)."""
    v = np.asarray(values, dtype=np.float64)
    if log:
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (np.log10(np.where(v > 0, v, low / 10)) - np.log10(low)) / np.log10(high / low)
    else:
        t = (v - low) / (high - low)
    return np.clip(np.floor(t * bands), 0, bands - 1)


def check_ersst_map(
    png: bytes,
    ds: xr.Dataset,
    crs: str,
    lonlat_box: tuple[float, float, float, float],
    size: tuple[int, int],
    time: str = "2015-06",
    scale: tuple[float, float] = (0.0, 30.0),
    bands: int = 30,
    log: bool = False,
) -> None:
    """Every pixel of an ERSST map (thermal, transparent) against xarray: transparent exactly
    where the nearest cell is NaN (land), else within one colour step of its value."""
    width, height = size
    pixels = rgba(png)
    assert pixels.shape == (height, width, 4)
    lon, lat = pixel_lonlat(crs, lonlat_box, width, height)
    rows, cols, toss_up = ersst_cells(ds, lon, lat)
    field = ds.sst.sel(time=time).values[0] if ds.sst.sel(time=time).ndim == 3 else None
    if field is None:
        field = ds.sst.sel(time=time).values
    values = field[rows[:, None], cols[None, :]]
    land = ~np.isfinite(values)
    sure = ~toss_up
    assert land[sure].any() and (~land[sure]).any()  # the box has land and sea
    np.testing.assert_array_equal(pixels[..., 3][sure] == 0, land[sure])
    sea = sure & ~land
    assert (pixels[..., 3][sea] == 255).all()
    found = decoded_bands(pixels, band_colours("thermal", bands))
    expected = expected_bands(values, *scale, bands, log)
    assert np.abs(found[sea] - expected[sea]).max() <= 1
    assert (found[sea] == expected[sea]).mean() > 0.95


def report(response: Any, version: str = "1.3.0") -> tuple[str, str | None, str]:
    """(code, locator, message) of a ServiceExceptionReport answer (400 XML of ``version``)."""
    root = ET.fromstring(response.content)
    ns = OGC if version == "1.3.0" else ""
    assert root.tag == f"{ns}ServiceExceptionReport"
    assert root.attrib["version"] == version
    exception = root.find(f"{ns}ServiceException")
    assert exception is not None
    return exception.attrib.get("code", ""), exception.attrib.get("locator"), exception.text or ""


@pytest.fixture(scope="module")
def ersst() -> xr.Dataset:
    return xr.open_dataset(ERSST)


@pytest.fixture(scope="module")
def glorys() -> xr.Dataset:
    return xr.open_dataset(GLORYS)


@pytest.fixture(scope="module")
def caps130(client: TestClient) -> Any:
    response = wms(client, SERVICE="WMS", REQUEST="GetCapabilities", VERSION="1.3.0")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    return WebMapService("http://testserver/wms", version="1.3.0", xml=response.content)


@pytest.fixture(scope="module")
def caps111(client: TestClient) -> Any:
    response = wms(client, SERVICE="WMS", REQUEST="GetCapabilities", VERSION="1.1.1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.ogc.wms_xml")
    assert b"WMS_MS_Capabilities.dtd" in response.content
    return WebMapService("http://testserver/wms", version="1.1.1", xml=response.content)


def iso(instant: Any) -> str:
    return str(np.datetime_as_string(np.datetime64(instant, "s"))) + "Z"


def expected_layers() -> set[str]:
    """Each variable the catalog file describes (every variable the samples serve), the TEOS-10
    derived ones where the file has a potential temperature and a salinity, and each vector
    pair, as layer names, read from the catalog file (not from the service); each is in
    its sample file."""
    catalog = yaml.safe_load((SAMPLES / "catalog.yaml").read_text())
    names = set()
    for entry in catalog["datasets"]:
        if {"argo", "dsg"} & set(entry["source"]):
            continue  # an observation collection: no map layers
        with xr.open_dataset(SAMPLES / entry["source"]["path"]) as ds:
            assert set(entry["variables"]) <= set(ds.data_vars)
            found = {ds[v].attrs.get("standard_name") for v in entry["variables"]}
        names |= {f"{entry['id']}/{name}" for name in entry["variables"]}
        if {"sea_water_potential_temperature", "sea_water_salinity"} <= found:  # TEOS-10
            names |= {f"{entry['id']}/{name}" for name in DERIVED_IDS}
        names |= {f"{entry['id']}/{pair['id']}" for pair in entry.get("vectors", [])}
    return names


# ----------------------------------------------------------------------------- capabilities


def test_capabilities_130_list_every_variable_and_vector_pair(caps130: Any) -> None:
    served = set(caps130.contents)
    assert served == expected_layers()
    assert caps130["glorys/current"].title == "Sea water velocity (speed)"
    assert caps130["ersst-v5/sst"].title == "Sea surface temperature"
    assert all(caps130[name].queryable for name in served)


def test_capabilities_130_styles_every_colormap_with_legend(
    caps130: Any, client: TestClient
) -> None:
    styles = caps130["ersst-v5/sst"].styles
    assert set(styles) == {f"raster/{name}" for name in colormaps.names()}
    assert next(iter(styles)) == "raster/thermal"  # the catalog's colour map first
    assert next(iter(caps130["glorys/current"].styles)) == "raster/speed"
    legend = styles["raster/haline"]["legend"]
    assert legend.startswith("http://testserver/wms?")
    response = client.get(legend.removeprefix("http://testserver"))
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (
        int(styles["raster/haline"]["legend_width"]),
        int(styles["raster/haline"]["legend_height"]),
    )


def test_capabilities_130_dimensions_are_the_files_axes(
    caps130: Any, ersst: xr.Dataset, glorys: xr.Dataset
) -> None:
    sst = caps130["ersst-v5/sst"]
    assert sst.timepositions == [iso(t) for t in ersst.time.values]
    assert sst.defaulttimeposition == iso(ersst.time.values[-1])
    assert sst.dimensions["time"]["units"] == "ISO8601"
    assert "elevation" not in sst.dimensions
    thetao = caps130["glorys/thetao"]
    depths = [float(d) for d in thetao.elevations]
    np.testing.assert_allclose(depths, glorys.depth.values, atol=1e-4)
    assert thetao.dimensions["elevation"]["units"] == "m"
    assert thetao.dimensions["elevation"]["default"] == thetao.elevations[0]  # the shallowest
    assert "positive down" in thetao.abstract
    assert "elevation" not in caps130["glorys/zos"].dimensions


def test_capabilities_130_boxes_per_crs(caps130: Any, ersst: xr.Dataset) -> None:
    layer = caps130["glorys/thetao"]
    with xr.open_dataset(GLORYS) as ds:
        box = (
            float(ds.longitude.min()),
            float(ds.latitude.min()),
            float(ds.longitude.max()),
            float(ds.latitude.max()),
        )
    np.testing.assert_allclose(layer.boundingBoxWGS84, box, atol=1e-5)
    boxes = {crs: bbox for *bbox, crs in layer.crs_list}
    assert set(boxes) == {"CRS:84", "EPSG:4326", "EPSG:3857"}
    np.testing.assert_allclose(boxes["CRS:84"], box, atol=1e-5)
    # OWSLib turns EPSG:4326's lat,lon order back: the same box, so we wrote it lat first
    np.testing.assert_allclose(boxes["EPSG:4326"], box, atol=1e-5)
    to_3857 = Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)
    x, y = to_3857.transform([box[0], box[2]], [box[1], box[3]])
    np.testing.assert_allclose(boxes["EPSG:3857"], (x[0], y[0], x[1], y[1]), rtol=1e-6)
    # ERSST reaches 88° N/S: its Web Mercator box stops at 85.0511°, the square world's edge
    world = {crs: bbox for *bbox, crs in caps130["ersst-v5/sst"].crs_list}["EPSG:3857"]
    assert ersst.lat.max() > 85.06
    np.testing.assert_allclose(world[3], 20037508.342789244, rtol=1e-9)
    np.testing.assert_allclose(world[1], -20037508.342789244, rtol=1e-9)


def test_capabilities_130_service_and_limits(client: TestClient, caps130: Any) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    side = min(4096, math.isqrt(settings.max_image_pixels))
    body = wms(client, SERVICE="WMS", REQUEST="GetCapabilities").content
    root = ET.fromstring(body)
    assert root.attrib["version"] == "1.3.0"
    service = root.find(f"{WMS_NS}Service")
    assert service is not None
    assert service.findtext(f"{WMS_NS}MaxWidth") == str(side)
    assert service.findtext(f"{WMS_NS}MaxHeight") == str(side)
    assert service.findtext(f"{WMS_NS}LayerLimit") == "1"
    online = service.find(f"{WMS_NS}OnlineResource")
    assert online is not None and online.attrib[XLINK] == "http://testserver/wms?"
    operations = {op.name for op in caps130.operations}
    assert operations == {"GetCapabilities", "GetMap", "GetFeatureInfo", "GetLegendGraphic"}
    assert caps130.getOperationByName("GetMap").formatOptions == ["image/png"]
    urls = [m["url"] for m in caps130.getOperationByName("GetMap").methods]
    assert urls == ["http://testserver/wms?"]


def test_capabilities_base_url_follows_the_request(client: TestClient) -> None:
    body = client.get(
        "/wms?service=WMS&request=GetCapabilities", headers={"Host": "localhost:8123"}
    ).content
    assert b'xlink:href="http://localhost:8123/wms?"' in body
    assert b"http://testserver/" not in body


def test_capabilities_111(caps111: Any, ersst: xr.Dataset, glorys: xr.Dataset) -> None:
    assert set(caps111.contents) == expected_layers()
    sst = caps111["ersst-v5/sst"]
    assert sst.timepositions == [iso(t) for t in ersst.time.values]
    assert set(sst.styles) == {f"raster/{name}" for name in colormaps.names()}
    assert set(sst.crsOptions) == {"CRS:84", "EPSG:4326", "EPSG:3857"}
    np.testing.assert_allclose(
        [float(d) for d in caps111["glorys/so"].elevations], glorys.depth.values, atol=1e-4
    )
    # 1.1.1's EPSG:4326 box is lon,lat, as its LatLonBoundingBox
    layer = next(
        e for e in caps111._capabilities.iter("Layer") if e.findtext("Name") == "glorys/so"
    )
    box = layer.find("BoundingBox[@SRS='EPSG:4326']")
    assert box is not None
    as_written = [float(box.attrib[k]) for k in ("minx", "miny", "maxx", "maxy")]
    np.testing.assert_allclose(as_written, caps111["glorys/so"].boundingBoxWGS84)
    assert as_written[0] < -17 and as_written[1] > 46  # longitude first


def test_capabilities_version_negotiation(client: TestClient) -> None:
    for asked, given in [("2.0.0", "1.3.0"), ("1.0.0", "1.1.1"), ("1.1.0", "1.1.1"), ("", "1.3.0")]:
        body = wms(client, service="WMS", request="GetCapabilities", version=asked).content
        assert ET.fromstring(body).attrib["version"] == given


def test_capabilities_leave_out_unavailable_datasets(
    scratch_samples: Path, make_client: Callable[..., TestClient]
) -> None:
    (scratch_samples / "nemo_test.nc").unlink()
    client = make_client(scratch_samples / "catalog.yaml")
    response = wms(client, SERVICE="WMS", REQUEST="GetCapabilities")
    layers = set(
        WebMapService("http://testserver/wms", version="1.3.0", xml=response.content).contents
    )
    assert "glorys/thetao" in layers
    assert not any(name.startswith("giops/") for name in layers)
    # and its layer is 503 with Retry-After, as an exception report
    answer = wms(client, **{**MAP, "LAYERS": "giops/votemper", "CRS": "CRS:84"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"]
    assert "unavailable" in report(answer)[2]


# ----------------------------------------------------------------------------- GetMap


@pytest.mark.parametrize(
    ("version", "crs_key", "crs", "bbox"),
    [
        ("1.3.0", "CRS", "CRS:84", "-30,-20,30,20"),
        ("1.3.0", "CRS", "EPSG:4326", "-20,-30,20,30"),  # lat,lon: WMS 1.3.0's axis order
        ("1.1.1", "SRS", "EPSG:4326", "-30,-20,30,20"),  # 1.1.1: lon,lat
        ("1.1.1", "SRS", "CRS:84", "-30,-20,30,20"),
    ],
)
def test_getmap_geographic_land_falls_where_the_file_says(
    client: TestClient, ersst: xr.Dataset, version: str, crs_key: str, crs: str, bbox: str
) -> None:
    params = {k: v for k, v in MAP.items() if k != "CRS"}
    response = wms(client, **{**params, "VERSION": version, crs_key: crs, "BBOX": bbox})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    check_ersst_map(response.content, ersst, "CRS:84", (-30, -20, 30, 20), (120, 80))


def test_getmap_across_the_antimeridian(client: TestClient, ersst: xr.Dataset) -> None:
    """A box from 140° E to 160° W (200° E): one map, no seam at 180°."""
    response = wms(client, **{**MAP, "BBOX": "140,-20,200,20"})
    assert response.status_code == 200, response.text
    check_ersst_map(response.content, ersst, "CRS:84", (140, -20, 200, 20), (120, 80))


def test_getmap_130_epsg4326_is_not_lon_lat(client: TestClient, ersst: xr.Dataset) -> None:
    """The same numbers read lon,lat (a client ignoring 1.3.0's axis order) draw another box:
    the service does swap."""
    lat_first = wms(client, **{**MAP, "CRS": "EPSG:4326", "BBOX": "-30,-20,30,20"}).content
    with pytest.raises(AssertionError):
        check_ersst_map(lat_first, ersst, "CRS:84", (-30, -20, 30, 20), (120, 80))
    check_ersst_map(lat_first, ersst, "CRS:84", (-20, -30, 20, 30), (120, 80))


def test_getmap_web_mercator(client: TestClient, ersst: xr.Dataset) -> None:
    to_3857 = Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)
    (minx, maxx), (miny, maxy) = to_3857.transform([-30, 30], [-20, 20])
    box = (float(minx), float(miny), float(maxx), float(maxy))
    response = wms(client, **{**MAP, "CRS": "EPSG:3857", "BBOX": ",".join(repr(v) for v in box)})
    assert response.status_code == 200, response.text
    check_ersst_map(response.content, ersst, "EPSG:3857", box, (120, 80))


def test_getmap_time_picks_the_month(client: TestClient, ersst: xr.Dataset) -> None:
    january = wms(client, **{**MAP, "TIME": "2011-01-20"}).content
    check_ersst_map(january, ersst, "CRS:84", (-30, -20, 30, 20), (120, 80), time="2011-01")
    latest = wms(client, **{k: v for k, v in MAP.items() if k != "TIME"}).content
    last = str(np.datetime_as_string(ersst.time.values[-1], unit="M"))
    check_ersst_map(latest, ersst, "CRS:84", (-30, -20, 30, 20), (120, 80), time=last)


def test_getmap_auto_scale_fits_the_whole_field(client: TestClient, ersst: xr.Dataset) -> None:
    """COLORSCALERANGE=auto: the 2nd to 98th percentile of the whole field at that time, not
    of the box drawn (so that neighbouring maps agree)."""
    field = ersst.sst.sel(time="2015-06").values[0]
    low, high = (float(v) for v in np.nanpercentile(field, [2, 98]))
    box_values = field[34:55, :]  # about the box's latitudes: another range
    assert abs(float(np.nanpercentile(box_values, 2)) - low) > 1
    auto = wms(client, **{**MAP, "COLORSCALERANGE": "auto"})
    assert auto.status_code == 200
    check_ersst_map(auto.content, ersst, "CRS:84", (-30, -20, 30, 20), (120, 80), scale=(low, high))


def test_getmap_logscale(client: TestClient, ersst: xr.Dataset) -> None:
    logged = wms(client, **{**MAP, "COLORSCALERANGE": "1,30", "LOGSCALE": "TRUE"})
    assert logged.status_code == 200
    box = (-30.0, -20.0, 30.0, 20.0)
    check_ersst_map(logged.content, ersst, "CRS:84", box, (120, 80), scale=(1, 30), log=True)


def test_getmap_elevation_draws_the_nearest_level(client: TestClient, glorys: xr.Dataset) -> None:
    width, height = 100, 80
    response = wms(
        client,
        **{
            **MAP,
            "LAYERS": "glorys/thetao",
            "STYLES": "raster/viridis",
            "BBOX": "-15,50,5,66",
            "WIDTH": str(width),
            "HEIGHT": str(height),
            "ELEVATION": "100",
            "TIME": "",
            "COLORSCALERANGE": "2,16",
            "NUMCOLORBANDS": "20",
        },
    )
    assert response.status_code == 200, response.text
    pixels = rgba(response.content)
    lon, lat = pixel_lonlat("CRS:84", (-15, 50, 5, 66), width, height)
    level = int(np.argmin(np.abs(glorys.depth.values - 100)))
    field = glorys.thetao.isel(depth=level)
    values = (
        field.sel(
            longitude=xr.DataArray(lon, dims="x"),
            latitude=xr.DataArray(lat, dims="y"),
            method="nearest",
        )
        .transpose("y", "x")
        .values
    )
    step = float(np.diff(glorys.longitude.values).mean())
    toss_x = np.abs(np.mod(lon - float(glorys.longitude[0]) + step / 2, step)) < 0.01
    toss_y = np.abs(np.mod(lat - float(glorys.latitude[0]) + step / 2, step)) < 0.01
    sure = ~(toss_y[:, None] | toss_x[None, :])
    land = ~np.isfinite(values)
    np.testing.assert_array_equal((pixels[..., 3] == 0)[sure], land[sure])
    sea = sure & ~land
    found = decoded_bands(pixels, band_colours("viridis", 20))
    expected = expected_bands(values, 2, 16, 20)
    assert np.abs(found[sea] - expected[sea]).max() <= 1
    # another level draws other colours
    surface = wms(client, **{**MAP, "LAYERS": "glorys/thetao", "BBOX": "-15,50,5,66", "TIME": ""})
    assert surface.status_code == 200
    assert rgba(surface.content).tobytes() != pixels.tobytes()


def test_getmap_opaque_background_and_style_options(client: TestClient, ersst: xr.Dataset) -> None:
    plain = rgba(wms(client, **{**MAP, "TRANSPARENT": "FALSE", "BGCOLOR": "0x336699"}).content)
    land = plain[..., 3] == 255
    assert (plain[..., 3] == 255).all()
    transparent = rgba(wms(client, **MAP).content)
    was_land = transparent[..., 3] == 0
    assert was_land.any() and land.all()
    assert (plain[was_land][:, :3] == (0x33, 0x66, 0x99)).all()
    half = rgba(wms(client, **{**MAP, "OPACITY": "50"}).content)
    sea = ~was_land
    assert (np.abs(half[..., 3][sea].astype(int) - 128) <= 1).all()
    # values above 25 °C transparent, as ABOVEMAXCOLOR asks
    capped = rgba(
        wms(client, **{**MAP, "COLORSCALERANGE": "0,25", "ABOVEMAXCOLOR": "transparent"}).content
    )
    warm = rgba(wms(client, **{**MAP, "COLORSCALERANGE": "0,25"}).content)
    assert (capped[..., 3] == 0).sum() > (warm[..., 3] == 0).sum()
    # values below 26 °C red, as BELOWMINCOLOR asks: where xarray's cell is below 26
    lon, lat = pixel_lonlat("CRS:84", (-30, -20, 30, 20), 120, 80)
    rows, cols, toss_up = ersst_cells(ersst, lon, lat)
    values = ersst.sst.sel(time="2015-06").values[0][rows[:, None], cols[None, :]]
    red = rgba(
        wms(client, **{**MAP, "COLORSCALERANGE": "26,30", "BELOWMINCOLOR": "0xFF0000"}).content
    )
    is_red = (red[..., :3] == (255, 0, 0)).all(axis=-1) & (red[..., 3] == 255)
    sure = ~toss_up & np.isfinite(values)
    assert is_red[sure & (values < 26)].all()
    assert not is_red[sure & (values >= 26)].any()
    assert (sure & (values < 26)).any() and (sure & (values >= 26)).any()


def test_getmap_parameter_names_are_case_insensitive(client: TestClient) -> None:
    upper = wms(client, **MAP)
    lower = wms(client, **{k.lower(): v for k, v in MAP.items()})
    mixed = wms(client, **{k.title(): v for k, v in MAP.items()})
    assert upper.status_code == lower.status_code == mixed.status_code == 200
    assert upper.content == lower.content == mixed.content
    assert wms(client, **{**MAP, "REQUEST": "getmap", "CRS": "crs:84"}).content == upper.content


def test_getmap_is_cached_with_an_etag(client: TestClient) -> None:
    first = wms(client, **MAP)
    etag = first.headers["etag"]
    again = client.get("/wms", params=MAP, headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_getmap_size_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(SAMPLES / "catalog.yaml", max_image_pixels=128 * 128)
    caps = WebMapService(
        "http://testserver/wms",
        version="1.3.0",
        xml=wms(client, service="WMS", request="GetCapabilities").content,
    )
    root = caps._capabilities
    assert root.findtext(f"{WMS_NS}Service/{WMS_NS}MaxWidth") == "128"
    ok = wms(client, **{**MAP, "WIDTH": "128", "HEIGHT": "128"})
    assert ok.status_code == 200
    refused = wms(client, **{**MAP, "WIDTH": "129", "HEIGHT": "128"})
    assert refused.status_code == 400
    code, locator, message = report(refused)
    assert (code, locator) == ("InvalidParameterValue", "HEIGHT")
    assert "16,384" in message


# ----------------------------------------------------------------------------- GetFeatureInfo


def feature_info(client: TestClient, i: int, j: int, **extra: Any) -> Any:
    params = {**MAP, "REQUEST": "GetFeatureInfo", "QUERY_LAYERS": MAP["LAYERS"]}
    params |= {"I": str(i), "J": str(j), "INFO_FORMAT": "application/json", **extra}
    return wms(client, **params)


def test_feature_info_is_xarrays_nearest_cell(client: TestClient, ersst: xr.Dataset) -> None:
    lon, lat = pixel_lonlat("CRS:84", (-30, -20, 30, 20), 120, 80)
    rows, cols, _ = ersst_cells(ersst, lon, lat)
    field = ersst.sst.sel(time="2015-06").values[0]
    checked = 0
    for i, j in [(10, 10), (60, 40), (3, 77), (119, 0), (50, 20)]:
        response = feature_info(client, i, j)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        feature = response.json()["features"][0]
        props = feature["properties"]
        expected = float(field[rows[j], cols[i]])
        assert feature["geometry"]["coordinates"] == pytest.approx([lon[i], lat[j]])
        assert props["time"] == "2015-06-01T00:00:00Z"
        assert props["units"] == "degC"
        assert props["cell"]["longitude"] == pytest.approx(
            ((float(ersst.lon[cols[i]]) + 180) % 360) - 180
        )
        assert props["cell"]["latitude"] == pytest.approx(float(ersst.lat[rows[j]]))
        if math.isfinite(expected):
            assert props["value"] == pytest.approx(expected, abs=1e-5)
            checked += 1
        else:
            assert props["value"] is None and "land" in props["no_data"]
    assert checked >= 3


def test_feature_info_equals_the_point_query(client: TestClient) -> None:
    lon, lat = pixel_lonlat("CRS:84", (-30, -20, 30, 20), 120, 80)
    for i, j in [(30, 50), (70, 12), (110, 60)]:
        info = feature_info(client, i, j).json()["features"][0]["properties"]
        point = client.get(
            "/api/v1/datasets/ersst-v5/data/point",
            params={"lon": lon[i], "lat": lat[j], "time": MAP["TIME"], "variables": "sst"},
        ).json()
        assert info["value"] == point["variables"]["sst"]["values"]
        assert info["cell"]["longitude"] == point["coords"]["cell_longitude"]["values"]
        assert info["cell"]["latitude"] == point["coords"]["cell_latitude"]["values"]
        assert info["time"] == point["coords"]["time"]["values"]


def test_feature_info_honours_elevation_and_time(client: TestClient, glorys: xr.Dataset) -> None:
    box = (-15.0, 50.0, 5.0, 66.0)
    lon, lat = pixel_lonlat("CRS:84", box, 100, 80)
    for depth in ("5", "100", "1000"):
        response = feature_info(
            client,
            40,
            30,
            LAYERS="glorys/thetao",
            QUERY_LAYERS="glorys/thetao",
            BBOX="-15,50,5,66",
            WIDTH="100",
            ELEVATION=depth,
            TIME="2021-06-29",
        )
        props = response.json()["features"][0]["properties"]
        level = int(np.argmin(np.abs(glorys.depth.values - float(depth))))
        expected = glorys.thetao.isel(depth=level).sel(
            longitude=lon[40], latitude=lat[30], method="nearest"
        )
        assert props["value"] == pytest.approx(float(expected), abs=1e-5)
        assert props["depth"] == pytest.approx(float(glorys.depth[level]), abs=1e-4)
        assert props["time"] == "2021-06-29T00:00:00Z"


def test_feature_info_vector_pair_is_its_speed(client: TestClient, glorys: xr.Dataset) -> None:
    lon, lat = pixel_lonlat("CRS:84", (-15, 50, 5, 66), 100, 80)
    props = feature_info(
        client,
        40,
        30,
        LAYERS="glorys/current",
        QUERY_LAYERS="glorys/current",
        BBOX="-15,50,5,66",
        WIDTH="100",
        TIME="",
    ).json()["features"][0]["properties"]
    cell = {"longitude": lon[40], "latitude": lat[30]}
    u = float(glorys.uo.isel(depth=0).sel(**cell, method="nearest"))
    v = float(glorys.vo.isel(depth=0).sel(**cell, method="nearest"))
    assert props["value"] == pytest.approx(math.hypot(u, v), abs=1e-6)
    assert props["units"] == "m s-1"


def test_feature_info_curvilinear_in_the_maps_units(client: TestClient) -> None:
    """GIOPS (NEMO's curvilinear grid, in K, drawn in °C as the catalog says): the nearest cell
    by great-circle distance, its value in °C, at the step holding TIME and the level nearest
    ELEVATION."""
    box = (-160.0, 2.0, -140.0, 16.0)
    width, height = 100, 70
    lon, lat = pixel_lonlat("CRS:84", box, width, height)
    common = {
        "LAYERS": "giops/votemper",
        "QUERY_LAYERS": "giops/votemper",
        "BBOX": "-160,2,-140,16",
    }
    common |= {"WIDTH": str(width), "HEIGHT": str(height), "TIME": "2014-06-20", "ELEVATION": "50"}
    with xr.open_dataset(SAMPLES / "nemo_test.nc") as ds:
        level = int(np.argmin(np.abs(ds.deptht.values - 50)))
        field = ds.votemper.isel(time_counter=1, deptht=level).values
        grid_lon, grid_lat = np.radians(ds.nav_lon.values), np.radians(ds.nav_lat.values)
        for i, j in [(10, 10), (50, 35), (90, 60)]:
            x, y = np.radians(lon[i]), np.radians(lat[j])
            cosine = np.sin(y) * np.sin(grid_lat) + np.cos(y) * np.cos(grid_lat) * np.cos(
                grid_lon - x
            )
            nearest = np.unravel_index(np.argmax(cosine), cosine.shape)
            expected = float(field[nearest]) - 273.15
            props = feature_info(client, i, j, **common).json()["features"][0]["properties"]
            assert props["units"] == "degC"
            assert props["value"] == pytest.approx(expected, abs=1e-4)
            assert props["depth"] == pytest.approx(float(ds.deptht[level]), abs=1e-4)
            assert props["time"] == iso(ds.time_counter.values[1])
            assert props["cell"]["index"] == {"y": int(nearest[0]), "x": int(nearest[1])}


def test_feature_info_off_the_grid_is_no_data(client: TestClient) -> None:
    response = feature_info(
        client,
        5,
        5,
        LAYERS="glorys/thetao",
        QUERY_LAYERS="glorys/thetao",
        TIME="",
    )  # the tropical Atlantic: far from GLORYS's North-East Atlantic
    assert response.status_code == 200
    props = response.json()["features"][0]["properties"]
    assert props["value"] is None and "outside" in props["no_data"]


def test_feature_info_text_html_and_111(client: TestClient, ersst: xr.Dataset) -> None:
    lon, lat = pixel_lonlat("CRS:84", (-30, -20, 30, 20), 120, 80)
    rows, cols, _ = ersst_cells(ersst, lon, lat)
    value = float(ersst.sst.sel(time="2015-06").values[0][rows[20], cols[10]])
    text = feature_info(client, 10, 20, INFO_FORMAT="text/plain")
    assert text.headers["content-type"].startswith("text/plain")
    assert f"value: {value:.6g} degC" in text.text
    html = feature_info(client, 10, 20, INFO_FORMAT="text/html")
    assert html.headers["content-type"].startswith("text/html")
    assert f"<td>{value:.6g} degC</td>" in html.text
    params = {k: v for k, v in MAP.items() if k != "CRS"}
    old = wms(
        client,
        **{**params, "VERSION": "1.1.1", "SRS": "EPSG:4326", "REQUEST": "GetFeatureInfo"},
        QUERY_LAYERS="ersst-v5/sst",
        X="10",
        Y="20",
        INFO_FORMAT="application/json",
    )
    assert old.json()["features"][0]["properties"]["value"] == pytest.approx(value, abs=1e-5)


# ----------------------------------------------------------------------------- GetLegendGraphic


def test_legend_graphic(client: TestClient) -> None:
    response = wms(
        client,
        REQUEST="GetLegendGraphic",
        LAYER="glorys/so",
        STYLE="raster/haline",
        FORMAT="image/png",
        WIDTH="120",
        HEIGHT="300",
        COLORSCALERANGE="30,36",
    )
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (120, 300)
    colours = np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0)
    assert len(colours) > 20  # a ramp, not a blank
    other = wms(client, REQUEST="GetLegendGraphic", LAYER="glorys/so", STYLE="raster/thermal")
    assert other.status_code == 200 and other.content != response.content


def test_legend_graphic_draws_the_maps_bands(client: TestClient) -> None:
    """NUMCOLORBANDS=5: the legend's ramp is the five colours a map with 5 bands uses."""
    legend = {"REQUEST": "GetLegendGraphic", "LAYER": "glorys/so", "STYLE": "raster/haline"}
    legend |= {"COLORSCALERANGE": "30,36", "WIDTH": "100", "HEIGHT": "300"}
    banded = rgba(wms(client, **legend, NUMCOLORBANDS="5").content)[..., :3].reshape(-1, 3)
    colours, counts = np.unique(banded, axis=0, return_counts=True)
    common = colours[counts >= 200].astype(np.int64)
    expected = band_colours("haline", 5)
    # each band's colour fills a block of the ramp (matplotlib rounds a channel by up to 1)
    distance = np.abs(common[:, None, :] - expected[None, :, :]).max(axis=-1)
    assert (distance.min(axis=0) <= 1).all()
    others = common[distance.min(axis=1) > 1]
    assert (others == others[:, :1]).all()  # greys: background, frame, text; no other ramp colour
    bands = {tuple(c) for c in expected.tolist()}
    # the map draws the same colours: a 5-band GetMap of salinity
    image = rgba(
        wms(
            client,
            **{
                **MAP,
                "LAYERS": "glorys/so",
                "STYLES": "raster/haline",
                "TIME": "",
                "BBOX": "-15,50,5,66",
                "COLORSCALERANGE": "30,36",
                "NUMCOLORBANDS": "5",
            },
        ).content
    )
    drawn = {tuple(c) for c in image[image[..., 3] == 255][:, :3].tolist()}
    assert drawn <= bands
    log = wms(client, **{**legend, "LOGSCALE": "TRUE", "COLORSCALERANGE": "0.1,100"})
    linear = wms(client, **{**legend, "COLORSCALERANGE": "0.1,100"})
    assert log.status_code == linear.status_code == 200
    assert log.content != linear.content


# ----------------------------------------------------------------------------- bad input

GFI = {**MAP, "REQUEST": "GetFeatureInfo", "QUERY_LAYERS": MAP["LAYERS"], "I": "1", "J": "1"}
LEGEND = {"REQUEST": "GetLegendGraphic", "LAYER": "ersst-v5/sst"}
CAPS = {"SERVICE": "WMS", "REQUEST": "GetCapabilities"}
OLD = {**{k: v for k, v in MAP.items() if k != "CRS"}, "VERSION": "1.1.1", "SRS": "EPSG:4326"}

BAD: list[tuple[dict[str, str], str, str]] = [
    ({"SERVICE": "WMS"}, "MissingParameterValue", "REQUEST"),
    ({**MAP, "REQUEST": "GetStyles"}, "OperationNotSupported", "REQUEST"),
    ({**CAPS, "SERVICE": "WFS"}, "InvalidParameterValue", "SERVICE"),
    ({"REQUEST": "GetCapabilities"}, "MissingParameterValue", "SERVICE"),
    ({**MAP, "VERSION": "1.2.0"}, "InvalidParameterValue", "VERSION"),
    ({k: v for k, v in MAP.items() if k != "LAYERS"}, "MissingParameterValue", "LAYERS"),
    ({**MAP, "LAYERS": "ersst-v5/nope"}, "LayerNotDefined", "LAYERS"),
    ({**MAP, "LAYERS": "nope/sst"}, "LayerNotDefined", "LAYERS"),
    ({**MAP, "LAYERS": "sst"}, "LayerNotDefined", "LAYERS"),
    ({**MAP, "LAYERS": "ersst-v5/sst,glorys/so"}, "InvalidParameterValue", "LAYERS"),
    ({**MAP, "STYLES": "raster/nope"}, "StyleNotDefined", "STYLES"),
    ({**MAP, "STYLES": "boxfill/thermal"}, "StyleNotDefined", "STYLES"),
    ({**MAP, "CRS": "EPSG:27700"}, "InvalidCRS", "CRS"),
    ({k: v for k, v in MAP.items() if k != "CRS"}, "MissingParameterValue", "CRS"),
    ({**MAP, "BBOX": "1,2,3"}, "InvalidParameterValue", "BBOX"),
    ({**MAP, "BBOX": "30,-20,-30,20"}, "InvalidParameterValue", "BBOX"),
    ({**MAP, "BBOX": "-30,-100,30,20"}, "InvalidParameterValue", "BBOX"),
    ({**MAP, "BBOX": "a,b,c,d"}, "InvalidParameterValue", "BBOX"),
    ({**MAP, "WIDTH": "0"}, "InvalidParameterValue", "WIDTH"),
    ({**MAP, "HEIGHT": "tall"}, "InvalidParameterValue", "HEIGHT"),
    ({**MAP, "WIDTH": "5000"}, "InvalidParameterValue", "WIDTH"),
    ({**MAP, "FORMAT": "image/jpeg"}, "InvalidFormat", "FORMAT"),
    ({**MAP, "TIME": "1990-01-01"}, "InvalidDimensionValue", "TIME"),
    ({**MAP, "TIME": "yesterday"}, "InvalidDimensionValue", "TIME"),
    ({**MAP, "TIME": "2015-01-01/2015-06-01"}, "InvalidDimensionValue", "TIME"),
    ({**MAP, "ELEVATION": "-5"}, "InvalidDimensionValue", "ELEVATION"),
    ({**MAP, "ELEVATION": "deep"}, "InvalidDimensionValue", "ELEVATION"),
    ({**MAP, "COLORSCALERANGE": "30,0"}, "InvalidParameterValue", "COLORSCALERANGE"),
    (
        {**MAP, "COLORSCALERANGE": "-1,5", "LOGSCALE": "TRUE"},
        "InvalidParameterValue",
        "COLORSCALERANGE",
    ),
    ({**MAP, "NUMCOLORBANDS": "1"}, "InvalidParameterValue", "NUMCOLORBANDS"),
    ({**MAP, "NUMCOLORBANDS": "300"}, "InvalidParameterValue", "NUMCOLORBANDS"),
    ({**MAP, "LOGSCALE": "yes"}, "InvalidParameterValue", "LOGSCALE"),
    ({**MAP, "OPACITY": "150"}, "InvalidParameterValue", "OPACITY"),
    ({**MAP, "ABOVEMAXCOLOR": "red"}, "InvalidParameterValue", "ABOVEMAXCOLOR"),
    ({**MAP, "BELOWMINCOLOR": "0xGG0000"}, "InvalidParameterValue", "BELOWMINCOLOR"),
    ({**MAP, "BGCOLOR": "white"}, "InvalidParameterValue", "BGCOLOR"),
    ({**MAP, "TRANSPARENT": "maybe"}, "InvalidParameterValue", "TRANSPARENT"),
    ({**GFI, "I": "120"}, "InvalidPoint", "I"),
    ({**GFI, "J": "-1"}, "InvalidPoint", "J"),
    ({**GFI, "I": "x"}, "InvalidPoint", "I"),
    ({k: v for k, v in GFI.items() if k != "J"}, "MissingParameterValue", "J"),
    ({**GFI, "INFO_FORMAT": "application/vnd.ogc.gml"}, "InvalidFormat", "INFO_FORMAT"),
    ({**GFI, "QUERY_LAYERS": "glorys/so"}, "LayerNotDefined", "QUERY_LAYERS"),
    (
        {**GFI, "QUERY_LAYERS": "ersst-v5/nope", "LAYERS": "ersst-v5/nope"},
        "LayerNotDefined",
        "QUERY_LAYERS",
    ),
    ({**LEGEND, "LAYER": "glorys/nope"}, "LayerNotDefined", "LAYER"),
    ({"REQUEST": "GetLegendGraphic"}, "MissingParameterValue", "LAYER"),
    ({**LEGEND, "STYLE": "raster/nope"}, "StyleNotDefined", "STYLE"),
    ({**LEGEND, "FORMAT": "image/gif"}, "InvalidFormat", "FORMAT"),
    ({**LEGEND, "WIDTH": "10"}, "InvalidParameterValue", "WIDTH"),
    (
        {**LEGEND, "LOGSCALE": "TRUE", "COLORSCALERANGE": "0,5"},
        "InvalidParameterValue",
        "COLORSCALERANGE",
    ),
    ({**LEGEND, "NUMCOLORBANDS": "251"}, "InvalidParameterValue", "NUMCOLORBANDS"),
]


@pytest.mark.parametrize(("params", "code", "name"), BAD, ids=[f"{c}-{n}" for _, c, n in BAD])
def test_bad_input_130(client: TestClient, params: dict[str, str], code: str, name: str) -> None:
    response = wms(client, **params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/xml")
    found, locator, message = report(response)
    assert (found, locator) == (code, name)
    assert name in message


BAD_111: list[tuple[dict[str, str], str, str]] = [
    ({**OLD, "SRS": "EPSG:27700"}, "InvalidSRS", "SRS"),
    ({**OLD, "LAYERS": "nope/x"}, "LayerNotDefined", "LAYERS"),
    (
        {**OLD, "REQUEST": "GetFeatureInfo", "QUERY_LAYERS": "ersst-v5/sst", "X": "500", "Y": "1"},
        "InvalidPoint",
        "X",
    ),
    ({**OLD, "TIME": "1800-01-01"}, "InvalidDimensionValue", "TIME"),
]


@pytest.mark.parametrize(("params", "code", "name"), BAD_111, ids=[c for _, c, _ in BAD_111])
def test_bad_input_111(client: TestClient, params: dict[str, str], code: str, name: str) -> None:
    response = wms(client, **params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/vnd.ogc.se_xml")
    assert b"exception_1_1_1.dtd" in response.content
    found, locator, message = report(response, "1.1.1")
    assert (found, locator) == (code, name)
    assert name in message


def test_readme_examples(client: TestClient) -> None:
    """The README's WMS URLs answer as it says."""
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("### Web maps: WMS", 1)[1].split("\n## ", 1)[0]
    urls = re.findall(r"http://127\.0\.0\.1:8000(/wms\?\S+)", section)
    assert len(urls) == 2
    capabilities, getmap = (client.get(url) for url in urls)
    assert capabilities.status_code == 200
    assert ET.fromstring(capabilities.content).attrib["version"] == "1.3.0"
    assert getmap.status_code == 200 and getmap.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(getmap.content)).size == (800, 400)
    # the whole world, not a blank: nothing south of ERSST's cells, mostly sea at the equator
    alpha = rgba(getmap.content)[..., 3]
    assert (alpha[-5:] == 0).all() and (alpha[195:205] == 255).mean() > 0.5


def test_a_parameter_given_twice_with_different_values(client: TestClient) -> None:
    """LAYERS and layers are the same parameter: two different values are refused, naming it."""
    items = [*MAP.items(), ("layers", "glorys/so")]
    response = client.get("/wms", params=items)
    assert response.status_code == 400
    code, locator, message = report(response)
    assert (code, locator) == ("InvalidParameterValue", "LAYERS")
    assert "more than once" in message
    same = client.get("/wms", params=[*MAP.items(), ("layers", MAP["LAYERS"])])
    assert same.status_code == 200


def test_vendor_parameters_are_ignored(client: TestClient) -> None:
    """Clients add their own parameters (Leaflet's, OpenLayers' cache busters): not an error."""
    assert wms(client, **MAP, _olSalt="0.123", tiled="true").content == wms(client, **MAP).content
