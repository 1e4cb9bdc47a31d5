"""Data query latency on ERSST beside xarray alone, and area-query time against cells selected.

Starts the service (uvicorn on loopback), warms it, then times sequential keep-alive requests;
the xarray baseline does the same selection on an already open dataset in this process. Medians
of --repeat runs. Prints figures; never fails on a time.

    .venv/bin/python bench/data.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx2 as httpx
import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.metadata import start, stop

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "sst.mnmean.nc"


def median_ms(action: Callable[[], object], repeat: int) -> float:
    for _ in range(5):
        action()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    ds = xr.open_dataset(SAMPLE)
    process, port, _ = start("api.main:create_app")
    base = f"http://127.0.0.1:{port}/api/v1/datasets/ersst-v5/data"
    try:
        with httpx.Client(base_url=base) as client:

            def api(path: str, **params: object) -> Callable[[], object]:
                def call() -> object:
                    response = client.get(path, params=params)
                    assert response.status_code == 200, response.text
                    return response.content

                return call

            print(f"ERSST v5 ({SAMPLE.name}), medians of {args.repeat} warm runs\n")
            rows = [
                (
                    "point (-140, 0.5) 2015-12",
                    api("/point", lon=-140, lat=0.5, time="2015-12-01"),
                    lambda: float(
                        ds.sst.sel(time="2015-12-01").sel(lon=220, lat=0.5, method="nearest")
                    ),
                ),
                (
                    "time series 2010-2019 at (-140, 0)",
                    api("/timeseries", lon=-140, lat=0, start="2010-01-01", end="2019-12-31"),
                    lambda: (
                        ds.sst.sel(time=slice("2010-01-01", "2019-12-31"))
                        .sel(lon=220, lat=0, method="nearest")
                        .values
                    ),
                ),
            ]
            print(f"{'query':<38}{'API ms':>9}{'xarray ms':>11}{'ratio':>8}")
            for label, call, baseline in rows:
                api_ms, xr_ms = median_ms(call, args.repeat), median_ms(baseline, args.repeat)
                print(f"{label:<38}{api_ms:9.2f}{xr_ms:11.3f}{api_ms / xr_ms:8.1f}")

            print(f"\narea queries at 2015-12 (f=json), medians of {args.repeat // 4} runs")
            print(f"{'box':<26}{'cells':>7}{'API ms':>9}{'xarray ms':>11}{'us/cell':>9}")
            for half in (4, 16, 30, 60, 90, 178):
                north = min(88, half)
                bbox = f"{-half},{-north},{half},{north}"
                lons = np.arange(-half, half + 0.1, 2) % 360

                def baseline(n: int = north, lons: np.ndarray = lons) -> object:
                    return ds.sst.sel(time="2015-12-01").sel(lat=slice(n, -n), lon=lons).values

                cells = baseline().size  # type: ignore[attr-defined]
                api_ms = median_ms(api("/area", bbox=bbox, time="2015-12-01"), args.repeat // 4)
                xr_ms = median_ms(baseline, args.repeat // 4)
                print(f"{bbox:<26}{cells:7d}{api_ms:9.2f}{xr_ms:11.3f}{api_ms * 1000 / cells:9.1f}")
    finally:
        stop(process)


if __name__ == "__main__":
    main()
