"""bench/observations.py runs as a user runs it and prints its table: a row per operation with
p50 at most p95, and the synthetic table it searches has the index's columns, floats of 50
cycles 10 days apart whose tracks split where they cross the antimeridian."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from bench import observations
from catalog.observations import index

ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_prints_every_operation() -> None:
    done = subprocess.run(
        [sys.executable, "bench/observations.py", "--profiles", "5000", "--runs", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "Observation index: 5,000 synthetic profiles (100 floats)"
    rows = [line for line in lines[3:] if line.strip()]
    labels = [
        "search: 20°x20° box + one month",
        "first page of 1,000",
        "deep page of 1,000",
        "search + deep page",
        "track of platform",
        "read the Parquet index",
        "index the sample file (80 profiles)",
    ]
    assert len(rows) == len(labels)
    for line, label in zip(rows, labels, strict=True):
        assert line.startswith(label)
        p50, p95, runs = line[44:].split()[:3]
        assert float(p50) <= float(p95)
        assert int(runs) in (3, 10)


def test_the_synthetic_collection() -> None:
    table = observations.synthetic(100_000)
    assert list(table.columns) == list(index.COLUMNS)
    assert len(table) == 100_000 and table["profile_id"].is_unique
    first = table[table["platform"] == table["platform"].iloc[0]]
    assert list(first["cycle"]) == list(range(1, 51))
    assert (np.diff(first["time"].to_numpy()) == np.timedelta64(10, "D")).all()
    assert table["lon"].between(-180, 180).all()
    crossing = [
        p
        for p, rows in table.groupby("platform")
        if (np.abs(np.diff(rows.sort_values("time")["lon"].to_numpy())) > 180).any()
    ]
    assert crossing  # some floats drift across 180°
    for platform in crossing[:5]:
        lines = index.track(table, platform)
        assert len(lines) >= 2
        assert {abs(line[-1][0]) for line in lines[:-1]} == {180.0}
    assert isinstance(table["time"].dtype, pd.DatetimeTZDtype)
