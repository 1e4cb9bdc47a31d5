"""The metadata API over the real sample files; every fact checked against xarray."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from schemas.catalog import DERIVED_IDS
from tests.conftest import SAMPLES


def iso(values: np.ndarray) -> list[str]:
    """numpy instants as the API writes them."""
    return [pd.Timestamp(t).strftime("%Y-%m-%dT%H:%M:%SZ") for t in np.atleast_1d(values)]


def test_list_has_every_catalog_dataset_in_order(client: TestClient) -> None:
    response = client.get("/api/v1/datasets")
    assert response.status_code == 200
    datasets = response.json()["datasets"]
    assert [d["id"] for d in datasets] == ["ersst-v5", "glorys", "wcofs", "giops", "glorys-mesh"]
    assert all(d["available"] for d in datasets)
    for d in datasets:
        assert d["links"]["self"].endswith(f"/api/v1/datasets/{d['id']}")
        for link in d["links"].values():
            assert client.get(link).status_code == 200, link


def test_ersst_facts(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    summary = client.get("/api/v1/datasets").json()["datasets"][0]
    assert summary["grid_kind"] == "regular"
    assert summary["bbox"] == [-180.0, -88.0, 180.0, 88.0]
    assert summary["time_extent"] == {
        "start": "2010-01-01T00:00:00Z",
        "end": "2020-08-01T00:00:00Z",
        "count": 128,
    }
    assert summary["has_depth"] is False
    detail = client.get("/api/v1/datasets/ersst-v5").json()
    assert detail["time"] == {
        "count": 128,
        "first": iso(raw.time[0])[0],
        "last": iso(raw.time[-1])[0],
    }
    assert detail["depths"] is None
    assert detail["licence"].startswith("No constraints")
    (sst,) = detail["variables"]
    assert sst["id"] == "sst" and sst["units"] == "degC" and sst["has_depth"] is False
    assert sst["dimensions"] == ["time", "lat", "lon"]
    assert float(raw.lat.min()) == -88.0 and float(raw.lat.max()) == 88.0


def test_glorys_facts(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")
    depths = client.get("/api/v1/datasets/glorys/depths").json()
    assert depths["units"] == "m" and depths["positive"] == "down"
    assert len(depths["levels"]) == 6
    assert depths["levels"][0] == pytest.approx(6.05, abs=0.01)
    assert depths["levels"][-1] == pytest.approx(3840.3, abs=0.1)
    np.testing.assert_allclose(depths["levels"], raw.depth.values, rtol=1e-6)
    detail = client.get("/api/v1/datasets/glorys").json()
    assert detail["time"]["count"] == 1  # the scalar time is the dataset's one instant
    assert detail["time"]["first"] == iso(raw.time.values)[0] == "2021-06-29T00:00:00Z"
    lon, lat = raw.longitude.values, raw.latitude.values
    assert detail["bbox"] == pytest.approx([lon.min(), lat.min(), lon.max(), lat.max()], abs=1e-5)
    assert detail["vectors"] == [
        {"id": "current", "title": "Sea water velocity", "x": "uo", "y": "vo", "frame": "earth"}
    ]
    units = {v["id"]: v["units"] for v in detail["variables"]}
    stored = {"so": "1e-3", "thetao": "degC", "uo": "m s-1", "vo": "m s-1", "zos": "m"}
    assert {name: units[name] for name in units if name not in DERIVED_IDS} == stored
    assert set(units) - set(stored) == set(DERIVED_IDS)  # TEOS-10, from thetao and so


def test_nemo_facts(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "nemo_test.nc")
    detail = client.get("/api/v1/datasets/giops").json()
    assert detail["grid_kind"] == "curvilinear"
    assert len(detail["depths"]) == 50
    np.testing.assert_allclose(detail["depths"], raw.deptht.values, rtol=1e-6)
    lon = (raw.nav_lon.values + 180) % 360 - 180
    lat = raw.nav_lat.values
    assert detail["bbox"] == pytest.approx([lon.min(), lat.min(), lon.max(), lat.max()], abs=1e-5)
    variable = client.get("/api/v1/datasets/giops/variables/votemper").json()
    assert variable["units"] == "K"
    assert variable["grid_kind"] == "curvilinear"
    assert variable["has_time"] and variable["has_depth"]
    assert variable["valid_range"] == [173.0, 373.0]


def test_wcofs_facts(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "WCOFS_subset.nc")
    listing = client.get("/api/v1/datasets/wcofs/variables").json()
    by_id = {v["id"]: v for v in listing["variables"]}
    assert set(by_id) == {"u_sur", "v_sur"}
    for vid, partner in (("u_sur", "v_sur"), ("v_sur", "u_sur")):
        assert by_id[vid]["grid_kind"] == "curvilinear"
        assert by_id[vid]["units"] == "m s-1"
        assert by_id[vid]["vector"]["partner"] == partner
    times = client.get("/api/v1/datasets/wcofs/times").json()
    assert times["times"] == iso(raw.ocean_time.values)
    assert len(times["times"]) == 4
    assert client.get("/api/v1/datasets/wcofs/depths").json()["levels"] == []


def test_times_paging_walks_the_whole_axis(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    collected: list[str] = []
    url: str | None = "/api/v1/datasets/ersst-v5/times?limit=50"
    pages = 0
    while url:
        page = client.get(url).json()
        assert page["total"] == 128
        collected += page["times"]
        url = page["next"]
        pages += 1
    assert pages == 3
    assert collected == iso(raw.time.values)


def test_times_filter_by_start_and_end(client: TestClient) -> None:
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    page = client.get(
        "/api/v1/datasets/ersst-v5/times",
        params={"start": "2015-01-01", "end": "2015-12-31T23:59:59+00:00"},
    ).json()
    expected = raw.time.sel(time=slice("2015-01-01", "2015-12-31")).values
    assert page["times"] == iso(expected) and page["total"] == 12 and page["next"] is None
    # An offset given in the instant is honoured: 2015-01-01T01:00+02:00 is 2014-12-31T23:00Z.
    page = client.get(
        "/api/v1/datasets/ersst-v5/times", params={"start": "2015-01-01T01:00:00+02:00", "limit": 1}
    ).json()
    assert page["times"] == ["2015-01-01T00:00:00Z"]


def test_times_filter_at_the_ends_of_the_calendar(client: TestClient) -> None:
    """Years 1 and 9999 are instants too (nanosecond datetimes once wrapped 9999 round)."""
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    url = "/api/v1/datasets/ersst-v5/times"
    assert client.get(url, params={"start": "9999-12-31"}).json()["total"] == 0
    assert client.get(url, params={"end": "0001-01-01"}).json()["total"] == 0
    every = client.get(url, params={"start": "0001-01-01", "end": "9999-12-31"}).json()
    assert every["total"] == raw.time.size
    point = client.get(
        "/api/v1/datasets/ersst-v5/data/point", params={"lon": 0, "lat": 0, "time": "9999-12-31"}
    )
    assert point.status_code == 400
    assert point.json()["invalid_params"][0]["reason"].startswith("9999-12-31 is outside")


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {
        "status": "ok",
        "datasets_available": None,
        "datasets_unavailable": None,
        "pools": None,
    }
    ready = client.get("/ready").json()
    workers = os.cpu_count()  # each pool's default
    pools = [
        {
            "pool": pool,
            "backend": "local",
            "workers": workers,
            "healthy": workers,
            "heartbeat_replacements": 0,
        }
        for pool in ("plot", "data")
    ]
    assert ready == {
        "status": "ready",
        "datasets_available": 5,
        "datasets_unavailable": 0,
        "pools": pools,
    }
