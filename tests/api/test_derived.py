"""TEOS-10 derived variables through the API: listed with their inputs, and equal to gsw
computed independently from the file's thetao and so."""

from __future__ import annotations

from typing import Any

import gsw
import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from catalog.derived import DERIVED
from tests.conftest import SAMPLES

D = "/api/v1/datasets"
GLORYS = SAMPLES / "GLORYS_coarse_test_data.nc"


@pytest.fixture(scope="module")
def glorys() -> xr.Dataset:
    with xr.open_dataset(GLORYS) as ds:
        return ds.load()


def independent(ds: xr.Dataset, k: int, j: int, i: int) -> dict[str, float]:
    """Every level-wise derived value at one cell, by the TEOS-10 chain written out here."""
    lat, lon = float(ds.latitude[j]), float(ds.longitude[i])
    z = float(ds.depth[k])
    p = gsw.p_from_z(-z, lat)
    sa = gsw.SA_from_SP(float(ds.so[k, j, i]), p, lon, lat)
    ct = gsw.CT_from_pt(sa, float(ds.thetao[k, j, i]))
    return {
        "absolute_salinity": sa,
        "conservative_temperature": ct,
        "density": gsw.rho(sa, ct, p),
        "sigma0": gsw.sigma0(sa, ct),
        "sound_speed": gsw.sound_speed(sa, ct, p),
    }


