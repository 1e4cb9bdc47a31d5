"""The /edr HTML pages' worked examples and maps: every example link on every collection page
answers data in the format it names, inside the collection's extent, with its real parameter,
time and depth; the map is a PNG with data pixels where xarray has data."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from PIL import Image

from api.edr.describe import QUERY_TYPES
from api.edr.queries import OUTPUT_FORMATS
from catalog.axes import horizontal_coordinates
from tests.conftest import SAMPLES, gridded_entries

COLLECTIONS = [entry["id"] for entry in gridded_entries()]
MEDIA_TYPES = {
    "CoverageJSON": "application/prs.coverage+json",
    "GeoJSON": "application/geo+json",
    "CSV": "text/csv",
    "NetCDF": "application/x-netcdf",
}
EXAMPLE = re.compile(r'<a href="([^"]+)" data-query="(\w+)" data-format="(\w+)"')
IMAGE = re.compile(r'<img src="([^"]+)"')


def example_links(page: str) -> dict[tuple[str, str], str]:
    """(query type, format) -> URL of each example link of a page."""
    return {(query, f): html.unescape(url) for url, query, f in EXAMPLE.findall(page)}


def params_of(url: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(url).query).items()}


def local(url: str) -> str:
    """An absolute link of this server as a path and query for the TestClient."""
    parts = urlsplit(url)
    assert parts.scheme == "http" and parts.netloc == "testserver", url
    return f"{parts.path}?{parts.query}"


def has_data(f: str, content: bytes, parameter: str, tmp_path: Path) -> bool:
    """Whether an answer in format ``f`` holds at least one number for ``parameter``."""
    if f == "CoverageJSON":
        import json

        document = json.loads(content)
        coverages = document.get("coverages", [document])
        values = [v for c in coverages for v in c["ranges"][parameter]["values"]]
        return any(v is not None for v in values)
    if f == "GeoJSON":
        import json

        features = json.loads(content)["features"]
        return any(feature["properties"].get(parameter) is not None for feature in features)
    if f == "CSV":
        table = pd.read_csv(io.BytesIO(content))
        columns = [c for c in table.columns if c == parameter or c.startswith(f"{parameter} [")]
        return len(columns) == 1 and bool(table[columns[0]].notna().any())
    path = tmp_path / "answer.nc"
    path.write_bytes(content)
    with xr.open_dataset(path) as data:
        return bool(np.isfinite(data[parameter].values).any())


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_every_example_link_answers_data(
    client: TestClient, collection: str, tmp_path: Path
) -> None:
    meta = client.get(f"/edr/collections/{collection}").json()
    page = client.get(f"/edr/collections/{collection}?f=html")
    assert page.status_code == 200
    links = example_links(page.text)
    assert set(links) == {(q, f) for q in QUERY_TYPES for f in OUTPUT_FORMATS}
    west, south, east, north = meta["extent"]["spatial"]["bbox"][0]
    for (query, f), url in links.items():
        params = params_of(url)
        parameter = params["parameter-name"]
        assert parameter in meta["parameter_names"], url
        assert params["f"] == f
        # The time and level, where the parameter has them, are the collection's own.
        if "datetime" in params:
            assert params["datetime"] in meta["extent"]["temporal"]["values"], url
        if "z" in params:
            assert f"{float(params['z']):g}" in meta["extent"]["vertical"]["values"], url
        if query in {"position", "radius"}:
            x, y = map(float, re.findall(r"-?[0-9.]+", params["coords"]))
            assert west <= x <= east and south <= y <= north, url
        answer = client.get(local(url))
        assert answer.status_code == 200, f"{url}: {answer.text[:300]}"
        assert answer.headers["content-type"].split(";")[0] == MEDIA_TYPES[f], url
        assert has_data(f, answer.content, parameter, tmp_path), url


def test_the_position_example_is_the_value_xarray_gives(client: TestClient) -> None:
    page = client.get("/edr/collections/ersst-v5?f=html").text
    url = example_links(page)[("position", "CoverageJSON")]
    params = params_of(url)
    x, y = map(float, re.findall(r"-?[0-9.]+", params["coords"]))
    coverage = client.get(local(url)).json()
    got = coverage["ranges"]["sst"]["values"]
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ersst:
        expected = ersst.sst.sel(
            time=np.datetime64(params["datetime"].rstrip("Z")), lat=y, lon=x % 360, method="nearest"
        )
        assert float(ersst.time[-1]) == float(expected.time)  # the latest month
        assert got == [pytest.approx(float(expected), rel=1e-6)]
    assert coverage["domain"]["axes"]["x"]["values"] == [pytest.approx(x)]


def opaque(png: bytes) -> np.ndarray:
    """Which pixels of a PNG show something (alpha > 0)."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    return np.asarray(image)[:, :, 3] > 0


