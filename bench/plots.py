"""Plot latency and throughput per type (1 worker and N), and the proof the design works:
metadata latency while 2 x N maps render, beside the same load rendered (a) inline in an
``async def`` handler and (b) in the request thread pool.

The server is ``uvicorn --factory bench.plots:create_bench_app``: the service plus two
bench-only routes that draw the same map in the API process. The image cache is off
(OCEANAPI_PLOT__CACHE_SECONDS=0) and every plot request carries a unique title, so each one is
a real render. Prints figures; never fails on a time.

    .venv/bin/python bench/plots.py [--requests 12] [--seconds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import time
from pathlib import Path

import httpx2 as httpx
from fastapi import FastAPI
from fastapi.responses import Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.main import create_app
from bench.metadata import start, stop
from plotting.common import RenderContext
from plotting.figure import encode
from plotting.types import PLOT_TYPES

CASES = {
    "map": "/api/v1/datasets/ersst-v5/plots/map",
    "map-curvilinear": "/api/v1/datasets/giops/plots/map",
    "transect": "/api/v1/datasets/glorys/plots/transect?path=-15,48;5,62",
    "profile": "/api/v1/datasets/glorys/plots/profile?lon=-10&lat=50",
    "timeseries": "/api/v1/datasets/ersst-v5/plots/timeseries?lon=-140&lat=0",
    "hovmoller": "/api/v1/datasets/ersst-v5/plots/hovmoller?path=-170,0;-100,0",
    "colorbar": "/api/v1/datasets/ersst-v5/plots/colorbar",
}
MAP = "/api/v1/datasets/ersst-v5/plots/map"
METADATA = "/api/v1/datasets"
_unique = itertools.count()


def create_bench_app() -> FastAPI:
    """The service plus /bench/inline-map (async def) and /bench/thread-map (def)."""
    app = create_app()
    plot_type = PLOT_TYPES["map"]

    def draw(title: str) -> bytes:
        opened = app.state.catalog.dataset("ersst-v5")
        params = plot_type.params.model_validate({"title": title})
        return encode(plot_type.render(RenderContext(opened, 2_000_000), params), "png")

    async def inline_map(title: str = "") -> Response:
        return Response(draw(title), media_type="image/png")

    def thread_map(title: str = "") -> Response:
        return Response(draw(title), media_type="image/png")

    app.add_api_route("/bench/inline-map", inline_map, include_in_schema=False)
    app.add_api_route("/bench/thread-map", thread_map, include_in_schema=False)
    return app


def unique(url: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}title=bench-{next(_unique)}"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def latency(client: httpx.AsyncClient, url: str, n: int) -> list[float]:
    out = []
    await client.get(unique(url))  # warm
    for _ in range(n):
        began = time.perf_counter()
        response = await client.get(unique(url))
        assert response.status_code == 200, response.text
        out.append((time.perf_counter() - began) * 1000)
    return out


async def throughput(client: httpx.AsyncClient, url: str, n: int, concurrency: int) -> float:
    queue = iter(range(n))

    async def worker() -> None:
        for _ in queue:
            response = await client.get(unique(url))
            assert response.status_code == 200

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return n / (time.perf_counter() - began)


async def metadata_under(
    client: httpx.AsyncClient, load: str | None, renders: int, seconds: float
) -> tuple[float, float, int]:
    """p50/p99 ms of GET /api/v1/datasets while ``renders`` clients loop on ``load``."""
    stop_at = time.perf_counter() + seconds
    done = 0

    async def render_loop() -> None:
        nonlocal done
        while time.perf_counter() < stop_at:
            response = await client.get(unique(load or ""), timeout=120)
            if response.status_code == 200:
                done += 1

    loops = [asyncio.create_task(render_loop()) for _ in range(renders if load else 0)]
    await asyncio.sleep(0.3 if load else 0)
    samples = []
    while time.perf_counter() < stop_at:
        began = time.perf_counter()
        response = await client.get(METADATA, timeout=120)
        assert response.status_code == 200
        samples.append((time.perf_counter() - began) * 1000)
        await asyncio.sleep(0.01)
    await asyncio.gather(*loops)
    return statistics.median(samples), pct(samples, 99), done


async def run_types(port: int, workers: int, n: int) -> None:
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=120, limits=limits
    ) as client:
        for name, url in CASES.items():
            lat = await latency(client, url, n)
            rate = await throughput(client, url, n * 2, 2 * workers)
            print(
                f"  {name:16} workers={workers}  p50 {statistics.median(lat):6.0f} ms  "
                f"p90 {pct(lat, 90):6.0f} ms  throughput {rate:5.1f} plots/s"
            )


async def run_isolation(port: int, workers: int, seconds: float) -> None:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=120, limits=httpx.Limits(max_connections=64)
    ) as client:
        idle = await metadata_under(client, None, 0, seconds / 2)
        print(f"  idle                     metadata p50 {idle[0]:7.1f} ms  p99 {idle[1]:7.1f} ms")
        for label, url in (
            ("process pool (ours)", MAP),
            ("(a) inline async def", "/bench/inline-map"),
            ("(b) thread pool def", "/bench/thread-map"),
        ):
            p50, p99, done = await metadata_under(client, url, 2 * workers, seconds)
            print(
                f"  {label:24} metadata p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
                f"(x{p50 / idle[0]:5.1f} / x{p99 / idle[1]:5.1f} of idle; {done} maps drawn)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    os.environ["OCEANAPI_PLOT__CACHE_SECONDS"] = "0"
    os.environ["OCEANAPI_LOG_LEVEL"] = "WARNING"
    print(
        f"Per plot type, warm, cache off ({args.requests} sequential for latency; "
        f"{2 * args.requests} with 2 x workers clients for throughput):"
    )
    for workers in sorted({1, cores}):
        os.environ["OCEANAPI_PLOT__WORKERS"] = str(workers)
        process, port, ready = start("bench.plots:create_bench_app")
        print(f" {workers} worker(s): ready in {ready:.2f} s")
        try:
            asyncio.run(run_types(port, workers, args.requests))
        finally:
            stop(process)
    os.environ["OCEANAPI_PLOT__WORKERS"] = str(cores)
    print(f"\nGET {METADATA} while {2 * cores} clients keep maps rendering ({cores} workers):")
    process, port, _ = start("bench.plots:create_bench_app")
    try:
        asyncio.run(run_isolation(port, cores, args.seconds))
    finally:
        stop(process)


if __name__ == "__main__":
    main()