def column(ds: xr.Dataset, j: int, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(SA, CT, p) of a whole column."""
    lat, lon = float(ds.latitude[j]), float(ds.longitude[i])
    p = gsw.p_from_z(-ds.depth.values.astype(float), lat)
    sa = gsw.SA_from_SP(ds.so[:, j, i].values.astype(float), p, lon, lat)
    ct = gsw.CT_from_pt(sa, ds.thetao[:, j, i].values.astype(float))
    return sa, ct, p


def point(client: TestClient, dataset: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"{D}/{dataset}/data/point", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("dataset", ["glorys", "glorys-mesh"])
def test_derived_variables_are_listed_with_inputs_units_and_reference(
    client: TestClient, dataset: str
) -> None:
    listed = {v["id"]: v for v in client.get(f"{D}/{dataset}/variables").json()["variables"]}
    for name, row in DERIVED.items():
        v = listed[name]
        assert v["derived"]["inputs"] == ["thetao", "so"]
        assert v["units"] == row.units
        assert v["standard_name"] == row.standard_name
        assert "TEOS-10" in v["derived"]["reference"]
        assert "gsw" in v["derived"]["method"]
        assert v["has_depth"] is (name != "mixed_layer_depth")
    assert listed["thetao"]["derived"] is None
    detail = client.get(f"{D}/{dataset}/variables/sigma0")
    assert detail.status_code == 200
    assert detail.json()["derived"]["inputs"] == ["thetao", "so"]


@pytest.mark.parametrize("dataset", ["ersst-v5", "wcofs", "giops"])
def test_no_derived_variables_without_temperature_and_salinity(
    client: TestClient, dataset: str
) -> None:
    listed = client.get(f"{D}/{dataset}/variables").json()["variables"]
    assert not any(v["derived"] for v in listed)
    response = client.get(f"{D}/{dataset}/variables/sigma0")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("level", [0, 1, 3, 4])
def test_point_values_equal_gsw_from_the_file(
    client: TestClient, glorys: xr.Dataset, level: int
) -> None:
    j, i = 20, 15
    lon, lat = float(glorys.longitude[i]), float(glorys.latitude[j])
    depth = float(glorys.depth[level])
    names = [*independent(glorys, level, j, i), "buoyancy_frequency_squared"]
    body = point(client, "glorys", lon=lon, lat=lat, depth=depth, variables=",".join(names))
    expected = independent(glorys, level, j, i)
    for name, value in expected.items():
        assert body["variables"][name]["values"] == pytest.approx(value, rel=1e-12), name
    sa, ct, p = column(glorys, j, i)
    n2, p_mid = gsw.Nsquared(sa, ct, p, float(glorys.latitude[j]))
    got = body["variables"]["buoyancy_frequency_squared"]["values"]
    if level == 0:
        assert got == pytest.approx(n2[0], rel=1e-12)
    elif np.isnan(n2[level]):  # the deepest wet level: its one neighbouring mid-point
        assert got == pytest.approx(n2[level - 1], rel=1e-12)
    else:
        w = (p[level] - p_mid[level - 1]) / (p_mid[level] - p_mid[level - 1])
        assert got == pytest.approx(n2[level - 1] + (n2[level] - n2[level - 1]) * w, rel=1e-9)


def test_profile_of_column_and_level_variables_equals_gsw(
    client: TestClient, glorys: xr.Dataset
) -> None:
    """A profile reads every level at once (array indexers on all dimensions): N² (computed
    over the column) and σ0 (level by level) come back in depth order."""
    j, i = 2, 3  # a column wet at all 6 levels, to 3,840 m
    lon, lat = float(glorys.longitude[i]), float(glorys.latitude[j])
    response = client.get(
        f"{D}/glorys/data/profile",
        params={"lon": lon, "lat": lat, "variables": "buoyancy_frequency_squared,sigma0"},
    )
    assert response.status_code == 200, response.text
    got = response.json()["variables"]
    sa, ct, p = column(glorys, j, i)
    np.testing.assert_allclose(got["sigma0"]["values"], gsw.sigma0(sa, ct), rtol=1e-12)
    n2, p_mid = gsw.Nsquared(sa, ct, p, lat)
    assert np.isfinite(n2).all()
    expected = np.interp(p, p_mid, n2)  # inside: linear in p; outside: the end mid-points
    np.testing.assert_allclose(got["buoyancy_frequency_squared"]["values"], expected, rtol=1e-9)


def test_mixed_layer_depth_is_where_sigma0_passes_its_10_m_value(
    client: TestClient, glorys: xr.Dataset
) -> None:
    """At a GLORYS column: σ0 (gsw, from the file) at the answered depth equals σ0 at 10 m
    plus 0.03 kg m⁻³, each interpolated linearly between the file's levels."""
    j, i = 20, 15
    lon, lat = float(glorys.longitude[i]), float(glorys.latitude[j])
    body = point(client, "glorys", lon=lon, lat=lat, variables="mixed_layer_depth")
    mld = body["variables"]["mixed_layer_depth"]["values"]
    sa, ct, _ = column(glorys, j, i)
    sigma = gsw.sigma0(sa, ct)
    depths = glorys.depth.values.astype(float)
    at = np.interp([10.0, mld], depths, sigma)
    assert at[1] - at[0] == pytest.approx(0.03, abs=1e-9)
    assert 10.0 < mld < depths[-1]


def test_plain_queries_do_not_compute_derived_variables(client: TestClient) -> None:
    """Without `variables`, a query answers the stored variables, as before."""
    body = point(client, "glorys", lon=-10, lat=50)
    assert set(body["variables"]) == {"thetao", "so", "uo", "vo", "zos"}


def test_derived_on_the_mesh_equal_the_grid_cell_it_was_made_from(
    client: TestClient, glorys: xr.Dataset
) -> None:
    """The mesh's nodes are GLORYS wet cells (node_source_j/i): the same inputs give the same
    derived values."""
    with xr.open_dataset(SAMPLES / "glorys_mesh.nc") as mesh:
        node = 400
        j, i = int(mesh.node_source_j[node]), int(mesh.node_source_i[node])
        lon, lat = float(mesh.mesh_node_lon[node]), float(mesh.mesh_node_lat[node])
    body = point(
        client,
        "glorys-mesh",
        lon=lon,
        lat=lat,
        depth=float(glorys.depth[2]),
        variables="sigma0,sound_speed",
    )
    expected = independent(glorys, 2, j, i)
    for name in ("sigma0", "sound_speed"):
        assert body["variables"][name]["values"] == pytest.approx(expected[name], rel=1e-6)


def test_the_readme_example_is_what_the_service_answers(client: TestClient) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("### Derived variables (TEOS-10)", 1)[1].split("\n### ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    url = command.split('"')[1].removeprefix("http://127.0.0.1:8000")
    response = client.get(url)
    assert response.status_code == 200
    assert response.text.strip().splitlines() == shown


def test_skipping_the_chain_would_err_by_a_tenth_of_a_kilogram(
    client: TestClient, glorys: xr.Dataset
) -> None:
    """The README's figure: gsw.rho(SP, θ, p) against the served density, median over the
    sample's wet cells, is 0.13 kg m-3."""
    errors = []
    for level in glorys.depth.values:
        response = client.get(
            f"{D}/glorys/data/area",
            params={"bbox": "-18,46,8,71", "depth": float(level), "variables": "density"},
        )
        assert response.status_code == 200, response.text
        served = np.array(response.json()["variables"]["density"]["values"], dtype=float)
        lat = glorys.latitude.values[:, None]
        p = gsw.p_from_z(-float(level), lat)
        at = glorys.sel(depth=level)
        wrong = gsw.rho(at.so.values.astype(float), at.thetao.values.astype(float), p)
        errors.append(np.abs(served - wrong).ravel())
    error = np.concatenate(errors)
    assert round(float(np.nanmedian(error)), 2) == 0.13
