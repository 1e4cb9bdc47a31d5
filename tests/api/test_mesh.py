"""The UGRID mesh sample through every data query and EDR query: the values are the source
cells' (GLORYS at each node, ERSST at each face, as the file's provenance variables say).

``samples/glorys_mesh.nc`` holds GLORYS wet cells as the nodes of a triangular mesh (3-D
temperature, salinity and currents on the nodes) and ERSST monthly SST on its faces.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from catalog.geo import lonlat_to_xyz
from tests.conftest import SAMPLES

D = "/api/v1/datasets/glorys-mesh"
E = "/edr/collections/glorys-mesh"


@pytest.fixture(scope="module")
def mesh() -> xr.Dataset:
    return xr.open_dataset(SAMPLES / "glorys_mesh.nc")


@pytest.fixture(scope="module")
def glorys() -> xr.Dataset:
    return xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")


@pytest.fixture(scope="module")
def ersst() -> xr.Dataset:
    return xr.open_dataset(SAMPLES / "sst.mnmean.nc")


def get(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json() if "json" in response.headers["content-type"] else response


def nearest_node(mesh: xr.Dataset, lon: float, lat: float) -> int:
    xyz = lonlat_to_xyz(mesh.mesh_node_lon.values, mesh.mesh_node_lat.values)
    target = lonlat_to_xyz(np.array([lon]), np.array([lat]))[0]
    return int(np.argmin(np.linalg.norm(xyz - target, axis=-1)))


def glorys_at(glorys: xr.Dataset, mesh: xr.Dataset, name: str, node: int) -> xr.DataArray:
    """The GLORYS cell a node was made from."""
    j, i = int(mesh.node_source_j[node]), int(mesh.node_source_i[node])
    return glorys[name].isel(latitude=j, longitude=i)


def wet_node(mesh: xr.Dataset, k: int) -> tuple[int, float, float]:
    """The k-th node whose deepest level is wet, with its lon and lat."""
    wet = np.flatnonzero(np.isfinite(mesh.thetao.values[3]))
    node = int(wet[k % wet.size])
    return node, float(mesh.mesh_node_lon[node]), float(mesh.mesh_node_lat[node])


def test_listed_as_a_ugrid_dataset_with_its_variables(client: TestClient) -> None:
    body = get(client, D)
    assert body["grid_kind"] == "ugrid"
    names = {v["id"] for v in get(client, f"{D}/variables")["variables"]}
    assert {"thetao", "so", "uo", "vo", "zos", "sst"} <= names
    assert not any(n.startswith(("node_source", "face_source", "mesh")) for n in names)
    mesh = xr.open_dataset(SAMPLES / "glorys_mesh.nc")  # as the README says
    assert (mesh.sizes["node"], mesh.sizes["face"]) == (1270, 2340)
    west, south, east, north = body["bbox"]
    assert (west, south) == pytest.approx((-17.625, 46.375), abs=0.01)
    assert (east, north) == pytest.approx((7.708, 70.375), abs=0.01)


@pytest.mark.parametrize("k", [0, 137, 400])
def test_point_at_a_node_is_its_glorys_cell(
    client: TestClient, mesh: xr.Dataset, glorys: xr.Dataset, k: int
) -> None:
    node, lon, lat = wet_node(mesh, k)
    body = get(
        client, f"{D}/data/point", lon=lon + 0.01, lat=lat - 0.01, variables="thetao,so", depth=376
    )
    for name in ("thetao", "so"):
        used = body["selection"]["variables"][name]
        assert used["cells"][0]["index"] == {"node": node}
        assert used["depth"] == pytest.approx(float(glorys.depth[3]))
        expected = float(glorys_at(glorys, mesh, name, node).isel(depth=3))
        assert body["variables"][name]["values"] == expected


def test_linear_is_barycentric_in_the_holding_triangle(
    client: TestClient, mesh: xr.Dataset
) -> None:
    faces = mesh.mesh_face_nodes.values
    zos = mesh.zos.values
    checked = 0
    for face in range(0, faces.shape[0], 97):
        nodes = faces[face]
        if not np.all(np.isfinite(zos[nodes])):
            continue
        lon = float(mesh.mesh_node_lon.values[nodes].mean())
        lat = float(mesh.mesh_node_lat.values[nodes].mean())
        body = get(client, f"{D}/data/point", lon=lon, lat=lat, variables="zos", interp="linear")
        cells = body["selection"]["variables"]["zos"]["cells"]
        assert sorted(c["index"]["node"] for c in cells) == sorted(nodes.tolist())
        weights = np.array([c["weight"] for c in cells])
        assert weights.sum() == pytest.approx(1.0, abs=1e-5)
        assert np.all(weights > 0.30) and np.all(weights < 0.37)  # about a third each
        values = {c["index"]["node"]: zos[c["index"]["node"]] for c in cells}
        expected = sum(w * values[c["index"]["node"]] for w, c in zip(weights, cells, strict=True))
        assert body["variables"]["zos"]["values"] == pytest.approx(float(expected), abs=1e-6)
        checked += 1
    assert checked >= 10


def test_profile_is_the_glorys_column(
    client: TestClient, mesh: xr.Dataset, glorys: xr.Dataset
) -> None:
    node, lon, lat = wet_node(mesh, 55)
    body = get(client, f"{D}/data/profile", lon=lon, lat=lat, variables="thetao")
    expected = glorys_at(glorys, mesh, "thetao", node).values
    got = np.array(body["variables"]["thetao"]["values"], dtype=float)
    np.testing.assert_array_equal(got, expected.astype(float))
    assert body["coords"]["depth"]["values"] == pytest.approx(glorys.depth.values.tolist())


def test_time_series_on_faces_is_the_ersst_cell(
    client: TestClient, mesh: xr.Dataset, ersst: xr.Dataset
) -> None:
    sst = mesh.sst.values
    face = int(np.flatnonzero(np.isfinite(sst[0]))[40])
    lon, lat = float(mesh.mesh_face_lon[face]), float(mesh.mesh_face_lat[face])
    body = get(
        client,
        f"{D}/data/timeseries",
        lon=lon,
        lat=lat,
        variables="sst",
        start="2015-01-01",
        end="2015-12-31",
    )
    assert body["selection"]["variables"]["sst"]["cells"][0]["index"] == {"face": face}
    j, i = int(mesh.face_source_j[face]), int(mesh.face_source_i[face])
    expected = ersst.sst.sel(time=slice("2015-01-01", "2015-12-31")).isel(lat=j, lon=i)
    np.testing.assert_array_equal(
        np.array(body["variables"]["sst"]["values"], dtype=float), expected.values.astype(float)
    )
    assert [t[:7] for t in body["coords"]["time"]["values"]] == [
        pd.Timestamp(t).strftime("%Y-%m") for t in expected.time.values
    ]


def test_area_is_the_nodes_in_the_box_as_csv_and_json(
    client: TestClient, mesh: xr.Dataset, glorys: xr.Dataset
) -> None:
    bbox = (-10.0, 55.0, -2.0, 60.0)
    lon, lat = mesh.mesh_node_lon.values, mesh.mesh_node_lat.values
    inside = np.flatnonzero((lon >= -10) & (lon <= -2) & (lat >= 55) & (lat <= 60))
    body = get(client, f"{D}/data/area", bbox=",".join(map(str, bbox)), variables="thetao", depth=0)
    assert body["coords"]["node"]["values"] == inside.tolist()
    expected = [float(glorys_at(glorys, mesh, "thetao", int(n)).isel(depth=0)) for n in inside]
    assert body["variables"]["thetao"]["values"] == pytest.approx(expected, rel=0, abs=0)
    assert body["variables"]["thetao"]["dims"] == ["node"]
    csv = get(
        client,
        f"{D}/data/area",
        bbox=",".join(map(str, bbox)),
        variables="thetao",
        depth=0,
        f="csv",
    )
    table = pd.read_csv(io.StringIO(csv.text))
    assert table["node"].tolist() == inside.tolist()
    assert table["thetao [degC]"].tolist() == pytest.approx(expected)
    np.testing.assert_allclose(table["longitude [degrees_east]"], lon[inside])


def test_transect_samples_the_nearest_nodes(
    client: TestClient, mesh: xr.Dataset, glorys: xr.Dataset
) -> None:
    body = get(client, f"{D}/data/transect", path="-15,60;0,62", n=25, variables="thetao")
    lons = body["coords"]["longitude"]["values"]
    lats = body["coords"]["latitude"]["values"]
    values = np.array(body["variables"]["thetao"]["values"], dtype=float)  # depth x distance
    assert values.shape == (6, 25)
    for k in (0, 7, 12, 24):
        node = nearest_node(mesh, lons[k], lats[k])
        expected = glorys_at(glorys, mesh, "thetao", node).values.astype(float)
        np.testing.assert_array_equal(values[:, k], expected)


def test_a_transect_over_land_is_missing_there_not_refused(
    client: TestClient, mesh: xr.Dataset, glorys: xr.Dataset
) -> None:
    """Across England the mesh has no node within reach of some samples: those are missing
    values placed nowhere (as land is on a grid), the others are their nearest node's."""
    body = get(client, f"{D}/data/transect", path="-5,52.5;2,52.5", n=50, variables="thetao")
    coords = body["coords"]
    cell_lon = np.array(coords["cell_longitude"]["values"], dtype=float)
    values = np.array(body["variables"]["thetao"]["values"], dtype=float)
    outside = np.isnan(cell_lon)
    assert 0 < outside.sum() < 50
    assert np.isnan(values[:, outside]).all()
    for k in np.flatnonzero(~outside)[::7]:
        node = nearest_node(mesh, coords["longitude"]["values"][k], coords["latitude"]["values"][k])
        assert cell_lon[k] == pytest.approx(float(mesh.mesh_node_lon[node]))
        expected = glorys_at(glorys, mesh, "thetao", node).values.astype(float)
        np.testing.assert_array_equal(values[:, k], expected)
    wholly = client.get(f"{D}/data/transect", params={"path": "30,10;40,10"})
    assert wholly.status_code == 400 and "footprint" in wholly.text


