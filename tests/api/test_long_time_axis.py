"""Paging through a long time axis (50,000 hourly steps), as real model archives have."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from fastapi.testclient import TestClient

from tests.conftest import write_catalog

STEPS = 50_000


def test_fifty_thousand_steps_page_by_page(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    times = pd.date_range("2000-01-01", periods=STEPS, freq="h")
    xr.Dataset(
        {"sst": (("time", "lat", "lon"), np.zeros((STEPS, 2, 2), dtype=np.float32))},
        coords={
            "time": times,
            "lat": ("lat", [0.0, 1.0], {"units": "degrees_north"}),
            "lon": ("lon", [10.0, 11.0], {"units": "degrees_east"}),
        },
    ).to_netcdf(tmp_path / "hourly.nc")
    entry = {
        "id": "hourly",
        "title": "Hourly",
        "summary": "A long time axis.",
        "attribution": "Test fixture",
        "licence": "CC0",
        "source": {"path": "hourly.nc"},
    }
    client = make_client(write_catalog(tmp_path, [entry]))

    detail = client.get("/api/v1/datasets/hourly").json()
    assert detail["time"] == {
        "count": STEPS,
        "first": "2000-01-01T00:00:00Z",
        "last": times[-1].strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    collected: list[str] = []
    url: str | None = "/api/v1/datasets/hourly/times?limit=10000"
    while url:
        page = client.get(url).json()
        collected += page["times"]
        url = page["next"]
    assert collected == [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]

    page = client.get(
        "/api/v1/datasets/hourly/times",
        params={"start": "2003-06-01T12:30:00Z", "end": "2003-06-01T15:00:00Z"},
    ).json()
    assert page["times"] == [f"2003-06-01T{h}:00:00Z" for h in (13, 14, 15)]
    assert page["total"] == 3
