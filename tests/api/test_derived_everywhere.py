"""The TEOS-10 derived variables wherever a variable goes: every data query in every format, the
EDR facade, tiles and WMS, every plot type. Each value is checked against gsw computed here,
independently, from the file's thetao (potential temperature) and so (practical salinity) at the
cell the answer reports: p = p_from_z(-depth, lat), SA = SA_from_SP(SP, p, lon, lat),
CT = CT_from_pt(SA, θ), then the function. The mesh sample's nodes are GLORYS cells, so one
field computed from the GLORYS file is the truth for both datasets."""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gsw
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import xarray as xr
from covjson_pydantic.coverage import Coverage
from fastapi.testclient import TestClient
from matplotlib.figure import Figure
from PIL import Image

from api.settings import DEFAULT_CATALOG
from catalog import query as query_engine
from catalog.query import sampling
from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.types import PLOT_TYPES
from plotting.webmap.targets import pixel_lonlat, tile_target
from tests.api.test_wms import band_colours, decoded_bands, expected_bands, rgba
from tests.api.test_wms import pixel_lonlat as wms_pixel_lonlat
from tests.api.test_zarr import CHUNK, chunks_read
from tests.audit import watching
from tests.conftest import SAMPLES, sample_entries, write_catalog, write_glorys_zarr
from tests.webmap.tiles_support import decode

D = "/api/v1/datasets"
DATASETS = ["glorys", "glorys-mesh"]
LEVELLED = [
    "absolute_salinity",
    "conservative_temperature",
    "density",
    "sigma0",
    "sound_speed",
    "buoyancy_frequency_squared",
]
DERIVED = [*LEVELLED, "mixed_layer_depth"]
UNITS = {
    "absolute_salinity": "g kg-1",
    "conservative_temperature": "degC",
    "density": "kg m-3",
    "sigma0": "kg m-3",
    "sound_speed": "m s-1",
    "buoyancy_frequency_squared": "s-2",
    "mixed_layer_depth": "m",
}
# Wet places: the Rockall Trough (deep), the Celtic shelf, the Norwegian Sea, the North Sea.
PLACES = [(-12.0, 56.0), (-10.0, 50.0), (0.0, 66.0), (3.0, 56.0)]
RTOL = 1e-9  # the same float32 inputs and the same gsw: equal but for the order of operations


# ----------------------------------------------------------------------------- the truth


def n2_column(sa: Any, ct: Any, p: Any, lat: float) -> npt.NDArray[np.float64]:
    """N² on the levels of one column: gsw's mid-point values over the wet levels, linear in
    pressure at the interior levels, the one neighbouring mid-point's at the ends."""
    out = np.full(sa.shape, np.nan)
    wet = np.flatnonzero(np.isfinite(sa) & np.isfinite(ct))
    if wet.size < 2:
        return out
    n2, p_mid = gsw.Nsquared(sa[wet], ct[wet], p[wet], lat)
    out[wet] = np.interp(p[wet], p_mid, n2)  # np.interp holds the end values beyond the ends
    return out


def mld_column(sig0: Any, depths: Any) -> float:
    """The depth where σ0 first exceeds σ0 at 10 m by 0.03 kg m⁻³ (linear between levels), the
    deepest wet level if it never does; NaN where the wet levels do not reach 10 m (σ0 there
    is not known: a column of one level)."""
    wet = np.isfinite(sig0)
    s, d = sig0[wet], depths[wet]
    if not wet.any() or d[-1] < 10.0:
        return math.nan
    ref = float(np.interp(10.0, d, s))
    target = ref + 0.03
    prev_d, prev_s = 10.0, ref
    for level, value in zip(d, s, strict=True):
        if level <= 10.0:
            continue
        if value > target:
            return float(prev_d + (level - prev_d) * (target - prev_s) / (value - prev_s))
        prev_d, prev_s = float(level), float(value)
    return float(d[-1])


def teos10(raw: xr.Dataset) -> xr.Dataset:
    """Every derived variable of the GLORYS file, computed with gsw here."""
    theta = raw.thetao.transpose("depth", "latitude", "longitude").values.astype(np.float64)
    sp = raw.so.transpose("depth", "latitude", "longitude").values.astype(np.float64)
    depth = raw.depth.values.astype(np.float64)[:, None, None]
    lat = raw.latitude.values.astype(np.float64)[None, :, None]
    lon = raw.longitude.values.astype(np.float64)[None, None, :]
    depth, lat, lon = np.broadcast_arrays(depth, lat, lon)
    p = gsw.p_from_z(-depth, lat)
    sa = gsw.SA_from_SP(sp, p, lon, lat)
    ct = gsw.CT_from_pt(sa, theta)
    sig0 = gsw.sigma0(sa, ct)
    n2 = np.full(sa.shape, np.nan)
    mld = np.full(sa.shape[1:], np.nan)
    for j in range(sa.shape[1]):
        for i in range(sa.shape[2]):
            n2[:, j, i] = n2_column(sa[:, j, i], ct[:, j, i], p[:, j, i], lat[0, j, i])
            mld[j, i] = mld_column(sig0[:, j, i], depth[:, j, i])
    dims = ("depth", "latitude", "longitude")
    fields = {
        "absolute_salinity": (dims, sa),
        "conservative_temperature": (dims, ct),
        "density": (dims, gsw.rho(sa, ct, p)),
        "sigma0": (dims, sig0),
        "sound_speed": (dims, gsw.sound_speed(sa, ct, p)),
        "buoyancy_frequency_squared": (dims, n2),
        "mixed_layer_depth": (dims[1:], mld),
    }
    return xr.Dataset(fields, coords={d: raw[d] for d in dims})


