"""Tiles of the real samples through the real app and plot pool: each pixel's colour decodes
(through the PNG's palette) to within one band of the value xarray reads for the cell holding
the pixel's centre; transparent exactly where xarray has no value or no cell; no seam at a tile
edge or at ±180°; curvilinear grids lose no wet cell; bad tile requests are clear 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from plotting.webmap.targets import pixel_lonlat, tile_matrix_set, tile_target
from tests.conftest import SAMPLES
from tests.webmap.tiles_support import band_bounds, decode, ersst_cells, opaque

ERSST = "/api/v1/datasets/ersst-v5/tiles"
ERSST_SCALE = (-2.0, 32.0)  # the catalog's scale for sst


@pytest.fixture(scope="module")
def ersst() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        yield ds.load()


def tile(client: TestClient, path: str, **params: Any) -> bytes:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    return response.content


@pytest.mark.parametrize(
    ("tms", "z", "x", "y"),
    [
        ("WebMercatorQuad", 0, 0, 0),
        ("WebMercatorQuad", 1, 0, 0),
        ("WebMercatorQuad", 1, 1, 1),
        ("WebMercatorQuad", 3, 7, 2),
        ("WorldCRS84Quad", 0, 0, 0),
        ("WorldCRS84Quad", 1, 3, 0),
        ("WorldCRS84Quad", 1, 0, 1),
    ],
)
def test_every_pixel_is_its_cells_value(
    client: TestClient, ersst: xr.Dataset, tms: str, z: int, x: int, y: int
) -> None:
    """Whole tiles, polar ones included: transparent exactly where the pixel is off the grid or
    its cell is land (NaN); elsewhere the band holds xarray's value (one band of slack)."""
    png = tile(client, f"{ERSST}/{tms}/{z}/{x}/{y}.png", time="2015-12-01")
    indices, _ = decode(png)
    sst = ersst["sst"].sel(time="2015-12-01").values
    rows, cols, on = ersst_cells(
        tile_target(tms, z, x, y), ersst["lat"].values, ersst["lon"].values
    )
    expected = np.where(on, sst[rows, cols], np.nan)
    np.testing.assert_array_equal(opaque(png), np.isfinite(expected))
    lower, upper = band_bounds(indices, *ERSST_SCALE, 250)
    wet = np.isfinite(expected)
    assert wet.sum() > 1000
    assert np.all((expected[wet] >= lower[wet]) & (expected[wet] <= upper[wet]))


def test_no_seam_at_the_antimeridian_or_a_tile_edge(client: TestClient, ersst: xr.Dataset) -> None:
    """The last column of tile 1/1/0 (just west of 180°) and the first of 1/0/0 (just east of
    -180°) fall in the same cells and show the same colours; so do the columns either side of
    the edge at 0°; every row whose cell has a value shows it."""
    west_of_180 = decode(tile(client, f"{ERSST}/WebMercatorQuad/1/1/0.png"))[0][:, -1]
    east_of_180 = decode(tile(client, f"{ERSST}/WebMercatorQuad/1/0/0.png"))[0][:, 0]
    np.testing.assert_array_equal(west_of_180, east_of_180)
    sst = ersst["sst"].isel(time=-1).values
    rows, cols, on = ersst_cells(
        tile_target("WebMercatorQuad", 1, 1, 0), ersst["lat"].values, ersst["lon"].values
    )
    wet = on[:, -1] & np.isfinite(sst[rows[:, -1], cols[:, -1]])
    assert wet.sum() > 100
    assert np.all(west_of_180[wet] > 0)
    west_of_0 = decode(tile(client, f"{ERSST}/WebMercatorQuad/2/1/2.png"))[0][:, -1]
    east_of_0 = decode(tile(client, f"{ERSST}/WebMercatorQuad/2/2/2.png"))[0][:, 0]
    both = (west_of_0 > 0) & (east_of_0 > 0)
    assert both.sum() > 200  # the Gulf of Guinea and the South Atlantic at 0°
    assert np.abs(west_of_0[both].astype(int) - east_of_0[both].astype(int)).max() <= 25


def test_auto_is_fitted_to_the_whole_field(client: TestClient, ersst: xr.Dataset) -> None:
    """scale=auto on a tile equals the explicit 2nd-98th percentile of the whole field (not of
    the tile), so two tiles' palettes agree."""
    values = ersst["sst"].sel(time="2015-12-01").values
    low, high = (float(v) for v in np.percentile(values[np.isfinite(values)], [2, 98]))
    for x, y in [(0, 0), (1, 1)]:
        path = f"{ERSST}/WebMercatorQuad/1/{x}/{y}.png"
        auto = tile(client, path, time="2015-12-01", scale="auto")
        explicit = tile(client, path, time="2015-12-01", scale=f"{low!r},{high!r}")
        assert auto == explicit


