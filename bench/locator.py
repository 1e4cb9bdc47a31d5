"""What a transect's locator map costs: the GLORYS transect (800x600 PNG) rendered in-process with
its locator and with the locator axes removed, alternately, after a warm-up; p50 and p90 of each.
Prints figures; never fails on a time.

    .venv/bin/python -m bench.locator [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matplotlib.axes import Axes

from api.settings import DEFAULT_CATALOG
from catalog.store import Catalog
from plotting import basemap
from plotting.common import RenderContext
from plotting.figure import encode
from plotting.types import PLOT_TYPES, transect

CASES = {
    "glorys -15,48;5,62": ("glorys", "-15,48;5,62"),
    "giops -160,5;-140,15": ("giops", "-160,5;-140,15"),
}


def _no_locator(ax: Axes, *_: Any) -> None:
    ax.remove()  # the section, its colour bar and titles as before the locator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    catalog = Catalog(DEFAULT_CATALOG)
    catalog.open_all()
    basemap.preload()  # as a warm worker has
    plot_type = PLOT_TYPES["transect"]
    with_locator = transect.draw_locator
    for label, (dataset, path) in CASES.items():
        ctx = RenderContext(catalog.dataset(dataset), 2_000_000)
        params = plot_type.params.model_validate({"path": path})
        times: dict[str, list[float]] = {"with": [], "without": []}
        for k in range(rounds + 1):
            for variant in ("with", "without") if k % 2 else ("without", "with"):
                transect.draw_locator = with_locator if variant == "with" else _no_locator
                begin = time.perf_counter()
                encode(plot_type.render(ctx, params), "png")
                if k:  # the first round warms caches
                    times[variant].append((time.perf_counter() - begin) * 1000)
        transect.draw_locator = with_locator
        p50 = {v: statistics.median(t) for v, t in times.items()}
        p90 = {v: statistics.quantiles(t, n=10)[-1] for v, t in times.items()}
        print(
            f"transect {label}, 800x600 PNG, {rounds} renders each: "
            f"with locator p50 {p50['with']:.0f} ms (p90 {p90['with']:.0f}), "
            f"without p50 {p50['without']:.0f} ms (p90 {p90['without']:.0f}), "
            f"locator +{p50['with'] - p50['without']:.0f} ms "
            f"({p50['with'] / p50['without'] - 1:+.0%})"
        )


if __name__ == "__main__":
    main()
