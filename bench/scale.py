"""Scale figures: query cost on a large Zarr store beside the small samples, and the price of
drawing plots on a Dask cluster instead of the local pool.

1. Point and area (20 x 20 cells) queries, in-process through the API (TestClient), on
   - the ERSST sample (NetCDF, 4 MB), - GLORYS written as a chunked Zarr store (small), and
   - the synthetic global 1/12 degree store of ``bench.make_zarr`` (several GB):
   medians over ``--queries`` places each; the cost must follow the selection, not the dataset.
2. Plot throughput: the service under uvicorn with the local pool (N workers) beside the same
   service on a distributed.LocalCluster of N single-thread worker processes, on loopback; the
   same distinct maps, ``--concurrency`` at a time, rounds alternating.

    .venv/bin/python -m bench.make_zarr          # once: writes /tmp/oceanapi-big
    .venv/bin/python -m bench.scale [--big /tmp/oceanapi-big] [--plots 40] [--rounds 3]

Prints figures; never fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import dask
import xarray as xr
import yaml
from distributed import LocalCluster
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from bench.load import draw_maps, serve
from bench.metadata import stop

D = "/api/v1/datasets"


def catalog_with(big: Path, folder: Path) -> Path:
    """The samples (absolute paths), GLORYS as Zarr, and the big store, in one catalog."""
    entries = yaml.safe_load(DEFAULT_CATALOG.read_text())["datasets"]
    for entry in entries:
        entry["source"]["path"] = str(DEFAULT_CATALOG.parent / entry["source"]["path"])
    raw = xr.open_dataset(DEFAULT_CATALOG.parent / "GLORYS_coarse_test_data.nc")
    raw.chunk({"depth": 1}).to_zarr(folder / "glorys.zarr", zarr_format=2, consolidated=True)
    small_zarr = {**entries[1], "id": "glorys-zarr", "source": {"zarr": "glorys.zarr"}}
    (big_entry,) = yaml.safe_load((big / "catalog.yaml").read_text())["datasets"]
    big_entry["source"]["zarr"] = str(big / big_entry["source"]["zarr"])
    path = folder / "catalog.yaml"
    path.write_text(yaml.safe_dump({"datasets": [*entries, small_zarr, big_entry]}))
    return path


# (dataset, variable, place box (west, south, east, north), cell size in degrees, format)
CASES = [
    ("ersst-v5", "sst", (-170, -30, -120, 30), 2.0, "NetCDF"),
    ("glorys-zarr", "thetao", (-15, 47, 0, 60), 2 / 3, "Zarr"),
    ("synthetic-global", "thetao", (-170, -30, -120, 30), 1 / 12, "Zarr"),
]


def query_latency(client: TestClient, queries: int) -> None:
    print(f"\nqueries, in-process, median of {queries} places (ms):")
    print(f"  {'dataset':<18} {'source':<18} {'point':>8} {'area 20x20':>11}")
    rng = random.Random(1)
    catalog = client.app.state.catalog  # type: ignore[attr-defined]
    for dataset, variable, (west, south, east, north), cell, kind in CASES:
        size = catalog.dataset(dataset).ds[variable].nbytes
        label = f"{kind}, " + next(
            f"{size / scale:.1f} {unit}"
            for scale, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB"))
            if size >= scale or unit == "kB"
        )
        points, areas = [], []
        for _ in range(queries):
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            began = time.perf_counter()
            answer = client.get(
                f"{D}/{dataset}/data/point",
                params={"lon": lon, "lat": lat, "variables": variable, "depth": "surface"},
            )
            points.append(time.perf_counter() - began)
            assert answer.status_code == 200, answer.text
            half = 10 * cell - cell / 2
            box = f"{lon - half:.4f},{lat - half:.4f},{lon + half:.4f},{lat + half:.4f}"
            began = time.perf_counter()
            answer = client.get(
                f"{D}/{dataset}/data/area",
                params={"bbox": box, "variables": variable, "depth": "surface"},
            )
            areas.append(time.perf_counter() - began)
            assert answer.status_code == 200, answer.text
        print(
            f"  {dataset:<18} {label:<18} {statistics.median(points) * 1000:>8.1f}"
            f" {statistics.median(areas) * 1000:>11.1f}"
        )


def plot_throughput(args: argparse.Namespace, log: Path) -> None:
    workers = args.workers
    print(f"\nplots: distinct 800x600 ERSST maps, {args.concurrency} at a time, {workers} workers")
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    backends = {
        "local pool": {"OCEANAPI_PLOT__WORKERS": str(workers)},
        "Dask LocalCluster": {
            "OCEANAPI_PLOT__BACKEND": "dask",
            "OCEANAPI_DASK__SCHEDULER": cluster.scheduler_address,
        },
    }
    rates: dict[str, list[float]] = {name: [] for name in backends}
    servers = {
        name: serve({**env, "OCEANAPI_PLOT__CACHE_SECONDS": "0"}, log)
        for name, env in backends.items()
    }
    try:
        for _, port in servers.values():  # warm-up: the first renders load the data
            asyncio.run(draw_maps(port, 10_000, 2 * workers, args.concurrency))
        for round_ in range(args.rounds):
            for name, (_, port) in servers.items():
                first = round_ * args.plots
                rates[name].append(
                    asyncio.run(draw_maps(port, first, args.plots, args.concurrency))
                )
    finally:
        for process, _ in servers.values():
            stop(process)
        cluster.close()
    base = statistics.median(rates["local pool"])
    for name, values in rates.items():
        rate = statistics.median(values)
        print(
            f"  {name:<18} {rate:>6.2f} plots/s (median of {args.rounds} rounds of {args.plots};"
            f" {rate / base:.2f}x the local pool)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=Path, default=Path("/tmp/oceanapi-big"))
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--plots", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not (args.big / "catalog.yaml").exists():
        sys.exit(f"{args.big}/catalog.yaml not found: run `python -m bench.make_zarr` first")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        catalog = catalog_with(args.big, Path(folder))
        settings = Settings(catalog=catalog, plot={"workers": 1}, log_level="WARNING")  # type: ignore[arg-type]
        with TestClient(create_app(settings)) as client:
            query_latency(client, args.queries)
        plot_throughput(args, Path(folder) / "service.log")


if __name__ == "__main__":
    main()
