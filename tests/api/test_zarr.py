"""A Zarr catalog entry is read lazily: a query opens only the chunk files its selection touches."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from tests.audit import watching
from tests.conftest import SAMPLES, sample_entries, write_catalog, write_glorys_zarr

CHUNK = 8  # cells per chunk along latitude and longitude; one depth level per chunk


@pytest.fixture
def zarr_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    chunks = {"depth": 1, "latitude": CHUNK, "longitude": CHUNK}
    write_glorys_zarr(tmp_path / "glorys.zarr", chunks)
    entry = sample_entries()[1]
    entry["source"] = {"zarr": "glorys.zarr"}
    return make_client(write_catalog(tmp_path, [entry]))


def chunks_read(opened: list[str], variable: str) -> set[tuple[int, ...]]:
    """Chunk indices of ``variable`` whose files were opened (Zarr v2 layout: var/i.j.k)."""
    found = set()
    for path in opened:
        match = re.search(rf"glorys\.zarr/{variable}/(\d+)\.(\d+)\.(\d+)$", path)
        if match:
            found.add(tuple(int(g) for g in match.groups()))
    return found


def test_point_reads_one_chunk_of_the_store(zarr_client: TestClient) -> None:
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as raw:
        cell = raw.thetao.sel(longitude=-10, latitude=55, method="nearest").isel(depth=0)
        i = int(np.flatnonzero(raw.latitude.values == cell.latitude.values)[0])
        j = int(np.flatnonzero(raw.longitude.values == cell.longitude.values)[0])
        total = raw.thetao.size // (CHUNK * CHUNK)
    with watching() as opened:
        response = zarr_client.get(
            "/api/v1/datasets/glorys/data/point",
            params={"lon": -10, "lat": 55, "variables": "thetao", "depth": "surface"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["variables"]["thetao"]["values"] == pytest.approx(float(cell))
    assert chunks_read(opened, "thetao") == {(0, i // CHUNK, j // CHUNK)}
    assert total > 100  # one chunk read out of over a hundred
    assert not chunks_read(opened, "so")  # other variables untouched


def test_area_reads_the_chunks_under_the_box_only(zarr_client: TestClient) -> None:
    with watching() as opened:
        response = zarr_client.get(
            "/api/v1/datasets/glorys/data/area",
            params={"bbox": "-12,50,-4,56", "variables": "thetao", "depth": "surface"},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as raw:
        lats, lons = body["coords"]["latitude"]["values"], body["coords"]["longitude"]["values"]
        rows = np.flatnonzero(np.isin(raw.latitude.values, lats))
        cols = np.flatnonzero(np.isin(raw.longitude.values, lons))
        expected_values = raw.thetao.isel(depth=0, latitude=rows, longitude=cols).values
    np.testing.assert_allclose(
        np.array(body["variables"]["thetao"]["values"], dtype=float), expected_values, rtol=1e-6
    )
    expected = {(0, r // CHUNK, c // CHUNK) for r in rows for c in cols}
    assert chunks_read(opened, "thetao") == expected
