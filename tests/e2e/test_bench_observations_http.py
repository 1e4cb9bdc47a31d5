"""bench/observations_http.py runs as a user runs it, on a small synthetic collection, and
prints every figure: the cold and warm start, each request's p50 and p99 (all answered 200),
and the peak RSS."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "bench/observations_http.py", "--floats", "40", "--seconds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert out.startswith("Observations over HTTP: 2,000 profiles in 40 Argo files")
    assert re.search(r"cold start \(index 40 files\): ready [\d.]+ s", out)
    assert re.search(r"warm start \(Parquet index, [\d.]+ MiB\)", out)
    labels = [
        "search, 8 clients, alone",
        "deep GeoJSON page of 1,000, 1 client",
        "CSV of 100 profiles",
        "NetCDF of 1,000 profiles (71,000 levels), 1 client",
        "track plot of one month, worldwide, 1 client",
        "obssection plot of a float (50 profiles), 1 client",
        "search, 8 clients, 2 NetCDF downloads beside",
        "NetCDF of 1,000 profiles, 2 clients, searches beside",
    ]
    for label in labels:
        (line,) = [row for row in out.splitlines() if row.startswith(label)]
        p50, p99, runs = line[58:].split()[:3]
        assert 0 < float(p50) <= float(p99) and int(runs) >= 1, line
        assert "not 200" not in line, line
    assert re.search(r"peak RSS \(VmHWM\): server \d+ MiB", out)