@pytest.fixture(scope="module")
def truth() -> Iterator[xr.Dataset]:
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as raw:
        yield teos10(raw.load())


def at(truth: xr.Dataset, name: str, lon: Any, lat: Any, depth: Any = None) -> Any:
    """The true value(s) at cell centres given exactly (as answers report them)."""
    lons = np.atleast_1d(np.asarray(lon, np.float64))
    lats = np.atleast_1d(np.asarray(lat, np.float64))
    i = np.abs(truth.longitude.values[None, :] - lons[:, None]).argmin(axis=1)
    j = np.abs(truth.latitude.values[None, :] - lats[:, None]).argmin(axis=1)
    assert np.allclose(truth.longitude.values[i], lons, atol=1e-4)  # a cell centre, exactly
    assert np.allclose(truth.latitude.values[j], lats, atol=1e-4)
    field = truth[name]
    if depth is None:
        return field.values[j, i]
    depths = np.atleast_1d(np.asarray(depth, np.float64))
    k = np.abs(truth.depth.values[None, :] - depths[:, None]).argmin(axis=1)
    assert np.allclose(truth.depth.values[k], depths, atol=1e-4)
    return field.values[k[:, None], j[None, :], i[None, :]]  # (levels, cells)


def floats(values: Any) -> npt.NDArray[np.float64]:
    """JSON numbers (nested lists, null) as a float array, null as NaN."""
    return np.array(values, dtype=np.float64)


def same(got: Any, expected: Any) -> None:
    np.testing.assert_allclose(floats(got), floats(expected), rtol=RTOL, atol=0, equal_nan=True)


def query(client: TestClient, dataset: str, kind: str, **params: Any) -> Any:
    response = client.get(f"{D}/{dataset}/data/{kind}", params=params)
    assert response.status_code == 200, response.text
    return response


# ----------------------------------------------------------------------------- data queries


def every_format(client: TestClient, dataset: str, kind: str, tmp_path: Path, **params: Any) -> Any:
    """The answer in JSON, and the CSV table, NetCDF dataset and CoverageJSON of the same query
    (each checked against the JSON: same variables, units, values)."""
    body = query(client, dataset, kind, **params).json()
    csv = pd.read_csv(io.StringIO(query(client, dataset, kind, f="csv", **params).text))
    nc_file = tmp_path / f"{dataset}-{kind}.nc"
    nc_file.write_bytes(query(client, dataset, kind, f="nc", **params).content)
    covjson = query(client, dataset, kind, f="covjson", **params)
    assert covjson.headers["content-type"] == "application/prs.coverage+json"
    coverage = covjson.json()
    Coverage.model_validate(coverage)
    with xr.open_dataset(nc_file) as nc:
        for name, variable in body["variables"].items():
            assert variable["units"] == UNITS[name]
            expected = floats(variable["values"])
            np.testing.assert_allclose(nc[name].values, expected, rtol=1e-12, equal_nan=True)
            assert nc[name].attrs["units"] == UNITS[name]
            column = csv[f"{name} [{UNITS[name]}]"].to_numpy(dtype=np.float64)
            assert np.sort(column) == pytest.approx(np.sort(expected.ravel()), nan_ok=True)
            assert coverage["parameters"][name]["unit"]["symbol"] == UNITS[name]
            ranged = floats(coverage["ranges"][name]["values"])
            np.testing.assert_allclose(ranged, expected.ravel(), rtol=1e-12, equal_nan=True)
    return body, csv


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("depth", ["surface", "100", "1000"])
@pytest.mark.parametrize("place", PLACES)
def test_point_is_gsw_at_the_cell_in_every_format(
    client: TestClient,
    truth: xr.Dataset,
    tmp_path: Path,
    dataset: str,
    depth: str,
    place: tuple[float, float],
) -> None:
    lon, lat = place
    params = {"lon": lon, "lat": lat, "depth": depth, "variables": ",".join(DERIVED)}
    body, csv = every_format(client, dataset, "point", tmp_path, **params)
    coords = body["coords"]
    cell = coords["cell_longitude"]["values"], coords["cell_latitude"]["values"]
    assert abs(cell[0] - lon) <= 1 / 3 and abs(cell[1] - lat) <= 1 / 3  # the nearest cell
    level = coords["depth"]["values"]
    for name in LEVELLED:
        value = body["variables"][name]["values"]
        (expected,) = at(truth, name, *cell, level)[:, 0]
        if math.isnan(expected):  # below the sea floor here
            assert value is None and depth == "1000"
        else:
            assert value == pytest.approx(expected, rel=RTOL, abs=0)
        assert csv[f"{name} [{UNITS[name]}]"].iloc[0] == pytest.approx(expected, nan_ok=True)
    (mld,) = at(truth, "mixed_layer_depth", *cell)
    assert 10 < mld < 200
    assert body["variables"]["mixed_layer_depth"]["values"] == pytest.approx(mld, rel=RTOL)
    assert csv["mixed_layer_depth [m]"].iloc[0] == pytest.approx(mld)
    assert "depth" not in body["selection"]["variables"]["mixed_layer_depth"]  # no levels


