"""Each plot type beside its in-process floor: the simplest figure that draws the same data.

The floor of a map is a ``Figure`` with ``imshow`` of the same field (``pcolormesh`` for a
curvilinear grid) and a colour bar; of a transect or Hovmöller, ``pcolormesh`` of the same
section and a colour bar; of a profile or time series, one line. Both are encoded as PNG at
zlib level 1, at the same size, in this process, alternately (one plot, one floor, ...), after
warm-up runs of each. The plot's time includes its data query (as a worker does it); the floor
gets the queried values for free, so the ratio is what the plot's query, layout, land,
graticule, labels and text cost over the bare drawing. Prints p50 and p99 and the ratio of the
p50s; never fails on a time.

    .venv/bin/python -m bench.map_floor [--runs 30] [--only map-ersst-800x400] [--cpu] [--profile]

``--profile`` prints the cProfile of the first case's plot render (top 25 by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from catalog import query
from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.drawing import corners
from plotting.figure import encode
from plotting.types import PLOT_TYPES

CATALOG = Path(__file__).resolve().parent.parent / "samples" / "catalog.yaml"
MAX_VALUES = 2_000_000

# name: (plot type, dataset, parameters, floor kind)
CASES: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "map-ersst-800x400": ("map", "ersst-v5", {"width": 800, "height": 400}, "image"),
    "map-ersst-800x600": ("map", "ersst-v5", {"width": 800, "height": 600}, "image"),
    "map-glorys": ("map", "glorys", {"width": 800, "height": 600}, "image"),
    "map-wcofs": ("map", "wcofs", {"width": 800, "height": 600}, "mesh"),
    "transect-glorys": ("transect", "glorys", {"path": "-15,48;5,62"}, "section"),
    "hovmoller-ersst": ("hovmoller", "ersst-v5", {"path": "-170,0;-100,0"}, "section"),
    "profile-glorys": ("profile", "glorys", {"lon": [-10.0], "lat": [50.0]}, "line"),
    "timeseries-ersst": ("timeseries", "ersst-v5", {"lon": -140.0, "lat": 0.0}, "line"),
}


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def floor_data(catalog: Catalog, case: tuple[str, str, dict[str, Any], str]) -> Any:
    """The values the floor draws: queried once, outside the timing."""
    kind, dataset, params, _ = case
    with catalog.reading(dataset) as opened:
        name = next(iter(opened.variables))
        if kind == "map":
            bbox = opened.bbox
            assert bbox is not None
            result = query.area(opened, [name], bbox, max_cells=400_000, max_values=MAX_VALUES)
            info = opened.resolve([name])[0]
            return info.grid.drawing(result.data[name])
        if kind in ("transect", "hovmoller"):
            path = [tuple(map(float, v.split(","))) for v in params["path"].split(";")]
            if kind == "transect":
                result = query.transect(opened, [name], path, 200, None, None)
                return result.data[name].transpose("depth", "distance").values
            result = query.hovmoller(opened, name, path, 200, None, None, None)
            return result.data[name].transpose("time", "distance").values
        if kind == "profile":
            result = query.profile(opened, [name], params["lon"][0], params["lat"][0], None)
            return result.data[name].values, result.data["depth"].values
        result = query.timeseries(opened, [name], params["lon"], params["lat"], None, None)
        return result.data["time"].values, result.data[name].values


def floor_render(data: Any, floor: str, width: int, height: int) -> bytes:
    """The simplest figure drawing the same data, encoded as the service encodes."""
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    ax = fig.add_subplot()
    if floor == "image":
        values = np.ma.masked_invalid(data.values)
        mappable = ax.imshow(values, origin="lower", interpolation="nearest", aspect="auto")
        fig.colorbar(mappable, ax=ax)
    elif floor == "mesh":
        values = np.ma.masked_invalid(data.values)
        mappable = ax.pcolormesh(corners(data.lon), corners(data.lat), values, shading="flat")
        fig.colorbar(mappable, ax=ax)
    elif floor == "section":
        mappable = ax.pcolormesh(np.ma.masked_invalid(data))
        fig.colorbar(mappable, ax=ax)
    else:
        ax.plot(*data)
    return encode(fig, "png")


def plot_render(catalog: Catalog, kind: str, dataset: str, params: dict[str, Any]) -> bytes:
    """The service's render of the plot, query included, encoded."""
    plot_type = PLOT_TYPES[kind]
    with catalog.reading(dataset) as opened:
        fig = plot_type.render(
            RenderContext(opened, MAX_VALUES), plot_type.params.model_validate(params)
        )
    return encode(fig, "png")


def alternate(
    plot: Callable[[], bytes], floor: Callable[[], bytes], runs: int, clock: Callable[[], float]
) -> tuple[list[float], list[float]]:
    """Milliseconds of each, run alternately after three warm-up runs of each."""
    for _ in range(3):
        plot()
        floor()
    plots, floors = [], []
    for _ in range(runs):
        for run, out in ((plot, plots), (floor, floors)):
            began = clock()
            run()
            out.append((clock() - began) * 1000)
    return plots, floors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", action="append", choices=list(CASES))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time the process's CPU (time.process_time) instead of the wall clock: steadier "
        "on a machine shared with other work",
    )
    args = parser.parse_args()
    clock = time.process_time if args.cpu else time.perf_counter
    print(f"clock: {'process CPU' if args.cpu else 'wall'}; {args.runs} runs each, alternating")
    catalog = Catalog(CATALOG)
    names = args.only or list(CASES)
    print(
        f"{'case':20} {'size':>9}  {'plot p50':>8} {'p99':>6}  {'floor p50':>9} {'p99':>6}  ratio"
    )
    for name in names:
        kind, dataset, params, floor = CASES[name]
        data = floor_data(catalog, CASES[name])
        png = plot_render(catalog, kind, dataset, params)
        width, height = Image.open(io.BytesIO(png)).size  # a derived size: the floor matches

        def plot(kind: str = kind, dataset: str = dataset, params: Any = params) -> bytes:
            return plot_render(catalog, kind, dataset, params)

        def bare(data: Any = data, floor: str = floor, w: int = width, h: int = height) -> bytes:
            return floor_render(data, floor, w, h)

        if args.profile and name == names[0]:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(10):
                plot()
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
            print(out.getvalue())
        plots, floors = alternate(plot, bare, args.runs, clock)
        p50, f50 = statistics.median(plots), statistics.median(floors)
        print(
            f"{name:20} {width:>4}x{height:<4}  {p50:8.1f} {pct(plots, 99):6.1f}  "
            f"{f50:9.1f} {pct(floors, 99):6.1f}  {p50 / f50:5.2f}x"
        )


if __name__ == "__main__":
    main()