def field_of(client: TestClient, collection: str, params: dict[str, str]) -> xr.DataArray:
    """The field the map draws, selected by xarray from the collection's dataset."""
    opened = client.app.state.catalog.dataset(collection)  # type: ignore[attr-defined]
    variable = params["LAYERS"].split("/", 1)[1]
    da = opened.ds[variable]
    time = da.cf.coordinates.get("time", [])
    if "TIME" in params and time and da[time[0]].ndim == 1 and da[time[0]].dims[0] in da.dims:
        da = da.sel({da[time[0]].dims[0]: np.datetime64(params["TIME"].rstrip("Z"))})
    info = opened.variables[variable]
    if "ELEVATION" in params and info.vertical is not None:
        level = int(np.argmin(np.abs(info.vertical.depths - float(params["ELEVATION"]))))
        da = da.isel({info.vertical.dim: level})
    return da.load()


@pytest.mark.parametrize("collection", COLLECTIONS)
def test_the_map_has_data_pixels_where_xarray_has_data(client: TestClient, collection: str) -> None:
    page = client.get(f"/edr/collections/{collection}?f=html").text
    found = IMAGE.search(page)
    assert found, "no map on the page"
    url = html.unescape(found.group(1))
    params = params_of(url)
    assert params["REQUEST"] == "GetMap" and params["CRS"] == "CRS:84"
    answer = client.get(local(url))
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    shown = opaque(answer.content)
    height, width = shown.shape
    assert (width, height) == (int(params["WIDTH"]), int(params["HEIGHT"]))
    assert 240 <= max(width, height) <= 320

    field = field_of(client, collection, params)
    coords = horizontal_coordinates(field)
    assert coords is not None
    lat, lon = (c.broadcast_like(field).transpose(*field.dims) for c in coords)
    values = np.asarray(field.values, dtype=np.float64).ravel()
    lats = np.asarray(lat.values, dtype=np.float64).ravel()
    lons = (np.asarray(lon.values, dtype=np.float64).ravel() + 180.0) % 360.0 - 180.0
    west, south, east, north = map(float, params["BBOX"].split(","))
    column = np.floor((lons - west) / (east - west) * width).astype(int)
    row = np.floor((north - lats) / (north - south) * height).astype(int)
    inside = (column >= 1) & (column < width - 1) & (row >= 1) & (row < height - 1)
    wet = np.isfinite(values)
    rng = np.random.default_rng(20)
    checked = 0
    for cells in (np.flatnonzero(inside & wet), np.flatnonzero(inside & ~wet)):
        for cell in rng.choice(cells, size=min(25, cells.size), replace=False):
            assert shown[row[cell], column[cell]] == wet[cell], (
                f"pixel ({column[cell]}, {row[cell]}) at {lons[cell]:.3f}, {lats[cell]:.3f}: "
                f"xarray has {values[cell]}"
            )
            checked += 1
    assert np.flatnonzero(inside & wet).size >= 25 and checked >= 25
    assert shown.mean() > 0.2  # a picture of data, not a blank


def test_the_landing_page_shows_each_collection_with_its_map_and_examples(
    client: TestClient,
) -> None:
    page = client.get("/edr/?f=html").text
    images = [html.unescape(url) for url in IMAGE.findall(page)]
    assert sorted(params_of(url)["LAYERS"].split("/")[0] for url in images) == sorted(COLLECTIONS)
    links = EXAMPLE.findall(page)
    assert len(links) == len(COLLECTIONS) * len(OUTPUT_FORMATS)
    for url, _, f in links:
        answer = client.get(local(html.unescape(url)))
        assert answer.status_code == 200
        assert answer.headers["content-type"].split(";")[0] == MEDIA_TYPES[f]
    for collection in COLLECTIONS:
        assert f'href="http://testserver/?dataset={collection}"' in page
        assert f'href="http://testserver/edr/collections/{collection}?f=html"' in page


def test_the_collection_page_links_the_explorer(client: TestClient) -> None:
    page = client.get("/edr/collections/glorys?f=html").text
    assert 'href="http://testserver/?dataset=glorys"' in page


def test_examples_stay_out_of_the_json_documents(client: TestClient) -> None:
    """The examples are for readers of the HTML: the EDR JSON documents are unchanged."""
    document: dict[str, Any] = client.get("/edr/collections/glorys").json()
    assert "/wms?" not in str(document) and "?dataset=" not in str(document)