def test_point_values_are_not_the_naive_chain(client: TestClient) -> None:
    """σ0 from SA and CT differs from gsw.sigma0(SP, θ) (what passing the file's values straight
    in gives) by more than the rounding: the answer is the correct chain's."""
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as raw:
        cell = raw.isel(depth=0).sel(longitude=-12, latitude=56, method="nearest")
        naive = float(gsw.sigma0(float(cell.so), float(cell.thetao)))
    body = query(client, "glorys", "point", lon=-12, lat=56, variables="sigma0").json()
    assert abs(body["variables"]["sigma0"]["values"] - naive) > 0.01


@pytest.mark.parametrize("dataset", DATASETS)
def test_point_linear_is_the_weighted_mean_of_the_cells(
    client: TestClient, truth: xr.Dataset, dataset: str
) -> None:
    body = query(
        client, dataset, "point", lon=-11.8, lat=55.7, interp="linear", variables="sigma0"
    ).json()
    cells = body["selection"]["variables"]["sigma0"]["cells"]
    assert len(cells) >= 3
    lon = [c["lon"] for c in cells]
    lat = [c["lat"] for c in cells]
    weights = np.array([c["weight"] for c in cells])
    values = at(truth, "sigma0", lon, lat, 6.054116725921631)[0]
    expected = float((weights * values).sum() / weights.sum())
    assert body["variables"]["sigma0"]["values"] == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("dataset", DATASETS)
def test_profile_is_the_gsw_column(
    client: TestClient, truth: xr.Dataset, tmp_path: Path, dataset: str
) -> None:
    names = "sigma0,density,sound_speed,buoyancy_frequency_squared"
    params = {"lon": -12, "lat": 56, "variables": names}
    body, _ = every_format(client, dataset, "profile", tmp_path, **params)
    coords = body["coords"]
    cell = coords["cell_longitude"]["values"], coords["cell_latitude"]["values"]
    depths = coords["depth"]["values"]
    assert len(depths) == 6
    for name in names.split(","):
        expected = at(truth, name, *cell, depths)[:, 0]
        assert np.isfinite(expected).sum() >= 5  # the Rockall Trough: 5 wet levels
        same(body["variables"][name]["values"], expected)
    n2 = floats(body["variables"]["buoyancy_frequency_squared"]["values"])
    assert (n2[np.isfinite(n2)] > 0).all()  # a stable column


@pytest.mark.parametrize("dataset", DATASETS)
def test_profile_refuses_the_mixed_layer_depth(client: TestClient, dataset: str) -> None:
    response = client.get(
        f"{D}/{dataset}/data/profile",
        params={"lon": -12, "lat": 56, "variables": "mixed_layer_depth"},
    )
    assert response.status_code == 400
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["invalid_params"][0]["name"] == "variables"
    assert "mixed_layer_depth does not have depth levels" in problem["detail"]


