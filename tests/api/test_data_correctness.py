"""The numbers the data API returns are the numbers xarray, scipy and numpy give."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from covjson_pydantic.coverage import Coverage
from fastapi.testclient import TestClient
from pyproj import Geod
from scipy.interpolate import RegularGridInterpolator

from tests.conftest import SAMPLES

D = "/api/v1/datasets"
RNG = np.random.default_rng(20261120)


def query(client: TestClient, dataset: str, kind: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{D}/{dataset}/data/{kind}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def great_circle(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Haversine angle between points (radians)."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * np.arcsin(np.sqrt(a))


# ------------------------------------------------------------------ regular grids


@pytest.mark.parametrize("trial", range(12))
def test_ersst_nearest_equals_xarray_at_reported_cell(client: TestClient, trial: int) -> None:
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    lon = float(RNG.uniform(-180, 180))
    lat = float(RNG.uniform(-88, 88))
    step = int(RNG.integers(0, 128))
    time = pd.Timestamp(raw.time.values[step]).isoformat()
    body = query(client, "ersst-v5", "point", lon=lon, lat=lat, time=time)
    used = body["selection"]["variables"]["sst"]
    (cell,) = used["cells"]
    j, i = cell["index"]["lat"], cell["index"]["lon"]
    # The reported cell is the nearest in latitude and (circular) longitude.
    assert j == int(np.argmin(np.abs(raw.lat.values - lat)))
    assert i == int(np.argmin(np.abs((raw.lon.values - lon + 180) % 360 - 180)))
    expected = raw.sst.isel(time=step, lat=j, lon=i).values
    value = body["variables"]["sst"]["values"]
    if np.isnan(expected):
        assert value is None and used["on_land"] is True
    else:
        assert value == pytest.approx(float(expected), rel=0, abs=0)
    assert used["time"] == pd.Timestamp(raw.time.values[step]).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("trial", range(12))
def test_ersst_linear_equals_scipy(client: TestClient, trial: int) -> None:
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    field = raw.sst.isel(time=71).values[::-1]  # ascending latitude for scipy
    interpolator = RegularGridInterpolator((raw.lat.values[::-1], raw.lon.values), field)
    while True:
        lon = float(RNG.uniform(0, 358))
        lat = float(RNG.uniform(-60, 60))
        expected = float(interpolator([lat, lon])[0])
        if np.isfinite(expected):
            break
    asked_lon = lon - 360 if lon > 180 else lon  # ask in the other convention half the time
    body = query(
        client, "ersst-v5", "point", lon=asked_lon, lat=lat, time="2015-12-01", interp="linear"
    )
    assert body["variables"]["sst"]["values"] == pytest.approx(expected, rel=1e-6)
    weights = [c["weight"] for c in body["selection"]["variables"]["sst"]["cells"]]
    assert sum(weights) == pytest.approx(1.0, abs=1e-5)  # weights are reported to 1e-6


@pytest.mark.parametrize("trial", range(8))
def test_glorys_3d_nearest_and_linear(client: TestClient, trial: int) -> None:
    raw = xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")
    level = int(RNG.integers(0, 6))
    depth = float(raw.depth.values[level]) + float(RNG.uniform(-1, 1))
    field = raw.thetao.isel(depth=level).values
    interpolator = RegularGridInterpolator((raw.latitude.values, raw.longitude.values), field)
    while True:
        lon = float(RNG.uniform(-17.6, 7.7))
        lat = float(RNG.uniform(46.4, 70.3))
        expected = float(interpolator([lat, lon])[0])
        if np.isfinite(expected):
            break
    body = query(
        client,
        "glorys",
        "point",
        lon=lon,
        lat=lat,
        depth=depth,
        variables="thetao",
        interp="linear",
    )
    assert body["variables"]["thetao"]["values"] == pytest.approx(expected, rel=1e-6)
    assert body["selection"]["variables"]["thetao"]["depth"] == pytest.approx(
        float(raw.depth.values[level])
    )
    body = query(client, "glorys", "point", lon=lon, lat=lat, depth=depth, variables="thetao")
    (cell,) = body["selection"]["variables"]["thetao"]["cells"]
    index = cell["index"]
    expected = raw.thetao.isel(
        depth=level, latitude=index["latitude"], longitude=index["longitude"]
    ).values
    assert body["variables"]["thetao"]["values"] == float(expected)


# ------------------------------------------------------------------ curvilinear grids


@pytest.mark.parametrize("trial", range(10))
def test_nemo_nearest_equals_brute_force_great_circle(client: TestClient, trial: int) -> None:
    raw = xr.open_dataset(SAMPLES / "nemo_test.nc")
    lat2d, lon2d = raw.nav_lat.values, raw.nav_lon.values
    j0, i0 = int(RNG.integers(1, 75)), int(RNG.integers(1, 100))
    lon = float(lon2d[j0, i0] + RNG.uniform(-0.2, 0.2))
    lat = float(lat2d[j0, i0] + RNG.uniform(-0.2, 0.2))
    body = query(client, "giops", "point", lon=lon, lat=lat, depth=100, time="2014-05-17")
    (cell,) = body["selection"]["variables"]["votemper"]["cells"]
    distances = great_circle(lon, lat, lon2d, lat2d)
    j, i = np.unravel_index(np.argmin(distances), distances.shape)
    assert (cell["index"]["y"], cell["index"]["x"]) == (int(j), int(i))
    level = int(np.argmin(np.abs(raw.deptht.values - 100)))
    expected = raw.votemper.isel(time_counter=0, deptht=level, y=j, x=i).values
    value = body["variables"]["votemper"]["values"]
    assert (value is None) if np.isnan(expected) else value == float(expected)


@pytest.mark.parametrize("trial", range(10))
def test_wcofs_nearest_equals_brute_force_and_linear_is_a_convex_mix(
    client: TestClient, trial: int
) -> None:
    raw = xr.open_dataset(SAMPLES / "WCOFS_subset.nc")
    lat2d, lon2d = raw.lat_u.values, raw.lon_u.values
    j0, i0 = int(RNG.integers(2, 66)), int(RNG.integers(2, 34))
    lon = float(lon2d[j0, i0] + RNG.uniform(-0.03, 0.03))
    lat = float(lat2d[j0, i0] + RNG.uniform(-0.03, 0.03))
    body = query(client, "wcofs", "point", lon=lon, lat=lat, variables="u_sur")
    (cell,) = body["selection"]["variables"]["u_sur"]["cells"]
    distances = great_circle(lon, lat, lon2d, lat2d)
    j, i = np.unravel_index(np.argmin(distances), distances.shape)
    assert (cell["index"]["eta_u"], cell["index"]["xi_u"]) == (int(j), int(i))
    linear = query(client, "wcofs", "point", lon=lon, lat=lat, variables="u_sur", interp="linear")
    cells = linear["selection"]["variables"]["u_sur"]["cells"]
    values = [
        float(raw.u_sur.isel(ocean_time=3, eta_u=c["index"]["eta_u"], xi_u=c["index"]["xi_u"]))
        for c in cells
    ]
    weights = np.array([c["weight"] for c in cells])
    assert weights.sum() == pytest.approx(1.0, abs=1e-5) and (weights >= 0).all()
    finite = [v for v in values if np.isfinite(v)]
    result = linear["variables"]["u_sur"]["values"]
    if finite:
        assert min(finite) - 1e-9 <= result <= max(finite) + 1e-9


def test_curvilinear_linear_is_exact_at_a_cell_centre(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "nemo_test.nc")
    lon, lat = float(raw.nav_lon[40, 50]), float(raw.nav_lat[40, 50])
    body = query(
        client, "giops", "point", lon=lon, lat=lat, interp="linear", depth=0, time="2014-05-17"
    )
    expected = float(raw.votemper.isel(time_counter=0, deptht=0, y=40, x=50))
    assert body["variables"]["votemper"]["values"] == pytest.approx(expected, rel=1e-6)


def test_outside_curvilinear_footprint_names_the_bbox(client: TestClient) -> None:
    response = client.get(f"{D}/wcofs/data/point", params={"lon": -130, "lat": 44})
    assert response.status_code == 400
    (param,) = response.json()["invalid_params"]
    assert param["name"] == "lon" and "footprint [-125.7" in param["reason"]


# ------------------------------------------------------------------ land


def test_land_is_null_with_a_flag_and_linear_ignores_land(client: TestClient) -> None:
    body = query(client, "ersst-v5", "point", lon=10, lat=48, time="2015-12-01")  # Alps
    assert body["variables"]["sst"]["values"] is None
    assert body["selection"]["variables"]["sst"]["on_land"] is True
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc").sst.sel(time="2015-12-01")
    sea = np.isfinite(raw.values)
    # Centres of 2x2 blocks mixing sea and land: linear must use only the sea cells.
    blocks = sea[:-1, :-1].astype(int) + sea[1:, :-1] + sea[:-1, 1:] + sea[1:, 1:]
    coastal = np.argwhere((blocks > 0) & (blocks < 4))
    for j, i in coastal[RNG.choice(len(coastal), size=5, replace=False)]:
        lat = float(raw.lat[j] + raw.lat[j + 1]) / 2 + 0.3
        lon = float(raw.lon[i] + raw.lon[i + 1]) / 2 - 0.4
        body = query(
            client, "ersst-v5", "point", lon=lon, lat=lat, time="2015-12-01", interp="linear"
        )
        cells = body["selection"]["variables"]["sst"]["cells"]
        values = np.array(
            [float(raw.isel(lat=c["index"]["lat"], lon=c["index"]["lon"])) for c in cells]
        )
        weights = np.array([c["weight"] for c in cells])
        wet = np.isfinite(values)
        assert wet.any() and (~wet).any()
        expected = np.sum(values[wet] * weights[wet]) / weights[wet].sum()
        assert body["variables"]["sst"]["values"] == pytest.approx(expected, rel=1e-5)


# ------------------------------------------------------------------ series, profiles, areas


def test_timeseries_equals_xarray(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    body = query(
        client, "ersst-v5", "timeseries", lon=-140, lat=0, start="2010-01-01", end="2019-12-31"
    )
    expected = raw.sst.sel(time=slice("2010-01-01", "2019-12-31")).sel(lat=0, lon=220)
    np.testing.assert_array_equal(body["variables"]["sst"]["values"], expected.values)
    assert len(body["coords"]["time"]["values"]) == 120


def test_profile_equals_xarray(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "nemo_test.nc")
    body = query(
        client,
        "giops",
        "profile",
        lon=float(raw.nav_lon[30, 60]),
        lat=float(raw.nav_lat[30, 60]),
        time="2014-06-16T12:00:00Z",
        depth_max=500,
    )
    expected = raw.votemper.isel(time_counter=1, y=30, x=60).where(raw.deptht <= 500, drop=True)
    np.testing.assert_allclose(body["variables"]["votemper"]["values"], expected.values)
    np.testing.assert_allclose(body["coords"]["depth"]["values"], expected.deptht.values)


def test_bottom_is_the_deepest_valid_level(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")
    body = query(client, "glorys", "point", lon=-10, lat=55, depth="bottom", variables="thetao")
    column = raw.thetao.sel(longitude=-10, latitude=55, method="nearest")
    deepest = column.dropna("depth").isel(depth=-1)
    assert body["variables"]["thetao"]["values"] == float(deepest)
    assert body["selection"]["variables"]["thetao"]["depth"] == pytest.approx(float(deepest.depth))


def test_area_across_the_antimeridian(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc").sst.sel(time="2015-12-01")
    body = query(client, "ersst-v5", "area", bbox="170,-4,-170,4", time="2015-12-01")
    lons = body["coords"]["longitude"]["values"]
    assert lons == [170, 172, 174, 176, 178, -180, -178, -176, -174, -172, -170]
    expected = raw.sel(lat=slice(4, -4)).sel(lon=[v % 360 for v in lons])
    np.testing.assert_array_equal(body["variables"]["sst"]["values"], expected.values)


def test_nino34_december_2015_was_warmer_than_2010(client: TestClient) -> None:
    def box_mean(time: str) -> float:
        body = query(client, "ersst-v5", "area", bbox="-170,-5,-120,5", time=time)
        values = np.array(body["variables"]["sst"]["values"], dtype=float)
        return float(np.nanmean(values))

    assert box_mean("2015-12-01") - box_mean("2010-12-01") > 2.0


def test_stride_and_max_cells_thin_the_box(client: TestClient) -> None:
    full = query(client, "ersst-v5", "area", bbox="-180,-88,180,88", time="2015-12-01")
    assert np.array(full["variables"]["sst"]["values"], dtype=float).shape == (89, 180)
    thinned = query(client, "ersst-v5", "area", bbox="-180,-88,180,88", max_cells=1000)
    shape = np.array(thinned["variables"]["sst"]["values"], dtype=float).shape
    assert shape[0] * shape[1] <= 1000 and thinned["selection"]["stride"] == 5


def test_curvilinear_area_masks_cells_outside_the_box(client: TestClient) -> None:
    body = query(client, "giops", "area", bbox="-155,5,-145,12", depth=0, time="2014-05-17")
    lat = np.array(body["coords"]["latitude"]["values"])
    lon = np.array(body["coords"]["longitude"]["values"])
    values = np.array(body["variables"]["votemper"]["values"], dtype=float)
    inside = (lat >= 5) & (lat <= 12) & (lon >= -155) & (lon <= -145)
    assert np.isnan(values[~inside]).all() and np.isfinite(values[inside]).all()


# ------------------------------------------------------------------ vectors


def test_earth_vector_pair_gives_speed_and_direction(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")
    body = query(client, "glorys", "point", lon=-20 + 10, lat=60, variables="current", depth=0)
    cell = raw.isel(depth=0).sel(longitude=-10, latitude=60, method="nearest")
    east, north = float(cell.uo), float(cell.vo)
    values = {k: v["values"] for k, v in body["variables"].items()}
    assert values["current_east"] == east and values["current_north"] == north
    assert values["current_speed"] == pytest.approx(np.hypot(east, north))
    assert values["current_direction"] == pytest.approx(np.degrees(np.arctan2(east, north)) % 360)


def test_wcofs_vectors_are_moved_to_rho_points_and_rotated(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "WCOFS_subset.nc")
    j, i = 30, 20
    lon, lat = float(raw.lon_rho[j, i]), float(raw.lat_rho[j, i])
    body = query(
        client,
        "wcofs",
        "point",
        lon=lon,
        lat=lat,
        variables="surface-current",
        time="2024-10-17T02:00:00Z",
    )
    u = 0.5 * (raw.u_sur[1, j, i - 1] + raw.u_sur[1, j, i])
    v = 0.5 * (raw.v_sur[1, j - 1, i] + raw.v_sur[1, j, i])
    a = raw.angle[j, i]
    east = float(u * np.cos(a) - v * np.sin(a))
    north = float(u * np.sin(a) + v * np.cos(a))
    values = {k: v["values"] for k, v in body["variables"].items()}
    assert values["surface-current_east"] == pytest.approx(east, rel=1e-9)
    assert values["surface-current_north"] == pytest.approx(north, rel=1e-9)
    (cell,) = body["selection"]["variables"]["surface-current_east"]["cells"]
    assert cell["index"] == {"eta_rho": j, "xi_rho": i}


# ------------------------------------------------------------------ formats and units


@pytest.mark.parametrize(
    ("dataset", "kind", "params"),
    [
        ("ersst-v5", "point", {"lon": -140, "lat": 0, "time": "2015-12-01"}),
        ("ersst-v5", "timeseries", {"lon": -140, "lat": 0, "start": "2015-01-01"}),
        ("glorys", "profile", {"lon": -10, "lat": 55, "variables": "thetao,so"}),
        ("ersst-v5", "area", {"bbox": "170,-4,-170,4", "time": "2015-12-01"}),
        ("giops", "area", {"bbox": "-155,5,-150,8", "time": "2014-05-17", "depth": 0}),
        ("glorys", "transect", {"path": "-15,50;0,60", "n": 7, "variables": "thetao"}),
        ("glorys", "transect", {"path": "-15,50;0,60", "n": 7, "variables": "thetao", "depth": 5}),
    ],
)
def test_csv_netcdf_covjson_agree_with_json(
    client: TestClient, dataset: str, kind: str, params: dict[str, Any], tmp_path: Path
) -> None:
    body = query(client, dataset, kind, **params)
    url = f"{D}/{dataset}/data/{kind}"
    for name, variable in body["variables"].items():
        expected = np.array(variable["values"], dtype=float).ravel()
        nc = client.get(url, params={**params, "f": "nc"})
        assert nc.headers["content-type"] == "application/x-netcdf"
        downloaded = tmp_path / f"{name}.nc"
        downloaded.write_bytes(nc.content)
        opened = xr.open_dataset(downloaded)
        assert opened.attrs["Conventions"] == "CF-1.8"
        np.testing.assert_allclose(opened[name].values.ravel(), expected, equal_nan=True, rtol=1e-6)
        csv = pd.read_csv(io.StringIO(client.get(url, params={**params, "f": "csv"}).text))
        column = next(c for c in csv.columns if c.split(" [")[0] == name)
        assert np.sort(csv[column].to_numpy(dtype=float)) == pytest.approx(
            np.sort(expected), nan_ok=True, rel=1e-6
        )
    covjson = client.get(url, params={**params, "f": "covjson"})
    assert covjson.headers["content-type"] == "application/prs.coverage+json"
    coverage = Coverage.model_validate_json(covjson.content)
    for name, variable in body["variables"].items():
        values = np.array(coverage.ranges[name].values, dtype=float)  # type: ignore[union-attr]
        np.testing.assert_allclose(
            np.sort(values),
            np.sort(np.array(variable["values"], dtype=float).ravel()),
            equal_nan=True,
            rtol=1e-6,
        )
    if "time" in body["coords"]:
        assert coverage.domain.axes.t is None or coverage.domain.axes.t.values


def test_units_conversion(client: TestClient) -> None:
    params = {"lon": -150, "lat": 10, "time": "2014-05-17", "depth": 0}
    kelvin = query(client, "giops", "point", **params)["variables"]["votemper"]
    celsius = query(client, "giops", "point", units="degC", **params)["variables"]["votemper"]
    assert celsius["units"] == "degC"
    assert celsius["values"] == pytest.approx(kelvin["values"] - 273.15)
    knots = query(client, "glorys", "point", lon=-10, lat=60, variables="uo", units="knot")
    ms = query(client, "glorys", "point", lon=-10, lat=60, variables="uo")
    assert knots["variables"]["uo"]["values"] == pytest.approx(
        ms["variables"]["uo"]["values"] * 3600 / 1852
    )


def test_curvilinear_section_values_are_the_nearest_cells(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "nemo_test.nc")
    body = query(
        client,
        "giops",
        "transect",
        path="-160,2;-140,17",
        n=9,
        time="2014-05-17",
        path_type="geodesic",  # its length is pyproj's geodesic
    )
    values = np.array(body["variables"]["votemper"]["values"], dtype=float)
    assert values.shape == (50, 9)
    _, _, metres = Geod(ellps="WGS84").inv(-160, 2, -140, 17)
    assert body["selection"]["length_km"] == pytest.approx(metres / 1000)
    assert body["coords"]["distance"]["values"][-1] == pytest.approx(metres / 1000)
    lons = body["coords"]["longitude"]["values"]
    lats = body["coords"]["latitude"]["values"]
    for k in (0, 4, 8):
        distances = great_circle(lons[k], lats[k], raw.nav_lon.values, raw.nav_lat.values)
        j, i = np.unravel_index(np.argmin(distances), distances.shape)
        expected = raw.votemper.isel(time_counter=0, y=j, x=i).values
        np.testing.assert_array_equal(values[:, k], expected)
