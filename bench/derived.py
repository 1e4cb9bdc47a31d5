"""What a TEOS-10 derived variable costs over the plain one it is computed from, through the app.

One server (uvicorn on loopback, the bundled samples, real worker pools, the image cache off so
every plot and tile is drawn), warmed, then each case's plain and derived requests alternate
over keep-alive connections: σ0 against thetao, and the 2-D mixed_layer_depth (a whole column
of σ0 per cell) against zos. Point queries walk a fixed list of wet cells, so no answer is a
repeat. Prints the median and the 99th percentile of each and the ratio of the medians (the
issue's target for a point query: at most about 2x); never fails on a time.

    .venv/bin/python bench/derived.py [--runs 60] [--only point] [--clients 8]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.metadata import start, stop

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
D = "/api/v1/datasets"
GLORYS_BOX = "-17.7,46.3,7.8,70.4"  # the whole sample: the largest box there is (1,443 cells)
TILE = "WebMercatorQuad/4/7/5.png"  # the British Isles and the North Sea
Params = dict[str, Any]
NOTES = [
    "ratio: derived median / plain median. Tiles are warm: each plot worker keeps the whole",
    "field it drew last (plotting.webmap.render), so only its first tile of a variable reads",
    "and computes it, at about the cost of the 'area ... whole' row.",
]


@dataclass(frozen=True)
class Case:
    """One comparison: the same request for a plain and a derived variable."""

    kind: str
    label: str
    path: str
    plain: str
    derived: str
    params: Callable[[int], Params]
    """The request's parameters at run k (places change from run to run)."""


def wet_places(count: int = 64) -> list[tuple[float, float]]:
    """Cell centres of GLORYS with a value at every one of its first three levels, spread over
    the grid (a fixed draw)."""
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        wet = np.isfinite(ds.thetao.isel(depth=slice(0, 3)).values).all(axis=0)
        rows, cols = np.nonzero(wet)
        pick = np.random.default_rng(21).choice(rows.size, size=count, replace=False)
        lat, lon = ds.latitude.values[rows[pick]], ds.longitude.values[cols[pick]]
    return [(float(x) + 0.1, float(y) - 0.1) for x, y in zip(lon, lat, strict=True)]


def cases() -> list[Case]:
    places = wet_places()

    def at(k: int, **extra: Any) -> Params:
        lon, lat = places[k % len(places)]
        return {"lon": lon, "lat": lat, **extra}

    def deeper(k: int) -> Params:
        return at(k, depth=100)

    def linear(k: int) -> Params:
        return at(k, interp="linear")

    def whole(k: int) -> Params:
        return {"bbox": GLORYS_BOX}

    def same(k: int) -> Params:
        return {}

    g, m = "glorys", "glorys-mesh"
    mld = "mixed_layer_depth"
    return [
        Case("point", "point glorys", f"{g}/data/point", "thetao", "sigma0", at),
        Case("point", "point glorys 100 m", f"{g}/data/point", "thetao", "sigma0", deeper),
        Case("point", "point glorys linear", f"{g}/data/point", "thetao", "sigma0", linear),
        Case("point", "point glorys 2-D", f"{g}/data/point", "zos", mld, at),
        Case("point", "point glorys-mesh", f"{m}/data/point", "thetao", "sigma0", at),
        Case("point", "point glorys-mesh 2-D", f"{m}/data/point", "zos", mld, at),
        Case("area", "area glorys whole", f"{g}/data/area", "thetao", "sigma0", whole),
        Case("area", "area glorys whole 2-D", f"{g}/data/area", "zos", mld, whole),
        Case("area", "area glorys-mesh whole", f"{m}/data/area", "thetao", "sigma0", whole),
        Case("map", "map plot glorys", f"{g}/plots/map", "thetao", "sigma0", same),
        Case("map", "map plot glorys 2-D", f"{g}/plots/map", "zos", mld, same),
        Case("map", "map plot glorys-mesh", f"{m}/plots/map", "thetao", "sigma0", same),
        Case("tile", "tile glorys", f"{g}/tiles/{TILE}", "thetao", "sigma0", same),
        Case("tile", "tile glorys 2-D", f"{g}/tiles/{TILE}", "zos", mld, same),
        Case("tile", "tile glorys-mesh", f"{m}/tiles/{TILE}", "thetao", "sigma0", same),
    ]


