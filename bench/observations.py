"""The observation index at the issue's scale: 100,000 profiles, searched, paged and tracked.

The service does not serve observations yet (docs/design/observations.md); this measures the
layer that will answer them, ``catalog.observations``, in process: a synthetic collection of
100,000 profiles (2,000 floats drifting 50 cycles each, 10 days apart, 2000-2020, from fixed
random starts; generated here, no file) as the profile table ``index_profiles`` builds, then

- a bbox (20° x 20°) and one-month search, p50 and p95 over varied boxes and months (the
  issue's target: p95 at most 100 ms);
- the first page and a deep page of 1,000 (the search sorted by time and id, then sliced);
- one platform's track (split at the antimeridian);
- the start-up cost: indexing the real sample file, and reading the 100,000-profile table
  from its Parquet copy (the on-disk index of a large collection).

Prints figures; never fails on a time.

    .venv/bin/python bench/observations.py [--profiles 100000] [--runs 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from catalog.observations import argo, index

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "5900865_prof.nc"
CYCLES = 50
PAGE = 1_000


def synthetic(profiles: int, seed: int = 22) -> pd.DataFrame:
    """A profile table with the index's columns, ``profiles`` rounded down to whole floats of
    50 cycles: floats drifting from random starts, 10 days between cycles; longitudes
    wrapped, so some tracks cross 180°."""
    rng = np.random.default_rng(seed)
    floats = max(profiles // CYCLES, 1)
    cycle = np.tile(np.arange(1, CYCLES + 1), floats)
    float_of = np.repeat(np.arange(floats), CYCLES)
    start_lon = rng.uniform(-180, 180, floats)
    start_lat = rng.uniform(-60, 60, floats)
    start_time = pd.Timestamp("2000-01-01", tz="UTC") + pd.to_timedelta(
        rng.uniform(0, 20 * 365 - CYCLES * 10, floats), unit="D"
    )
    # Each float drifts from its start: a random walk of 50 steps (0.3° and 0.2° a cycle).
    lon = start_lon[float_of] + rng.normal(0, 0.3, (floats, CYCLES)).cumsum(axis=1).ravel()
    lat = start_lat[float_of] + rng.normal(0, 0.2, (floats, CYCLES)).cumsum(axis=1).ravel()
    lat = np.clip(lat, -89, 89)
    lon = (lon + 180.0) % 360.0 - 180.0
    platform = np.char.add("59", np.char.zfill((float_of + 1).astype(str), 5))
    time_ = start_time[float_of] + pd.to_timedelta((cycle - 1) * 10, unit="D")
    return pd.DataFrame(
        {
            "profile_id": [f"{p}_{c:03d}" for p, c in zip(platform, cycle, strict=True)],
            "platform": platform,
            "cycle": cycle.astype(np.int64),
            "direction": "A",
            "time": time_,
            "lon": lon,
            "lat": lat,
            "position_qc": "1",
            "time_qc": "1",
            "data_mode": "D",
            "file": "synthetic",
            "row": np.arange(floats * CYCLES, dtype=np.int64),
            "n_levels": np.int64(71),
            "feature_type": "profile",
            "time_end": time_,
        }
    ).loc[:, list(index.COLUMNS)]


def timed(action: Callable[[], Any], runs: int) -> list[float]:
    """Seconds of each of ``runs`` calls, after one warm-up."""
    action()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    return times


def row(label: str, times: list[float], note: str = "") -> str:
    ms = np.array(times) * 1000
    p50, p95 = statistics.median(ms), float(np.percentile(ms, 95))
    return f"{label:<44}{p50:9.2f}{p95:9.2f}{len(ms):7d}  {note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    table = synthetic(args.profiles).sort_values(["time", "profile_id"], kind="stable")
    table = table.reset_index(drop=True)

    boxes = []
    for _ in range(args.runs + 1):
        west, south = rng.uniform(-180, 160), rng.uniform(-60, 40)
        month = pd.Timestamp("2000-01-01", tz="UTC") + pd.DateOffset(
            months=int(rng.integers(0, 240))
        )
        boxes.append(((west, south, west + 20, south + 20), month, month + pd.DateOffset(months=1)))
    counter = iter(range(10**9))

    def one_search() -> pd.DataFrame:
        box, start, end = boxes[next(counter) % len(boxes)]
        return index.search(table, bbox=box, start=start, end=end)

    found = [len(index.search(table, bbox=b, start=s, end=e)) for b, s, e in boxes[:50]]
    everything = index.search(table)
    deep = len(everything) // 2 // PAGE * PAGE
    platform = str(table["platform"].iloc[len(table) // 3])

    with tempfile.TemporaryDirectory() as folder:
        parquet = Path(folder) / "index.parquet"
        index.to_parquet(table, parquet)
        size = parquet.stat().st_size
        read_parquet = timed(lambda: index.from_parquet(parquet), 10)
    sample = timed(lambda: argo.index_profiles(SAMPLE), 10)

    print(f"Observation index: {len(table):,} synthetic profiles ({len(table) // CYCLES:,} floats)")
    print("")
    print(f"{'operation':<44}{'p50 ms':>9}{'p95 ms':>9}{'runs':>7}")
    print(
        row(
            "search: 20°x20° box + one month",
            timed(one_search, args.runs),
            f"{int(np.median(found))} profiles found (median)",
        )
    )
    print(
        row(
            f"first page of {PAGE:,} (all, sorted)",
            timed(lambda: everything.iloc[:PAGE], args.runs),
        )
    )
    print(
        row(
            f"deep page of {PAGE:,} (offset {deep:,})",
            timed(lambda: everything.iloc[deep : deep + PAGE], args.runs),
        )
    )
    print(
        row(
            f"search + deep page (offset {deep:,})",
            timed(lambda: index.search(table).iloc[deep : deep + PAGE], args.runs),
        )
    )
    print(
        row(f"track of platform {platform}", timed(lambda: index.track(table, platform), args.runs))
    )
    print(row(f"read the Parquet index ({size / 1e6:.1f} MB)", read_parquet))
    print(row("index the sample file (80 profiles)", sample))


if __name__ == "__main__":
    main()