def test_bands_and_what_lies_beyond_the_range(client: TestClient, ersst: xr.Dataset) -> None:
    """numcolorbands=5 gives five colours; below_min=transparent hides the cold water,
    above_max=#ff0000 paints the warm water red, exactly where xarray says."""
    png = tile(
        client,
        f"{ERSST}/WorldCRS84Quad/0/1/0.png",
        time="2015-12-01",
        scale="10,20",
        numcolorbands=5,
        below_min="transparent",
        above_max="#ff0000",
    )
    indices, colours = decode(png)
    sst = ersst["sst"].sel(time="2015-12-01").values
    rows, cols, on = ersst_cells(
        tile_target("WorldCRS84Quad", 0, 1, 0), ersst["lat"].values, ersst["lon"].values
    )
    expected = np.where(on, sst[rows, cols], np.nan)
    shown = colours[indices]
    red = (shown == [255, 0, 0, 255]).all(axis=-1)
    np.testing.assert_array_equal(red, expected > 20)
    np.testing.assert_array_equal(shown[..., 3] > 0, expected >= 10)
    middle = (expected >= 10) & (expected <= 20)
    assert len({tuple(c) for c in shown[middle]}) == 5


def test_opacity_logscale_and_the_speed_of_a_vector_pair(client: TestClient) -> None:
    """GLORYS surface current: the tile shows the speed hypot(uo, vo) of the nearest cell;
    opacity=0.5 halves every colour's alpha; logscale cuts bands evenly in log10."""
    target = tile_target("WebMercatorQuad", 4, 7, 5)
    path = "/api/v1/datasets/glorys/tiles/WebMercatorQuad/4/7/5.png"
    png = tile(client, path, variable="current", scale="0.01,1", logscale="true", opacity=0.5)
    indices, colours = decode(png)
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        surface = ds.isel(depth=0)
        speed = np.hypot(surface["uo"], surface["vo"])
        px_lon, px_lat = pixel_lonlat(target)
        lat = surface["latitude"].values
        lon = surface["longitude"].values
        rows = np.abs(lat[None, :] - px_lat[:, None]).argmin(axis=1)
        cols = np.abs(lon[None, :] - px_lon[:, None]).argmin(axis=1)
        inside = (np.abs(lat[rows] - px_lat) <= 0.5 * np.diff(lat).mean())[:, None] & (
            np.abs(lon[cols] - px_lon) <= 0.5 * np.diff(lon).mean()
        )[None, :]
        expected = np.where(inside, speed.values[np.ix_(rows, cols)], np.nan)
    wet = np.isfinite(expected) & (expected > 0.01) & (expected < 1)
    assert wet.sum() > 1000
    alpha = colours[indices, 3]
    assert set(np.unique(alpha[wet])) == {128}
    band = indices[wet].astype(float)
    log_low, log_high = np.log10(0.01), np.log10(1.0)
    width = (log_high - log_low) / 250
    value = np.log10(expected[wet])
    assert np.all(np.abs(log_low + (band - 0.5) * width - value) <= 1.5 * width)


def lit_cells(
    client: TestClient,
    dataset: str,
    variable: str,
    values: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    zoom: int,
) -> int:
    """Every cell with a value (centres ``lon``, ``lat``) lights, in each WebMercatorQuad tile
    at ``zoom`` that holds its centre, the pixel holding its centre, in its own band (one band
    of slack; the range: the values' 5th to 95th percentile). The number of cells checked,
    which must be every cell with a value."""
    wet = np.isfinite(values)
    low, high = (float(v) for v in np.nanpercentile(values, [5, 95]))
    tms = tile_matrix_set("WebMercatorQuad")
    west, south, east, north = np.nanmin(lon), np.nanmin(lat), np.nanmax(lon), np.nanmax(lat)
    checked = 0
    for t in tms.tiles(west, south, east, north, [zoom]):
        bounds = tms.bounds(t)
        png = tile(
            client,
            f"/api/v1/datasets/{dataset}/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}.png",
            variable=variable,
            scale=f"{low!r},{high!r}",
        )
        indices, colours = decode(png)
        px_lon, px_lat = pixel_lonlat(tile_target("WebMercatorQuad", t.z, t.x, t.y))
        inside = (
            wet
            & (lon >= bounds.left)
            & (lon < bounds.right)
            & (lat >= bounds.bottom)
            & (lat < bounds.top)
        )
        for value, x0, y0 in zip(values[inside], lon[inside], lat[inside], strict=True):
            band = int(indices[np.abs(px_lat - y0).argmin(), np.abs(px_lon - x0).argmin()])
            assert colours[band, 3] > 0, (x0, y0, value)
            if low <= value <= high:
                expected = min(int((value - low) / (high - low) * 250), 249) + 1
                assert abs(band - expected) <= 1, (x0, y0, value, band, expected)
            checked += 1
    assert checked == int(wet.sum())
    return checked


CURVILINEAR = {
    # dataset: (file, variable, its longitude, latitude, offset to the tile's units, zoom)
    "giops": ("nemo_test.nc", "votemper", "nav_lon", "nav_lat", -273.15, 6),
    "wcofs": ("WCOFS_subset.nc", "u_sur", "lon_u", "lat_u", 0.0, 9),
}