def timed(client: httpx.Client, path: str, params: Params) -> float:
    """Seconds for one request, answered 200 in full."""
    began = time.perf_counter()
    response = client.get(f"{D}/{path}", params=params)
    elapsed = time.perf_counter() - began
    assert response.status_code == 200, response.text
    return elapsed


def measure(client: httpx.Client, case: Case, runs: int) -> tuple[list[float], list[float]]:
    """(plain, derived) seconds of ``runs`` alternating requests each, after a warm-up."""
    for k in range(3):
        for name in (case.plain, case.derived):
            timed(client, case.path, {**case.params(k), **names(case, name)})
    plain: list[float] = []
    derived: list[float] = []
    for k in range(runs):
        first, second = (plain, derived) if k % 2 == 0 else (derived, plain)
        for times in (first, second):
            name = case.plain if times is plain else case.derived
            times.append(timed(client, case.path, {**case.params(k), **names(case, name)}))
    return plain, derived


def measure_loaded(
    base_url: str, case: Case, runs: int, clients: int
) -> tuple[list[float], list[float]]:
    """``measure`` by ``clients`` concurrent clients at once, each on its own connection, their
    times pooled: the cost under load, with the worker pools and the event loop shared."""

    def one(_: int) -> tuple[list[float], list[float]]:
        with httpx.Client(base_url=base_url, timeout=120) as client:
            return measure(client, case, runs)

    with ThreadPoolExecutor(clients) as pool:
        parts = list(pool.map(one, range(clients)))
    return [t for p, _ in parts for t in p], [t for _, d in parts for t in d]


def names(case: Case, name: str) -> Params:
    """Data queries name ``variables``, plots and tiles ``variable``."""
    return {"variables": name} if "/data/" in case.path else {"variable": name}


def p99(values: list[float]) -> float:
    return float(np.percentile(values, 99))


def table(
    results: list[tuple[Case, list[float], list[float]]], runs: int, clients: int = 1
) -> list[str]:
    """The report: one row per case, times in ms."""
    load = f", {clients} concurrent clients" if clients > 1 else ""
    lines = [
        f"Derived (TEOS-10) against plain variables, {runs} alternating warm runs each{load}; ms",
        "",
        f"{'case':<24}{'plain':>8}{'median':>8}{'p99':>8}  {'derived':<17}{'median':>8}"
        f"{'p99':>8}{'ratio':>7}",
    ]
    for case, plain, derived in results:
        pm, dm = statistics.median(plain) * 1000, statistics.median(derived) * 1000
        lines.append(
            f"{case.label:<24}{case.plain:>8}{pm:8.2f}{p99(plain) * 1000:8.2f}  "
            f"{case.derived:<17}{dm:8.2f}{p99(derived) * 1000:8.2f}{dm / pm:7.2f}"
        )
    return lines


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="requests of each kind per case")
    parser.add_argument(
        "--only", nargs="*", choices=["point", "area", "map", "tile"], help="these kinds only"
    )
    parser.add_argument(
        "--clients", type=int, default=1, help="concurrent clients (each makes --runs of each)"
    )
    return parser


def run(args: argparse.Namespace) -> list[str]:
    """Start the server, measure every case asked for, stop it; the report's lines."""
    chosen = [c for c in cases() if not args.only or c.kind in args.only]
    env = {"OCEANAPI_PLOT__CACHE_BYTES": "0"}  # every plot and tile drawn, none replayed
    process, port, _ = start("api.main:create_app", env=env, output=subprocess.DEVNULL)
    results = []
    try:
        base_url = f"http://127.0.0.1:{port}"
        for case in chosen:
            results.append((case, *measure_loaded(base_url, case, args.runs, args.clients)))
    finally:
        stop(process)
    return [*table(results, args.runs, args.clients), "", *NOTES]


def main() -> None:
    print("\n".join(run(parser().parse_args())))


if __name__ == "__main__":
    main()
