"""The query engine per grid kind, in this process: regular (ERSST, GLORYS), curvilinear (GIOPS)
and UGRID mesh (glorys-mesh, the GLORYS cells as mesh nodes) side by side.

For each dataset: a nearest and a linear point at random places in the water, a transect of
200 samples, the whole-dataset area (the largest box), and the map a plot worker draws
(800 x 600, PNG). Medians (and p90) of --repeat runs, after one warm-up run of each; the
GLORYS grid and its mesh hold the same values, so their ratio is the cost of the mesh kind.
Prints figures; never fails on a time.

    .venv/bin/python -m bench.grids [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from catalog import query
from catalog.dataset import OpenDataset
from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.figure import encode
from plotting.types import map as map_type
from schemas.params import parse_depth

CATALOG = Path(__file__).resolve().parent.parent / "samples" / "catalog.yaml"
CASES = {  # dataset: (variable, path, depth)
    "ersst-v5": ("sst", [(-170.0, 0.0), (-100.0, 0.0)], None),
    "glorys": ("thetao", [(-15.0, 48.0), (5.0, 62.0)], "100"),
    "glorys-mesh": ("thetao", [(-15.0, 48.0), (5.0, 62.0)], "100"),
    "giops": ("votemper", [(-160.0, 5.0), (-140.0, 15.0)], "100"),
}


def timed(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and p90 in milliseconds, after one warm-up run."""
    run()
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        run()
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times), float(np.percentile(times, 90))


def places(opened: OpenDataset, variable: str, count: int) -> list[tuple[float, float]]:
    """Random places where the nearest cell of ``variable`` has a value."""
    rng = np.random.default_rng(1)
    west, south, east, north = opened.bbox or (-180.0, -90.0, 180.0, 90.0)
    east = east + 360.0 if east < west else east
    found: list[tuple[float, float]] = []
    while len(found) < count:
        lon = float((rng.uniform(west, east) + 180.0) % 360.0 - 180.0)
        lat = float(rng.uniform(south, north))
        try:
            result = query.point(opened, [variable], lon, lat)
        except Exception:  # outside a curvilinear footprint
            continue
        if np.isfinite(result.data[variable].values):
            found.append((lon, lat))
    return found


def measure(
    opened: OpenDataset,
    variable: str,
    path: list[tuple[float, float]],
    depth_text: str | None,
    repeat: int,
) -> dict[str, tuple[float, float]]:
    """Median and p90 (ms) of each query family and of the map, on one dataset."""
    depth = parse_depth(depth_text) if depth_text else None
    cycle = iter(places(opened, variable, 20) * (repeat + 2) * 2)
    bbox = opened.bbox or (-180.0, -90.0, 180.0, 90.0)
    params = map_type.MapParams(variable=variable, depth=depth_text)

    def nearest() -> object:
        lon, lat = next(cycle)
        return query.point(opened, [variable], lon, lat, None, depth)

    def linear() -> object:
        lon, lat = next(cycle)
        return query.point(opened, [variable], lon, lat, None, depth, "linear")

    def transect() -> object:
        return query.transect(opened, [variable], path, 200, None, depth)

    def area() -> object:
        return query.area(opened, [variable], bbox, None, depth)

    def map_png() -> object:
        return encode(map_type.render(RenderContext(opened, 2_000_000), params), "png")

    return {
        "nearest": timed(nearest, repeat),
        "linear": timed(linear, repeat),
        "transect": timed(transect, repeat),
        "area": timed(area, repeat),
        "map": timed(map_png, max(5, repeat // 3)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    catalog = Catalog(CATALOG)
    rows = []
    for dataset, (variable, path, depth_text) in CASES.items():
        with catalog.reading(dataset) as opened:
            figures = measure(opened, variable, path, depth_text, args.repeat)
            bbox = opened.bbox or (-180.0, -90.0, 180.0, 90.0)
            depth = parse_depth(depth_text) if depth_text else None
            cells = query.area(opened, [variable], bbox, None, depth).selection["cells"]
            rows.append((dataset, opened.grid_kind, cells, figures))
    print(f"engine per grid kind, this process, medians (p90) in ms of {args.repeat} runs")
    names = ["nearest", "linear", "transect", "area", "map"]
    print(f"{'dataset':<12} {'kind':<12} {'cells':>7} " + " ".join(f"{n:>16}" for n in names))
    for dataset, kind, cells, figures in rows:
        cols = " ".join(f"{figures[n][0]:>8.2f} ({figures[n][1]:>5.1f})" for n in names)
        print(f"{dataset:<12} {kind or '':<12} {cells:>7} {cols}")
    grid = next(f for d, _, _, f in rows if d == "glorys")
    mesh = next(f for d, _, _, f in rows if d == "glorys-mesh")
    ratios = ", ".join(f"{n} {mesh[n][0] / grid[n][0]:.2f}" for n in names)
    print(f"glorys-mesh / glorys (same values, mesh kind vs regular): {ratios}")


if __name__ == "__main__":
    main()
