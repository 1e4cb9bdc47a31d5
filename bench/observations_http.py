"""The observation API through HTTP at the issue's scale: 100,000 profiles in 2,000 Argo files.

Writes a synthetic collection as real Argo ``*_prof.nc`` files (the floats, cycles, times and
positions of ``bench/observations.synthetic``: 2,000 floats of 50 profiles, one file each, each
profile's levels those of the sample float's), then, with uvicorn on loopback serving a catalog
of that collection (real pools):

- start-up: spawn to the first search answered, cold (the files indexed) and warm (the
  Parquet index the cold start kept, ``.index/``);
- searches (a 20°x20° box and one month, GeoJSON, a page of 100) by ``--clients`` clients at
  once: p50 and p99, alone and while ``--downloads`` clients fetch NetCDF pages of 1,000
  profiles over and over (each a data-worker job reading 1,000 profiles from their files);
- those downloads' p50 and p99, a deep GeoJSON page of 1,000 and a CSV of 100 profiles;
- the server's peak RSS (VmHWM) and its children's.

Prints figures; never fails on a time.

    .venv/bin/python bench/observations_http.py [--floats 2000] [--seconds 20] [--clients 8]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import netCDF4
import numpy as np
import pandas as pd
import psutil
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.data_load import read_hwm, reset_hwm
from bench.metadata import start, stop
from bench.observations import CYCLES, SAMPLE, synthetic
from catalog.observations import argo, index

C = "/api/v1/datasets/floats"
JULD_EPOCH = pd.Timestamp("1950-01-01", tz="UTC")
LEVEL_VARIABLES = [f"{v}{s}" for v in ("PRES", "TEMP", "PSAL") for s in ("", "_ADJUSTED")]


def write_floats(folder: Path, table: pd.DataFrame) -> list[Path]:
    """One Argo profile file per platform of ``table`` (its profiles' cycle, time and
    position), each profile's levels those of the sample's first ``CYCLES`` profiles."""
    with netCDF4.Dataset(SAMPLE) as sample:
        levels = {
            name: sample[name][:CYCLES]
            for name in LEVEL_VARIABLES + [f"{n}_QC" for n in LEVEL_VARIABLES]
        }
        n_levels = sample.dimensions["N_LEVELS"].size
    files = []
    for platform, rows in table.groupby("platform", sort=True):
        path = folder / f"{platform}_prof.nc"
        with netCDF4.Dataset(path, "w") as ds:
            ds.createDimension("N_PROF", len(rows))
            ds.createDimension("N_LEVELS", n_levels)
            ds.createDimension("STRING8", 8)
            ds.createDimension("STRING1", 1)
            n = len(rows)

            number = ds.createVariable("PLATFORM_NUMBER", "S1", ("N_PROF", "STRING8"))
            number[:] = netCDF4.stringtochar(np.array([str(platform).ljust(8)] * n, "S8"))
            for name, value in (
                ("DIRECTION", "A"),
                ("DATA_MODE", "D"),
                ("JULD_QC", "1"),
                ("POSITION_QC", "1"),
            ):
                var = ds.createVariable(name, "S1", ("N_PROF",))
                var[:] = np.array([value] * n, "S1")
            cycle = ds.createVariable("CYCLE_NUMBER", "i4", ("N_PROF",), fill_value=99999)
            cycle[:] = rows["cycle"].to_numpy()
            juld = ds.createVariable("JULD", "f8", ("N_PROF",), fill_value=999999.0)
            juld.units = "days since 1950-01-01 00:00:00 UTC"
            juld[:] = ((rows["time"] - JULD_EPOCH) / pd.Timedelta(days=1)).to_numpy()
            for name, column in (("LATITUDE", "lat"), ("LONGITUDE", "lon")):
                var = ds.createVariable(name, "f8", ("N_PROF",), fill_value=99999.0)
                var[:] = rows[column].to_numpy()
            for name in LEVEL_VARIABLES:
                var = ds.createVariable(name, "f4", ("N_PROF", "N_LEVELS"), fill_value=99999.0)
                var[:] = levels[name][:n]
                flags = ds.createVariable(f"{name}_QC", "S1", ("N_PROF", "N_LEVELS"))
                flags[:] = levels[f"{name}_QC"][:n]
        files.append(path)
    return files


def write_catalog(folder: Path) -> Path:
    path = folder / "catalog.yaml"
    entry = {
        "id": "floats",
        "title": "Synthetic floats (bench)",
        "summary": "2,000 synthetic Argo floats written by bench/observations_http.py.",
        "licence": "synthetic",
        "attribution": "Synthetic; levels from Argo float 5900865 (doi:10.17882/42182)",
        "source": {"argo": "floats/*_prof.nc"},
    }
    path.write_text(yaml.safe_dump({"datasets": [entry]}))
    return path


def boxes(count: int, seed: int = 7) -> list[dict[str, str]]:
    """Search parameters: a 20°x20° box and one month, varied."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        west, south = rng.uniform(-180, 160), rng.uniform(-60, 40)
        month = pd.Timestamp("2000-01-01") + pd.DateOffset(months=int(rng.integers(0, 240)))
        out.append(
            {
                "bbox": f"{west:.3f},{south:.3f},{west + 20:.3f},{south + 20:.3f}",
                "start": month.strftime("%Y-%m-%d"),
                "end": (month + pd.DateOffset(months=1)).strftime("%Y-%m-%d"),
                "limit": "100",
            }
        )
    return out


