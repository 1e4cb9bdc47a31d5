"""What each map projection costs: in-process render + PNG encode (as a plot worker does), p50
of N runs after a warm-up, beside plate carrée (the plain-axes path) for the same map.

ERSST global at 800 x 400 (the polar views at 600 x 600: a disc), and the regional GLORYS map
(its whole box) at 800 x 600. Prints figures; never fails on a time.

    .venv/bin/python bench/projections.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.settings import DEFAULT_CATALOG
from catalog.store import Catalog
from plotting.common import RenderContext
from plotting.figure import encode
from plotting.projections import NAMES
from plotting.types import map as map_type

POLAR = ("north-polar-stereo", "south-polar-stereo")
CASES = {
    "ersst-v5": lambda name: (600, 600) if name in POLAR else (800, 400),
    "glorys": lambda name: (800, 600),
}


def timed(context: RenderContext, params: dict[str, object]) -> float:
    """Milliseconds of one render + encode."""
    model = map_type.MapParams.model_validate(params)
    began = time.perf_counter()
    encode(map_type.render(context, model), "png")
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    catalog = Catalog(DEFAULT_CATALOG)
    for dataset, size in CASES.items():
        print(f"{dataset}: map, render + PNG encode in process, p50 of {runs} after a warm-up,")
        print("  each projection's runs alternating with plate carree's (the machine is shared)")
        with catalog.reading(dataset) as opened:
            context = RenderContext(opened, 2_000_000)
            for name in NAMES[1:]:
                width, height = size(name)
                plain = {"width": width, "height": height}
                projected = {**plain, "projection": name}
                timed(context, plain), timed(context, projected)  # warm-up
                pairs = [(timed(context, plain), timed(context, projected)) for _ in range(runs)]
                base = statistics.median(p for p, _ in pairs)
                took = statistics.median(q for _, q in pairs)
                print(
                    f"  {name:20} {width}x{height}  p50 {took:6.0f} ms  "
                    f"plate-carree {base:6.0f} ms  {took / base:4.2f}x"
                )


if __name__ == "__main__":
    main()