@pytest.mark.parametrize("dataset", sorted(CURVILINEAR))
def test_curvilinear_grids_lose_no_wet_cell(client: TestClient, dataset: str) -> None:
    """At a zoom where the cells are larger than pixels, every wet cell whose centre lies in a
    tile lights the pixel holding its centre, in its own band (xarray's value, surface, last
    time)."""
    name, variable, lon_name, lat_name, offset, zoom = CURVILINEAR[dataset]
    with xr.open_dataset(SAMPLES / name) as ds:
        da = ds[variable].isel({ds[variable].dims[0]: -1})
        if da.ndim == 3:
            da = da.isel({da.dims[0]: 0})
        values = da.values.astype(float) + offset
        lon, lat = ds[lon_name].values, ds[lat_name].values
    assert lit_cells(client, dataset, variable, values, lon, lat, zoom) > 100


def test_bad_tile_requests(client: TestClient) -> None:
    """Out-of-range tiles and tile matrix sets are 404, bad styles 400: problem+json naming
    the parameter and what is valid."""
    for path, status, words in [
        (f"{ERSST}/WebMercatorQuad/1/2/0.png", 404, "columns 0 to 1"),
        (f"{ERSST}/WebMercatorQuad/31/0/0.png", 400, "z"),
        (f"{ERSST}/WorldCRS84Quad/0/2/0.png", 404, "columns 0 to 1 and rows 0 to 0"),
        (f"{ERSST}/GoogleMapsCompatible/0/0/0.png", 400, "WorldCRS84Quad"),
        (f"{ERSST}/WebMercatorQuad/0/0/0.png?numcolorbands=300", 400, "numcolorbands"),
        (f"{ERSST}/WebMercatorQuad/0/0/0.png?above_max=blue", 400, "above_max"),
        (f"{ERSST}/WebMercatorQuad/0/0/0.png?opacity=2", 400, "opacity"),
        (f"{ERSST}/WebMercatorQuad/0/0/0.png?logscale=true&scale=-2,30", 400, "scale"),
        (f"{ERSST}/WebMercatorQuad/0/0/0.png?variable=temp", 404, "sst"),
        (f"{ERSST}/WebMercatorQuad/0/0/0.png?colormap=rainbowz", 400, "colormap"),
        (f"{ERSST}/WebMercatorQuad/0/0/0.png?time=1900-01-01", 400, "time"),
    ]:
        response = client.get(path)
        assert response.status_code == status, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json", path
        assert words in response.text, (path, response.text)


def test_etag_and_a_tile_off_the_data(client: TestClient) -> None:
    """A tile answers its ETag with 304; a tile wholly off the footprint is transparent."""
    path = "/api/v1/datasets/giops/tiles/WebMercatorQuad/3/0/3.png"
    first = client.get(path)
    assert first.status_code == 200
    again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    off = tile(client, "/api/v1/datasets/giops/tiles/WebMercatorQuad/3/6/2.png")
    assert not opaque(off).any()
    assert opaque(first.content).any()


def test_tilejson(client: TestClient) -> None:
    """TileJSON 3.0.0: its template, filled in, gives the same tile as asked directly; bounds
    are the dataset's footprint; the parameters are carried."""
    response = client.get(f"{ERSST}/WebMercatorQuad/tilejson.json", params={"scale": "auto"})
    assert response.status_code == 200
    doc = response.json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["bounds"] == client.get("/api/v1/datasets/ersst-v5").json()["bbox"]
    assert doc["attribution"].startswith("NOAA/NESDIS/NCEI ERSST v5")
    assert 0 == doc["minzoom"] < doc["maxzoom"] <= 24
    template = doc["tiles"][0]
    assert template.endswith("/tiles/WebMercatorQuad/{z}/{x}/{y}.png?scale=auto")
    url = template.replace("{z}/{x}/{y}", "1/0/1").removeprefix("http://testserver")
    assert client.get(url).content == tile(
        client, f"{ERSST}/WebMercatorQuad/1/0/1.png", scale="auto"
    )


@pytest.mark.parametrize(("variable", "on"), [("sst", "face"), ("thetao", "node")])
def test_a_mesh_loses_no_wet_cell(client: TestClient, variable: str, on: str) -> None:
    """On the UGRID mesh at zoom 6 (faces and node spacings tens of pixels across): every face
    with a value lights the pixel holding its centroid, every node with a value the pixel holding
    it, each in its own band (xarray's value, last time, surface)."""
    with xr.open_dataset(SAMPLES / "glorys_mesh.nc") as ds:
        da = ds[variable]
        da = da.isel(time=-1) if "time" in da.dims else da.isel(depth=0)  # latest; surface
        values = da.values.astype(float)
        if on == "face":
            corners = ds["mesh_face_nodes"].values
            lon = ds["mesh_node_lon"].values[corners].mean(axis=1)
            lat = ds["mesh_node_lat"].values[corners].mean(axis=1)
        else:
            lon, lat = ds["mesh_node_lon"].values, ds["mesh_node_lat"].values
    assert lit_cells(client, "glorys-mesh", variable, values, lon, lat, 6) > 500