def first_search(catalog: Path) -> tuple[float, float, Any, int]:
    """Spawn a server; seconds to /ready and to the first search answered; the server."""
    began = time.perf_counter()
    env = {
        "OCEANAPI_CATALOG": str(catalog),
        "OCEANAPI_MAX_CLIENT_REQUESTS": "0",  # one address, many clients
        "OCEANAPI_PLOT__CACHE_BYTES": "0",  # every plot drawn, none replayed
    }
    process, port, ready = start("api.main:create_app", env, output=subprocess.DEVNULL)
    response = httpx.get(
        f"http://127.0.0.1:{port}{C}/observations", params={"limit": 1}, timeout=600
    )
    assert response.status_code == 200, response.text
    return ready, time.perf_counter() - began, process, port


def clients(
    port: int, count: int, seconds: float, path: str, params: list[dict[str, str]]
) -> tuple[list[float], int]:
    """``count`` clients asking ``path`` with each params in turn until ``seconds`` pass:
    every answer's seconds, and how many were not 200."""
    times: list[float] = []
    failures = [0]
    stop_at = time.perf_counter() + seconds
    lock = threading.Lock()

    def client(k: int) -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            i = k
            while time.perf_counter() < stop_at:
                began = time.perf_counter()
                response = http.get(path, params=params[i % len(params)])
                took = time.perf_counter() - began
                with lock:
                    times.append(took)
                    failures[0] += response.status_code != 200
                i += count

    threads = [threading.Thread(target=client, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, failures[0]


def figures(label: str, times: list[float], failures: int = 0) -> str:
    ms = np.array(times) * 1000
    p50, p99 = statistics.median(ms), float(np.percentile(ms, 99))
    extra = f"  ({failures} not 200)" if failures else ""
    return f"{label:<58}{p50:9.1f}{p99:9.1f}{len(ms):7d}{extra}"


def peak_rss(pid: int) -> str:
    """The server's peak resident size (VmHWM) and its child processes' (the plot and data
    workers and their fork server), largest first."""
    server = psutil.Process(pid)
    children = sorted(
        ((read_hwm(c.pid) or 0) for c in server.children(recursive=True)), reverse=True
    )
    mib = [f"{h / 2**20:.0f}" for h in children if h]
    return (
        f"server {(read_hwm(pid) or 0) / 2**20:.0f} MiB; {len(mib)} child processes "
        f"{', '.join(mib)} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floats", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--downloads", type=int, default=2)
    args = parser.parse_args()
    table = synthetic(args.floats * CYCLES)
    with tempfile.TemporaryDirectory(prefix="obs-bench-") as work:
        folder = Path(work)
        (folder / "floats").mkdir()
        began = time.perf_counter()
        files = write_floats(folder / "floats", table)
        wrote = time.perf_counter() - began
        size = sum(f.stat().st_size for f in files)
        catalog = write_catalog(folder)
        print(
            f"Observations over HTTP: {len(table):,} profiles in {len(files):,} Argo files "
            f"({size / 2**20:.0f} MiB, written in {wrote:.0f} s)"
        )
        print("")
        ready, cold, process, port = first_search(catalog)
        stop(process)
        kept = list((folder / ".index").glob("*.parquet"))
        print(
            f"cold start (index {len(files):,} files): ready {ready:.2f} s, first search "
            f"{cold:.2f} s"
        )
        began = time.perf_counter()
        argo.index_profiles(files)
        from_files = time.perf_counter() - began
        began = time.perf_counter()
        index.from_parquet(kept[0])
        from_parquet = time.perf_counter() - began
        print(
            f"in process: index the {len(files):,} files {from_files:.2f} s (files in the page "
            f"cache), read the Parquet index {from_parquet * 1000:.0f} ms "
            f"({from_files / from_parquet:.0f}x)"
        )
        ready, warm, process, port = first_search(catalog)
        print(
            f"warm start (Parquet index, {kept[0].stat().st_size / 2**20:.1f} MiB): ready "
            f"{ready:.2f} s, first search {warm:.2f} s; cold/warm {cold / warm:.1f}x"
        )
        print("")
        try:
            searches = boxes(500)
            everything = httpx.get(
                f"http://127.0.0.1:{port}{C}/observations", params={"limit": 1}
            ).json()["numberMatched"]
            deep = [{"limit": "1000", "offset": str(everything // 2)}]
            pages = [  # every page of 1,000 there is (none empty)
                {"limit": "1000", "offset": str(k * 1000), "f": "nc"}
                for k in range(max(1, everything // 1000))
            ]
            csvs = [
                {"limit": "100", "offset": str(k * 100), "f": "csv"}
                for k in range(max(1, everything // 100))
            ]
            for pid in [
                process.pid,
                *(c.pid for c in psutil.Process(process.pid).children(recursive=True)),
            ]:
                reset_hwm(pid)
            print(f"{'request':<58}{'p50 ms':>9}{'p99 ms':>9}{'n':>7}")
            seconds = args.seconds
            print(
                figures(
                    f"search, {args.clients} clients, alone",
                    *clients(port, args.clients, seconds, f"{C}/observations", searches),
                )
            )
            print(
                figures(
                    "deep GeoJSON page of 1,000, 1 client",
                    *clients(port, 1, seconds / 2, f"{C}/observations", deep),
                )
            )
            print(
                figures(
                    "CSV of 100 profiles (7,100 levels), 1 client",
                    *clients(port, 1, seconds / 2, f"{C}/observations", csvs),
                )
            )
            print(
                figures(
                    "NetCDF of 1,000 profiles (71,000 levels), 1 client",
                    *clients(port, 1, seconds, f"{C}/observations", pages),
                )
            )
            months = [{k: v for k, v in b.items() if k in ("start", "end")} for b in searches]
            print(
                figures(
                    "track plot of one month, worldwide, 1 client",
                    *clients(port, 1, seconds / 2, f"{C}/plots/track", months),
                )
            )
            floats = sorted(table["platform"].unique())
            sections = [{"platform": p} for p in floats[:: max(1, len(floats) // 50)]]
            print(
                figures(
                    "obssection plot of a float (50 profiles), 1 client",
                    *clients(port, 1, seconds / 2, f"{C}/plots/obssection", sections),
                )
            )
            loaded: dict[str, Any] = {}

            def downloads() -> None:
                loaded["nc"] = clients(port, args.downloads, seconds, f"{C}/observations", pages)

            beside = threading.Thread(target=downloads)
            beside.start()
            under = clients(port, args.clients, seconds, f"{C}/observations", searches)
            beside.join()
            print(
                figures(
                    f"search, {args.clients} clients, {args.downloads} NetCDF downloads beside",
                    *under,
                )
            )
            print(
                figures(
                    f"NetCDF of 1,000 profiles, {args.downloads} clients, searches beside",
                    *loaded["nc"],
                )
            )
            print("")
            print(f"peak RSS (VmHWM): {peak_rss(process.pid)}")
        finally:
            stop(process)


if __name__ == "__main__":
    main()