def test_vector_pair_speed_and_units(
    client: TestClient, mesh: xr.Dataset, glorys: xr.Dataset
) -> None:
    node, lon, lat = wet_node(mesh, 300)
    body = get(client, f"{D}/data/point", lon=lon, lat=lat, variables="current", depth=0)
    u = float(glorys_at(glorys, mesh, "uo", node).isel(depth=0))
    v = float(glorys_at(glorys, mesh, "vo", node).isel(depth=0))
    assert body["variables"]["current_speed"]["values"] == pytest.approx(np.hypot(u, v))
    body = get(client, f"{D}/data/point", lon=lon, lat=lat, variables="thetao", depth=0, units="K")
    t = float(glorys_at(glorys, mesh, "thetao", node).isel(depth=0))
    assert body["variables"]["thetao"]["values"] == pytest.approx(t + 273.15, rel=1e-6)


def test_outside_the_mesh_is_a_400_naming_the_footprint(client: TestClient) -> None:
    response = client.get(f"{D}/data/point", params={"lon": -40, "lat": 10})
    assert response.status_code == 400
    problem = response.json()
    assert problem["invalid_params"][0]["name"] == "lon"
    assert "footprint" in problem["invalid_params"][0]["reason"]


# ----------------------------------------------------------------------------- EDR


