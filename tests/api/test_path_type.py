"""path_type on the path queries: the samples are where the answer says, on the rhumb line or the
geodesic, the values are the file's cells there, and every answer says which was used."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from tests.conftest import SAMPLES

TRANSECT = "/api/v1/datasets/ersst-v5/data/transect"
ALONG_30N = {"path": "140,30;-120,30", "n": 43, "time": "2015-12-01", "variables": "sst"}


@pytest.fixture(scope="module")
def ersst() -> xr.Dataset:
    return xr.open_dataset(SAMPLES / "sst.mnmean.nc")


def answer(client: TestClient, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_rhumb_transect_values_are_the_nearest_cells_on_the_parallel(
    client: TestClient, ersst: xr.Dataset
) -> None:
    body = answer(client, TRANSECT, path_type="rhumb", **ALONG_30N)
    lons = np.array(body["coords"]["longitude"]["values"])
    lats = np.array(body["coords"]["latitude"]["values"])
    np.testing.assert_allclose(lats, 30.0, atol=1e-9)
    np.testing.assert_allclose(np.unwrap(lons, period=360), np.linspace(140, 240, 43), atol=1e-9)
    odd = lons - 1
    assert np.abs(odd - 2 * np.round(odd / 2)).min() > 0.01  # none halfway between 2-degree cells
    step = ersst.sst.sel(time="2015-12-01")
    expected = [float(step.sel(lon=lo % 360, lat=30.0, method="nearest")) for lo in lons]
    np.testing.assert_allclose(body["variables"]["sst"]["values"], expected, rtol=1e-6)
    assert body["selection"]["path_type"] == "rhumb"
    assert body["selection"]["length_km"] == pytest.approx(body["coords"]["distance"]["values"][-1])


def test_rhumb_is_the_default_and_geodesic_is_the_great_circle(
    client: TestClient, ersst: xr.Dataset
) -> None:
    default = answer(client, TRANSECT, **ALONG_30N)
    rhumb = answer(client, TRANSECT, path_type="rhumb", **ALONG_30N)
    assert default == rhumb
    geodesic = answer(client, TRANSECT, path_type="geodesic", **ALONG_30N)
    assert geodesic["selection"]["path_type"] == "geodesic"
    lats = np.array(geodesic["coords"]["latitude"]["values"])
    assert lats.max() > 41.5  # the great circle from 140 E to 120 W at 30 N reaches 42 N
    assert geodesic["selection"]["length_km"] < rhumb["selection"]["length_km"]
    lons = geodesic["coords"]["longitude"]["values"]
    step = ersst.sst.sel(time="2015-12-01")
    k = int(np.argmax(lats))
    cell = step.sel(lon=lons[k] % 360, lat=lats[k], method="nearest")
    assert geodesic["variables"]["sst"]["values"][k] == pytest.approx(float(cell), rel=1e-6)


def test_netcdf_says_how_the_vertices_were_joined(client: TestClient, tmp_path: Path) -> None:
    for path_type in ("rhumb", "geodesic"):
        response = client.get(TRANSECT, params={**ALONG_30N, "path_type": path_type, "f": "nc"})
        assert response.status_code == 200
        (tmp_path / "answer.nc").write_bytes(response.content)
        with xr.open_dataset(tmp_path / "answer.nc") as opened:
            assert opened.attrs["path_type"] == path_type
            assert opened["distance"].attrs["path_type"] == path_type
            assert opened["distance"].attrs["units"] == "km"


def test_edr_trajectory_takes_path_type(client: TestClient) -> None:
    url = "/edr/collections/ersst-v5/trajectory"
    line = {"coords": "LINESTRING(140 30,-120 30)", "datetime": "2015-12-01"}
    lats = {}
    for path_type in ("rhumb", "geodesic", None):
        params = line if path_type is None else {**line, "path_type": path_type}
        composite = answer(client, url, **params)["domain"]["axes"]["composite"]
        assert composite["coordinates"] == ["t", "x", "y"]
        lats[path_type] = np.array([v[2] for v in composite["values"]])
    np.testing.assert_allclose(lats["rhumb"], 30.0, atol=1e-9)
    np.testing.assert_array_equal(lats[None], lats["rhumb"])
    assert lats["geodesic"].max() > 41.5


@pytest.mark.parametrize(
    "url",
    [
        f"{TRANSECT}?path=140,30;-120,30&path_type=great-circle",
        "/api/v1/datasets/ersst-v5/plots/hovmoller?path=140,0;-80,0&path_type=Rhumb",
        "/edr/collections/ersst-v5/trajectory?coords=LINESTRING(140 30,-120 30)&path_type=gc",
    ],
)
def test_an_unknown_path_type_is_a_400_naming_the_valid_ones(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    (invalid,) = response.json()["invalid_params"]
    assert invalid["name"] == "path_type"
    assert "'geodesic'" in invalid["reason"] and "'rhumb'" in invalid["reason"], invalid
