"""bench/derived.py runs as a user runs it (its own server, two runs of each request) and prints
its table: one row per case with both variables, each median at most its 99th percentile, and
the ratio of the medians as printed. Nothing here depends on a time being short."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from bench import derived

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def printed() -> list[str]:
    done = subprocess.run(
        [sys.executable, "bench/derived.py", "--runs", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout.splitlines()


def test_every_case_has_its_row(printed: list[str]) -> None:
    assert (
        printed[0] == "Derived (TEOS-10) against plain variables, 2 alternating warm runs each; ms"
    )
    assert printed[2].split() == [
        "case",
        "plain",
        "median",
        "p99",
        "derived",
        "median",
        "p99",
        "ratio",
    ]
    rows = {line[:24].strip(): line[24:].split() for line in printed[3:] if line.strip()}
    cases = derived.cases()
    assert {c.kind for c in cases} == {"point", "area", "map", "tile"}
    for case in cases:
        plain, plain_median, plain_p99, name, median, p99, ratio = rows[case.label]
        assert (plain, name) == (case.plain, case.derived)
        assert 0 < float(plain_median) <= float(plain_p99)
        assert 0 < float(median) <= float(p99)
        assert float(ratio) == pytest.approx(float(median) / float(plain_median), abs=0.01)
    assert printed[-len(derived.NOTES) :] == derived.NOTES


def test_the_places_are_wet_cells_of_the_sample() -> None:
    """Every point the bench asks for answers a value for both variables (a dry place would
    time a null), and no two runs in a row ask for the same place."""
    places = derived.wet_places()
    assert len(set(places)) == len(places) == 64
    with xr.open_dataset(derived.SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        for lon, lat in places:
            cell = ds.thetao.isel(depth=slice(0, 3)).sel(
                longitude=lon, latitude=lat, method="nearest"
            )
            assert np.isfinite(cell.values).all()


def test_under_load_every_client_is_counted() -> None:
    """--clients: the header says how many, and each row pools every client's requests."""
    done = subprocess.run(
        [sys.executable, "bench/derived.py", "--runs", "2", "--clients", "3", "--only", "point"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    assert lines[0].endswith("2 alternating warm runs each, 3 concurrent clients; ms")
    rows = [line for line in lines[3:] if line.startswith("point")]
    assert len(rows) == sum(1 for c in derived.cases() if c.kind == "point")