def test_edr_position_and_cube(client: TestClient, mesh: xr.Dataset, glorys: xr.Dataset) -> None:
    node, lon, lat = wet_node(mesh, 20)
    cov = get(
        client,
        f"{E}/position",
        coords=f"POINT({lon} {lat})",
        **{"parameter-name": "so"},
        z="0/4000",
    )
    expected = glorys_at(glorys, mesh, "so", node).values.astype(float)
    got = np.array(cov["ranges"]["so"]["values"], dtype=float)
    np.testing.assert_array_equal(got, expected)
    assert cov["domain"]["domainType"] == "VerticalProfile"
    cube = get(client, f"{E}/cube", bbox="-5,60,0,63", z="6.05", **{"parameter-name": "thetao"})
    assert cube["domain"]["domainType"] == "MultiPoint"
    tuples = cube["domain"]["axes"]["composite"]["values"]
    values = cube["ranges"]["thetao"]["values"]
    assert len(tuples) == len(values) > 10
    for (x, y, _z), value in list(zip(tuples, values, strict=True))[::5]:
        node = nearest_node(mesh, x, y)
        assert (mesh.mesh_node_lon[node], mesh.mesh_node_lat[node]) == pytest.approx((x, y))
        expected_value = float(glorys_at(glorys, mesh, "thetao", node).isel(depth=0))
        assert value == (None if np.isnan(expected_value) else expected_value)


def test_edr_area_radius_and_trajectory(
    client: TestClient, mesh: xr.Dataset, glorys: xr.Dataset
) -> None:
    polygon = "POLYGON((-10 55, -2 55, -2 60, -10 55))"  # a triangle: half the box
    area = get(client, f"{E}/area", coords=polygon, **{"parameter-name": "zos"})
    xy = np.array(area["domain"]["axes"]["composite"]["values"], dtype=float)[:, :2]
    values = area["ranges"]["zos"]["values"]
    kept = [(x, y) for (x, y), v in zip(xy, values, strict=True) if v is not None]
    assert kept and all(y <= 55 + (x + 10) * 5 / 8 + 1e-9 for x, y in kept)
    radius = get(
        client,
        f"{E}/radius",
        coords="POINT(-5 60)",
        within=100,
        **{"within-units": "km", "parameter-name": "zos"},
    )
    xy = np.array(radius["domain"]["axes"]["composite"]["values"], dtype=float)[:, :2]
    held = [v for v in radius["ranges"]["zos"]["values"] if v is not None]
    assert 0 < len(held) <= len(xy)
    line = get(
        client, f"{E}/trajectory", coords="LINESTRING(-15 60, 0 62)", **{"parameter-name": "zos"}
    )
    assert line["domain"]["domainType"] == "Trajectory"
    composite = line["domain"]["axes"]["composite"]
    x_at, y_at = composite["coordinates"].index("x"), composite["coordinates"].index("y")
    for tuple_, value in list(
        zip(composite["values"], line["ranges"]["zos"]["values"], strict=True)
    )[::9]:
        node = nearest_node(mesh, float(tuple_[x_at]), float(tuple_[y_at]))
        assert value == float(glorys_at(glorys, mesh, "zos", node))
