"""OWSLib's WebMapService (1.3.0 and 1.1.1), a WMS client as users run it, against the real
app over HTTP: it reads the capabilities, fetches maps in each CRS (their pixels checked
against the sample file with xarray), queries feature info and sees exception reports."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import xarray as xr
from owslib.util import ServiceException  # type: ignore[import-untyped]
from owslib.wms import WebMapService  # type: ignore[import-untyped]
from pyproj import Transformer

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from plotting import colormaps
from tests.api.test_wms import check_ersst_map, ersst_cells, pixel_lonlat
from tests.conftest import SAMPLES
from tests.e2e.live import serve

BOX = (-30.0, -20.0, 30.0, 20.0)
"""lon,lat: the tropical Atlantic with West Africa on its east side (OWSLib takes boxes in
x,y order and turns EPSG:4326's around itself for 1.3.0)."""
SIZE = (120, 80)
STYLE = {"colorscalerange": "0,30", "numcolorbands": "30"}


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with serve(create_app(Settings(catalog=DEFAULT_CATALOG))) as url:
        yield url


@pytest.fixture(scope="module")
def wms130(base: str) -> Any:
    return WebMapService(f"{base}/wms", version="1.3.0", timeout=60)


@pytest.fixture(scope="module")
def wms111(base: str) -> Any:
    return WebMapService(f"{base}/wms", version="1.1.1", timeout=60)


@pytest.fixture(scope="module")
def ersst() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        yield ds


def iso(instant: Any) -> str:
    return str(np.datetime_as_string(np.datetime64(instant, "s"))) + "Z"


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_owslib_reads_the_capabilities(
    version: str, wms130: Any, wms111: Any, ersst: xr.Dataset, base: str
) -> None:
    service = wms130 if version == "1.3.0" else wms111
    assert service.identification.version == version
    assert service.identification.title == "Ocean Data API"
    assert {"ersst-v5/sst", "glorys/thetao", "glorys/current", "giops/votemper"} <= set(
        service.contents
    )
    sst = service["ersst-v5/sst"]
    assert sst.timepositions == [iso(t) for t in ersst.time.values]
    assert set(sst.styles) == {f"raster/{name}" for name in colormaps.names()}
    assert sst.styles["raster/thermal"]["legend"].startswith(f"{base}/wms?")
    np.testing.assert_allclose(sst.boundingBoxWGS84, (-180, -88, 180, 88))
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as glorys:
        np.testing.assert_allclose(
            [float(d) for d in service["glorys/thetao"].elevations], glorys.depth, atol=1e-4
        )
    assert service.getOperationByName("GetMap").formatOptions == ["image/png"]


@pytest.mark.parametrize(
    ("version", "crs"),
    [("1.3.0", "CRS:84"), ("1.3.0", "EPSG:4326"), ("1.3.0", "EPSG:3857"), ("1.1.1", "EPSG:4326")],
)
def test_owslib_getmap_each_crs(
    version: str, crs: str, wms130: Any, wms111: Any, ersst: xr.Dataset
) -> None:
    service = wms130 if version == "1.3.0" else wms111
    box = BOX
    if crs == "EPSG:3857":
        to_3857 = Transformer.from_crs("OGC:CRS84", "EPSG:3857", always_xy=True)
        (minx, maxx), (miny, maxy) = to_3857.transform([BOX[0], BOX[2]], [BOX[1], BOX[3]])
        box = (float(minx), float(miny), float(maxx), float(maxy))
    image = service.getmap(
        layers=["ersst-v5/sst"],
        styles=["raster/thermal"],
        srs=crs,
        bbox=box,
        size=SIZE,
        format="image/png",
        transparent=True,
        time="2015-06-15T00:00:00Z",
        **STYLE,
    )
    assert image.info()["Content-Type"] == "image/png"
    check_ersst_map(image.read(), ersst, "EPSG:3857" if crs == "EPSG:3857" else "CRS:84", box, SIZE)


@pytest.mark.parametrize("version", ["1.3.0", "1.1.1"])
def test_owslib_feature_info(version: str, wms130: Any, wms111: Any, ersst: xr.Dataset) -> None:
    service = wms130 if version == "1.3.0" else wms111
    lon, lat = pixel_lonlat("CRS:84", BOX, *SIZE)
    rows, cols, _ = ersst_cells(ersst, lon, lat)
    i, j = 20, 30
    answer = service.getfeatureinfo(
        layers=["ersst-v5/sst"],
        srs="EPSG:4326",
        bbox=BOX,
        size=SIZE,
        format="image/png",
        query_layers=["ersst-v5/sst"],
        info_format="application/json",
        xy=(i, j),
        time="2015-06-15T00:00:00Z",
    )
    props = json.loads(answer.read())["features"][0]["properties"]
    expected = float(ersst.sst.sel(time="2015-06").values[0][rows[j], cols[i]])
    assert math.isfinite(expected)
    assert props["value"] == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"layers": ["ersst-v5/nope"]}, "LayerNotDefined"),
        ({"srs": "EPSG:27700"}, "InvalidCRS"),
        ({"styles": ["raster/nope"]}, "StyleNotDefined"),
        ({"format": "image/jpeg"}, "InvalidFormat"),
        ({"time": "1900-01-01"}, "InvalidDimensionValue"),
    ],
)
def test_owslib_sees_exception_codes(wms130: Any, kwargs: dict[str, Any], code: str) -> None:
    request = {
        "layers": ["ersst-v5/sst"],
        "srs": "CRS:84",
        "bbox": BOX,
        "size": SIZE,
        "format": "image/png",
    } | kwargs
    with pytest.raises(ServiceException) as raised:
        wms130.getmap(**request)
    assert f'code="{code}"' in str(raised.value)