@pytest.mark.parametrize("dataset", DATASETS)
def test_timeseries_of_a_single_time_is_refused(client: TestClient, dataset: str) -> None:
    """One day of GLORYS: no time axis to follow (the mesh's ERSST faces have one, not σ0)."""
    response = client.get(
        f"{D}/{dataset}/data/timeseries", params={"lon": -12, "lat": 56, "variables": "sigma0"}
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["invalid_params"][0]["name"] == "variables"
    assert "sigma0 does not have a time axis" in problem["detail"]


@pytest.mark.parametrize("depth", ["surface", "100"])
def test_area_regular_is_the_gsw_field(
    client: TestClient, truth: xr.Dataset, tmp_path: Path, depth: str
) -> None:
    params = {"bbox": "-14,50,0,62", "depth": depth, "variables": "sigma0,mixed_layer_depth"}
    body, csv = every_format(client, "glorys", "area", tmp_path, **params)
    coords = body["coords"]
    lon, lat = floats(coords["longitude"]["values"]), floats(coords["latitude"]["values"])
    level = coords["depth"]["values"]
    assert lon.size * lat.size > 300
    lons, lats = (g.ravel() for g in np.meshgrid(lon, lat))
    sig0 = at(truth, "sigma0", lons, lats, level)
    same(body["variables"]["sigma0"]["values"], sig0.reshape(lat.size, lon.size))
    mld = at(truth, "mixed_layer_depth", lons, lats)
    same(body["variables"]["mixed_layer_depth"]["values"], mld.reshape(lat.size, lon.size))
    assert np.isfinite(mld).sum() > 200
    rows = csv.dropna(subset=["sigma0 [kg m-3]"])
    expected = at(
        truth, "sigma0", rows["longitude [degrees_east]"], rows["latitude [degrees_north]"], level
    )
    np.testing.assert_allclose(rows["sigma0 [kg m-3]"], expected[0], rtol=1e-12)


def test_area_on_the_mesh_is_the_gsw_value_of_each_node(
    client: TestClient, truth: xr.Dataset, tmp_path: Path
) -> None:
    params = {"bbox": "-14,50,0,62", "variables": "sigma0,mixed_layer_depth"}
    body, _ = every_format(client, "glorys-mesh", "area", tmp_path, **params)
    with xr.open_dataset(SAMPLES / "glorys_mesh.nc") as mesh:
        nodes = np.asarray(body["coords"]["node"]["values"], dtype=np.intp)
        lon, lat = mesh.mesh_node_lon.values[nodes], mesh.mesh_node_lat.values[nodes]
    assert nodes.size > 200
    same(body["variables"]["sigma0"]["values"], at(truth, "sigma0", lon, lat, 6.054116725921631)[0])
    same(body["variables"]["mixed_layer_depth"]["values"], at(truth, "mixed_layer_depth", lon, lat))


@pytest.mark.parametrize("dataset", DATASETS)
def test_transect_section_is_the_gsw_field_along_the_path(
    client: TestClient, truth: xr.Dataset, tmp_path: Path, dataset: str
) -> None:
    names = "sigma0,buoyancy_frequency_squared,sound_speed"
    params = {"path": "-15,50;0,60", "n": 25, "variables": names}
    body, _ = every_format(client, dataset, "transect", tmp_path, **params)
    coords = body["coords"]
    lon = floats(coords["cell_longitude"]["values"])
    lat = floats(coords["cell_latitude"]["values"])
    depths = coords["depth"]["values"]
    wet = np.isfinite(lon)
    assert wet.sum() >= 20
    for name in names.split(","):
        values = floats(body["variables"][name]["values"])
        assert values.shape == (6, 25)  # (depth, distance)
        same(values[:, wet], at(truth, name, lon[wet], lat[wet], depths))


@pytest.mark.parametrize("dataset", DATASETS)
def test_transect_of_the_mixed_layer_depth_is_a_line(
    client: TestClient, truth: xr.Dataset, dataset: str
) -> None:
    params = {"path": "-15,50;0,60", "n": 25, "variables": "mixed_layer_depth"}
    body = query(client, dataset, "transect", **params).json()
    coords = body["coords"]
    lon = floats(coords["cell_longitude"]["values"])
    lat = floats(coords["cell_latitude"]["values"])
    wet = np.isfinite(lon)
    values = floats(body["variables"]["mixed_layer_depth"]["values"])
    assert body["variables"]["mixed_layer_depth"]["dims"] == ["distance"]
    same(values[wet], at(truth, "mixed_layer_depth", lon[wet], lat[wet]))


def test_units_convert_on_derived_variables(client: TestClient, truth: xr.Dataset) -> None:
    body = query(
        client, "glorys", "point", lon=-12, lat=56, variables="conservative_temperature", units="K"
    ).json()
    coords = body["coords"]
    cell = coords["cell_longitude"]["values"], coords["cell_latitude"]["values"]
    (expected,) = at(truth, "conservative_temperature", *cell, coords["depth"]["values"])[:, 0]
    assert body["variables"]["conservative_temperature"]["units"] == "K"
    assert body["variables"]["conservative_temperature"]["values"] == pytest.approx(
        expected + 273.15, rel=1e-12
    )


# ----------------------------------------------------------------------------- EDR


def edr(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(f"/edr{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("dataset", DATASETS)
def test_edr_collection_lists_sigma0_with_its_unit(client: TestClient, dataset: str) -> None:
    names = edr(client, f"/collections/{dataset}")["parameter_names"]
    assert set(DERIVED) <= set(names)
    sigma0 = names["sigma0"]
    assert sigma0["unit"]["symbol"] == "kg m-3"
    assert sigma0["observedProperty"]["label"] == "sea_water_sigma_theta"
    assert sigma0["observedProperty"]["id"].endswith("/standard_name/sea_water_sigma_theta/")
    assert names["mixed_layer_depth"]["unit"]["symbol"] == "m"


@pytest.mark.parametrize("dataset", DATASETS)
def test_edr_position_is_gsw(client: TestClient, truth: xr.Dataset, dataset: str) -> None:
    body = edr(
        client,
        f"/collections/{dataset}/position",
        coords="POINT(-12 56)",
        z="100",
        **{"parameter-name": "sigma0,mixed_layer_depth"},
    )
    Coverage.model_validate(body)
    axes = body["domain"]["axes"]
    cell = axes["x"]["values"][0], axes["y"]["values"][0]
    (z,) = axes["z"]["values"]
    assert z == pytest.approx(91.9214, abs=1e-3)
    assert body["parameters"]["sigma0"]["unit"]["symbol"] == "kg m-3"
    assert body["parameters"]["sigma0"]["observedProperty"]["id"].endswith("sea_water_sigma_theta/")
    same(body["ranges"]["sigma0"]["values"], at(truth, "sigma0", *cell, z)[:, 0])
    same(body["ranges"]["mixed_layer_depth"]["values"], at(truth, "mixed_layer_depth", *cell))


def test_edr_position_profile_and_cube_are_gsw(client: TestClient, truth: xr.Dataset) -> None:
    profile = edr(
        client,
        "/collections/glorys/position",
        coords="POINT(-12 56)",
        z="0/4000",
        **{"parameter-name": "sigma0"},
    )
    axes = profile["domain"]["axes"]
    assert profile["domain"]["domainType"] == "VerticalProfile"
    cell = axes["x"]["values"][0], axes["y"]["values"][0]
    same(
        profile["ranges"]["sigma0"]["values"], at(truth, "sigma0", *cell, axes["z"]["values"])[:, 0]
    )
    cube = edr(
        client,
        "/collections/glorys/cube",
        bbox="-12,48,-8,52",
        z="0/30",
        **{"parameter-name": "sigma0"},
    )
    axes = cube["domain"]["axes"]
    ranged = cube["ranges"]["sigma0"]
    assert ranged["axisNames"] == ["z", "y", "x"]
    lon, lat = np.meshgrid(axes["x"]["values"], axes["y"]["values"])
    expected = at(truth, "sigma0", lon.ravel(), lat.ravel(), axes["z"]["values"])
    assert expected.shape[0] == 2 and np.isfinite(expected).sum() > 20
    same(ranged["values"], expected.ravel())


def test_edr_area_is_gsw(client: TestClient, truth: xr.Dataset) -> None:
    body = edr(
        client,
        "/collections/glorys/area",
        coords="POLYGON((-12 48,-6 48,-12 54,-12 48))",
        **{"parameter-name": "sigma0"},
    )
    axes = body["domain"]["axes"]
    lon, lat = np.meshgrid(axes["x"]["values"], axes["y"]["values"])
    values = floats(body["ranges"]["sigma0"]["values"]).reshape(lon.shape)
    inside = (lon >= -12) & (lat >= 48) & (lon + 12 + lat - 48 <= 6)
    expected = at(truth, "sigma0", lon.ravel(), lat.ravel(), axes["z"]["values"][0])[0]
    expected = expected.reshape(lon.shape)
    same(values[inside], expected[inside])
    assert np.isnan(values[~inside]).all()
    assert np.isfinite(values[inside]).sum() > 10


def test_edr_radius_and_trajectory_are_gsw(client: TestClient, truth: xr.Dataset) -> None:
    radius = edr(
        client,
        "/collections/glorys/radius",
        coords="POINT(-12 56)",
        within="100",
        **{"within-units": "km", "parameter-name": "sigma0"},
    )
    axes = radius["domain"]["axes"]
    lon, lat = np.meshgrid(axes["x"]["values"], axes["y"]["values"])
    values = floats(radius["ranges"]["sigma0"]["values"])
    kept = np.isfinite(values)
    assert kept.sum() >= 4
    expected = at(truth, "sigma0", lon.ravel(), lat.ravel(), axes["z"]["values"][0])[0]
    same(values[kept], expected[kept])
    line = edr(
        client,
        "/collections/glorys/trajectory",
        coords="LINESTRING(-15 50,0 60)",
        **{"parameter-name": "sigma0"},
    )
    (level,) = line["domain"]["axes"]["z"]["values"]
    samples = line["domain"]["axes"]["composite"]["values"]
    lons = truth.longitude.values
    lats = truth.latitude.values
    x = [lons[np.abs(lons - sx).argmin()] for _, sx, _ in samples]
    y = [lats[np.abs(lats - sy).argmin()] for _, _, sy in samples]
    expected = at(truth, "sigma0", x, y, level)[0]
    same(line["ranges"]["sigma0"]["values"], expected)
    assert np.isfinite(expected).sum() > 50


def test_edr_area_on_the_mesh_is_gsw_at_each_node(client: TestClient, truth: xr.Dataset) -> None:
    body = edr(
        client,
        "/collections/glorys-mesh/area",
        coords="POLYGON((-12 48,-6 48,-12 54,-12 48))",
        **{"parameter-name": "sigma0,mixed_layer_depth"},
    )
    assert body["domain"]["domainType"] == "MultiPoint"
    x, y, z = (
        np.array(c) for c in zip(*body["domain"]["axes"]["composite"]["values"], strict=True)
    )
    inside = (x + 12 + y - 48) <= 6  # the nodes of the polygon's bounding box that it holds
    assert inside.sum() > 20
    for name, level in (("sigma0", z[0]), ("mixed_layer_depth", None)):
        values = floats(body["ranges"][name]["values"])
        same(values[inside], np.ravel(at(truth, name, x[inside], y[inside], level)))
        assert np.isnan(values[~inside]).all()


def test_edr_geojson_csv_and_netcdf_hold_the_gsw_values(
    client: TestClient, truth: xr.Dataset, tmp_path: Path
) -> None:
    params = {"bbox": "-12,48,-8,52", "parameter-name": "sigma0"}
    path = "/edr/collections/glorys/cube"
    geo = client.get(path, params={**params, "f": "GeoJSON"})
    assert geo.headers["content-type"] == "application/geo+json"
    features = geo.json()["features"]
    lon, lat = zip(*(f["geometry"]["coordinates"][:2] for f in features), strict=True)
    expected = at(truth, "sigma0", lon, lat, 6.054116725921631)[0]
    assert np.isfinite(expected).sum() > 20
    same([f["properties"]["sigma0"] for f in features], expected)
    table = pd.read_csv(io.StringIO(client.get(path, params={**params, "f": "CSV"}).text))
    rows = table.dropna(subset=["sigma0 [kg m-3]"])
    where = rows["longitude [degrees_east]"], rows["latitude [degrees_north]"]
    expected = at(truth, "sigma0", *where, 6.054116725921631)[0]
    np.testing.assert_allclose(rows["sigma0 [kg m-3]"], expected, rtol=1e-12)
    nc = client.get(path, params={**params, "f": "NetCDF"})
    assert nc.headers["content-type"] == "application/x-netcdf"
    (tmp_path / "cube.nc").write_bytes(nc.content)
    with xr.open_dataset(tmp_path / "cube.nc") as data:
        assert data.sigma0.attrs["units"] == "kg m-3"
        box = truth.sigma0.isel(depth=0).sel(longitude=data.longitude, latitude=data.latitude)
        same(data.sigma0.squeeze().transpose(*box.dims).values, box.values)


# ----------------------------------------------------------------------------- tiles and WMS


def test_sigma0_tile_shows_each_cells_gsw_value(client: TestClient, truth: xr.Dataset) -> None:
    """Each pixel of a GLORYS σ0 tile is in the band of the gsw value of the cell holding its
    centre (one band of slack), transparent exactly where that cell is land."""
    target = tile_target("WebMercatorQuad", 4, 7, 5)
    response = client.get(
        f"{D}/glorys/tiles/WebMercatorQuad/4/7/5.png",
        params={"variable": "sigma0", "scale": "25,28"},
    )
    assert response.status_code == 200, response.text
    indices, colours = decode(response.content)
    surface = truth["sigma0"].isel(depth=0)
    lat, lon = surface.latitude.values, surface.longitude.values
    px_lon, px_lat = pixel_lonlat(target)
    rows = np.abs(lat[None, :] - px_lat[:, None]).argmin(axis=1)
    cols = np.abs(lon[None, :] - px_lon[:, None]).argmin(axis=1)
    half = 0.5 * float(np.diff(lat).mean())
    inside = (np.abs(lat[rows] - px_lat) < half)[:, None] & (np.abs(lon[cols] - px_lon) < half)[
        None, :
    ]
    edge = (np.abs(np.abs(lat[rows] - px_lat) - half) < 0.02)[:, None] | (
        np.abs(np.abs(lon[cols] - px_lon) - half) < 0.02
    )[None, :]
    expected = np.where(inside, surface.values[np.ix_(rows, cols)], np.nan)
    sure = ~edge
    shown = colours[indices, 3] > 0
    np.testing.assert_array_equal(shown[sure], np.isfinite(expected)[sure])
    wet = sure & np.isfinite(expected) & (expected > 25) & (expected < 28)
    assert wet.sum() > 5000
    band = indices[wet].astype(np.float64)
    width = 3.0 / 250
    assert np.all(np.abs(25 + (band - 0.5) * width - expected[wet]) <= 1.5 * width)


WMS_MAP = {
    "SERVICE": "WMS",
    "VERSION": "1.3.0",
    "REQUEST": "GetMap",
    "STYLES": "raster/dense",
    "CRS": "CRS:84",
    "BBOX": "-15,50,5,66",
    "WIDTH": "100",
    "HEIGHT": "80",
    "FORMAT": "image/png",
    "TRANSPARENT": "TRUE",
    "COLORSCALERANGE": "25,28",
    "NUMCOLORBANDS": "20",
}


@pytest.mark.parametrize("dataset", DATASETS)
def test_wms_getmap_sigma0_is_gsw(client: TestClient, truth: xr.Dataset, dataset: str) -> None:
    response = client.get("/wms", params={**WMS_MAP, "LAYERS": f"{dataset}/sigma0"})
    assert response.status_code == 200, response.text
    pixels = rgba(response.content)
    lon, lat = wms_pixel_lonlat("CRS:84", (-15, 50, 5, 66), 100, 80)
    surface = truth["sigma0"].isel(depth=0)
    values = (
        surface.sel(
            longitude=xr.DataArray(lon, dims="x"),
            latitude=xr.DataArray(lat, dims="y"),
            method="nearest",
        )
        .transpose("y", "x")
        .values
    )
    step = float(np.diff(surface.longitude.values).mean())
    toss_x = np.abs(np.mod(lon - float(surface.longitude[0]) + step / 2, step)) < 0.01
    toss_y = np.abs(np.mod(lat - float(surface.latitude[0]) + step / 2, step)) < 0.01
    sure = ~(toss_y[:, None] | toss_x[None, :])
    if dataset == "glorys":  # the mesh is drawn on its triangles: no land mask to the pixel
        np.testing.assert_array_equal((pixels[..., 3] == 0)[sure], ~np.isfinite(values)[sure])
        sea = sure & np.isfinite(values)
        found = decoded_bands(pixels, band_colours("dense", 20))
        expected = expected_bands(values, 25, 28, 20)
        assert sea.sum() > 4000
        assert np.abs(found[sea] - expected[sea]).max() <= 1
    else:
        drawn = pixels[..., 3] > 0
        assert drawn.mean() > 0.5
        # away from the coast the mesh's linear field between nodes is within a band or two
        found = decoded_bands(pixels, band_colours("dense", 20))
        expected = expected_bands(values, 25, 28, 20)
        open_sea = sure & drawn & np.isfinite(values)
        assert np.median(np.abs(found[open_sea] - expected[open_sea])) <= 1


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", ["sigma0", "mixed_layer_depth"])
def test_wms_feature_info_is_gsw_and_the_point_query(
    client: TestClient, truth: xr.Dataset, dataset: str, name: str
) -> None:
    lon, lat = wms_pixel_lonlat("CRS:84", (-15, 50, 5, 66), 100, 80)
    layer = f"{dataset}/{name}"
    params = {**WMS_MAP, "LAYERS": layer, "QUERY_LAYERS": layer, "REQUEST": "GetFeatureInfo"}
    params |= {"I": "20", "J": "30", "INFO_FORMAT": "application/json"}
    response = client.get("/wms", params=params)
    assert response.status_code == 200, response.text
    props = response.json()["features"][0]["properties"]
    assert props["units"] == UNITS[name]
    cell = props["cell"]["longitude"], props["cell"]["latitude"]
    if name == "sigma0":
        assert props["depth"] == pytest.approx(6.0541, abs=1e-3)
        (expected,) = at(truth, name, *cell, props["depth"])[:, 0]
    else:
        assert props["depth"] is None
        (expected,) = at(truth, name, *cell)
    assert props["value"] == pytest.approx(expected, rel=RTOL)
    point = query(client, dataset, "point", lon=lon[20], lat=lat[30], variables=name).json()
    assert props["value"] == point["variables"][name]["values"]


def test_wms_capabilities_list_the_derived_layers(client: TestClient) -> None:
    response = client.get("/wms", params={"SERVICE": "WMS", "REQUEST": "GetCapabilities"})
    for dataset in DATASETS:
        for name in DERIVED:
            assert f"<Name>{dataset}/{name}</Name>" in response.text


# ----------------------------------------------------------------------------- plots


# The plot types that draw a variable the caller names (T-S, sound-speed and stick plots choose
# their own and are tested with their modules).
PLOT_PLACES: dict[str, dict[str, Any]] = {
    "map": {},
    "transect": {"path": "-15,50;0,60"},
    "profile": {"lon": -12, "lat": 56},
    "timeseries": {"lon": -12, "lat": 56},
    "hovmoller": {"path": "-15,50;0,60"},
    "colorbar": {},
}
APPLIES = {  # (plot type, variable): does it apply (one GLORYS day: no time axis)
    **{(p, "sigma0"): p in {"map", "transect", "profile", "colorbar"} for p in PLOT_PLACES},
    **{(p, "mixed_layer_depth"): p in {"map", "colorbar"} for p in PLOT_PLACES},
}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("name", ["sigma0", "mixed_layer_depth"])
@pytest.mark.parametrize("plot_type", [p for p in PLOT_TYPES if p in PLOT_PLACES])
def test_every_plot_type_draws_or_refuses_a_derived_variable(
    client: TestClient, plot_type: str, name: str, dataset: str
) -> None:
    params = {**PLOT_PLACES[plot_type], "variable": name, "width": 640, "height": 480}
    response = client.get(f"{D}/{dataset}/plots/{plot_type}", params=params)
    if not APPLIES[(plot_type, name)]:
        assert response.status_code == 400, response.text
        problem = response.json()
        assert problem["invalid_params"][0]["name"] == "variable"
        needs = "a time axis" if plot_type in {"timeseries", "hovmoller"} else "depth levels"
        assert f"'{name}' " in problem["detail"] and needs in problem["detail"]
        return
    assert response.status_code == 200, response.text
    pixels = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))
    assert pixels.shape == (480, 640, 3)
    assert pixels.std() > 20
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50


@pytest.fixture(scope="module")
def catalog() -> Iterator[Catalog]:
    opened = Catalog(SAMPLES / "catalog.yaml")
    yield opened
    opened.close()


def render(catalog: Catalog, dataset: str, plot_type: str, **params: Any) -> Figure:
    kind = PLOT_TYPES[plot_type]
    with catalog.reading(dataset) as opened:
        return kind.render(RenderContext(opened, 2_000_000), kind.params(**params))


def colour_field(fig: Figure) -> npt.NDArray[np.float64]:
    """The values of the main axes' colour field (NaN where masked)."""
    ax = fig.axes[0]
    arrays = [m.get_array() for m in [*ax.images, *ax.collections]]
    field = next(a for a in arrays if a is not None)
    return np.ma.filled(np.ma.masked_invalid(field).astype(np.float64), np.nan)


@pytest.mark.parametrize("name", ["sigma0", "mixed_layer_depth"])
def test_map_draws_the_gsw_field(catalog: Catalog, truth: xr.Dataset, name: str) -> None:
    fig = render(catalog, "glorys", "map", variable=name)
    drawn = colour_field(fig)
    expected = truth[name].isel(depth=0) if name == "sigma0" else truth[name]
    values = expected.values
    assert np.isfinite(drawn).sum() == np.isfinite(values).sum() > 800
    np.testing.assert_allclose(
        np.sort(drawn[np.isfinite(drawn)]), np.sort(values[np.isfinite(values)]), rtol=1e-12
    )


def test_profile_plot_draws_the_gsw_column(catalog: Catalog, truth: xr.Dataset) -> None:
    fig = render(catalog, "glorys", "profile", variable="sigma0", lon=[-12.0], lat=[56.0])
    (line,) = fig.axes[0].get_lines()
    column = truth["sigma0"].sel(longitude=-12, latitude=56, method="nearest").values
    wet = np.isfinite(column)
    np.testing.assert_allclose(
        np.asarray(line.get_xdata(), np.float64)[: wet.sum()], column[wet], rtol=1e-12
    )


def test_transect_plot_draws_the_gsw_section(catalog: Catalog, truth: xr.Dataset) -> None:
    fig = render(catalog, "glorys", "transect", variable="sigma0", path="-15,50;0,60", n=25)
    drawn = colour_field(fig)
    drawn = drawn[np.isfinite(drawn)]
    assert drawn.size > 60
    assert np.isin(np.round(drawn, 9), np.round(truth["sigma0"].values, 9)).all()


# ----------------------------------------------------------------------------- sources and pools


def test_zarr_point_reads_only_the_chunks_of_its_cell(
    tmp_path: Path, make_client: Callable[..., TestClient], truth: xr.Dataset
) -> None:
    """From a chunked Zarr store (dask), σ0 at a point reads thetao and so at that cell's chunk
    of its level only; the mixed layer depth reads that cell's chunk of every level."""
    write_glorys_zarr(tmp_path / "glorys.zarr", {"depth": 1, "latitude": CHUNK, "longitude": CHUNK})
    entry = sample_entries()[1]
    entry["source"] = {"zarr": "glorys.zarr"}
    client = make_client(write_catalog(tmp_path, [entry]))
    params = {"lon": -12, "lat": 56, "depth": 100}
    for name, levels in (("sigma0", [2]), ("mixed_layer_depth", range(6))):
        with watching() as opened:
            body = query(client, "glorys", "point", variables=name, **params).json()
        (cell,) = body["selection"]["variables"][name]["cells"]
        j, i = cell["index"]["latitude"], cell["index"]["longitude"]
        expected = {(k, j // CHUNK, i // CHUNK) for k in levels}
        assert chunks_read(opened, "thetao") == chunks_read(opened, "so") == expected
        assert not chunks_read(opened, "uo")
        level = body["coords"].get("depth", {}).get("values")  # none for the 2-D field
        (value,) = np.ravel(at(truth, name, cell["lon"], cell["lat"], level))
        assert body["variables"][name]["values"] == pytest.approx(value, rel=1e-9)


def test_a_query_in_a_data_worker_is_the_same(
    make_client: Callable[..., TestClient], truth: xr.Dataset, tmp_path: Path
) -> None:
    """Sent to a data worker (every query is, here), the derived variables are computed there
    from the worker's own opening and answer the same values."""
    client = make_client(DEFAULT_CATALOG, data={"inline_max_values": 0})
    response = query(
        client, "glorys", "area", bbox="-14,50,0,62", variables="sigma0,mixed_layer_depth"
    )
    assert 'source;desc="worker"' in response.headers["server-timing"]
    body = response.json()
    coords = body["coords"]
    lon, lat = floats(coords["longitude"]["values"]), floats(coords["latitude"]["values"])
    lons, lats = (g.ravel() for g in np.meshgrid(lon, lat))
    shape = (lat.size, lon.size)
    sig0 = at(truth, "sigma0", lons, lats, coords["depth"]["values"])[0]
    same(body["variables"]["sigma0"]["values"], sig0.reshape(shape))
    same(
        body["variables"]["mixed_layer_depth"]["values"],
        at(truth, "mixed_layer_depth", lons, lats).reshape(shape),
    )


@pytest.mark.parametrize("dataset", DATASETS)
def test_cells_picked_one_by_one_are_the_gsw_values(
    catalog: Catalog, truth: xr.Dataset, monkeypatch: pytest.MonkeyPatch, dataset: str
) -> None:
    """Past the hyperslab limit the engine picks cells with a vectorised index (xarray hands
    the derived array an outer index and picks the rest itself): the same values."""
    monkeypatch.setattr(sampling, "HYPERSLAB_MAX", 0)
    path = [(-15.0, 50.0), (0.0, 60.0)]
    opened = catalog.dataset(dataset)
    for names in (["sigma0", "buoyancy_frequency_squared"], ["mixed_layer_depth"]):
        data = query_engine.transect(opened, names, path, 300).data
        lon, lat = data["cell_longitude"].values, data["cell_latitude"].values
        wet = np.isfinite(lon)
        assert wet.sum() > 250
        for name in names:
            if name == "mixed_layer_depth":
                same(data[name].values[wet], at(truth, name, lon[wet], lat[wet]))
            else:
                expected = at(truth, name, lon[wet], lat[wet], data["depth"].values)
                same(data[name].values[:, wet], expected)
