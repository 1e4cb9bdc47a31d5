"""Load test on loopback: many concurrent clients mixing metadata, point, area and plot requests.

Phase 1 (baseline, same server): one client, requests one at a time, p50 per request class.
Phase 2 (load): ``--clients`` clients for ``--seconds``, each on its own keep-alive connection
and its own address (X-Forwarded-For, which the service trusts from 127.0.0.1), so the per-client
limit applies as it would to real users; a client waits for each answer before sending the next
and honours Retry-After. Plots ask for one of the 128 ERSST months or 12 GIOPS maps at a random
size, so the render cache fills as a real one would. Prints throughput, p50/p99 per class and
every non-200 by status; the only failures allowed are 503s with Retry-After (admission
control): anything else is listed and the exit status is 1.
Phase 3 (memory): a fresh server without worker recycling (MAX_TASKS=0); resident size of the
server and of its workers after 100 and after 1,000 distinct renders.

    .venv/bin/python -m bench.load [--clients 100] [--seconds 60] [--plots 1000]

Never fails on a time. Runs the server with JSON access logs to a temporary file (counted).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.request import urlopen

import psutil

from bench.metadata import start, stop

D = "/api/v1/datasets"
WEIGHTS = {"metadata": 40, "point": 30, "area": 20, "plot": 10}
CLASSES, WEIGHTS_LIST = list(WEIGHTS), list(WEIGHTS.values())
ERSST_MONTHS = [f"{2010 + m // 12}-{m % 12 + 1:02d}-01" for m in range(128)]


def request_for(kind: str, rng: random.Random) -> str:
    """A realistic request of the class: places in the sea, months in the data."""
    if kind == "metadata":
        return rng.choice(
            [
                D,
                f"{D}/ersst-v5",
                f"{D}/glorys/variables",
                f"{D}/giops/depths",
                f"{D}/ersst-v5/times?limit=100",
                "/api/v1/plot-types",
                "/edr/collections",
            ]
        )
    if kind == "point":
        if rng.random() < 0.5:
            lon, lat = rng.uniform(-170, -120), rng.uniform(-30, 30)  # Pacific
            time_ = rng.choice(ERSST_MONTHS)
            return f"{D}/ersst-v5/data/point?lon={lon:.2f}&lat={lat:.2f}&time={time_}"
        lon, lat = rng.uniform(-15, 0), rng.uniform(47, 60)
        return f"{D}/glorys/data/point?lon={lon:.2f}&lat={lat:.2f}&variables=thetao,so"
    if kind == "area":
        west, south = rng.uniform(-170, -130), rng.uniform(-40, 20)
        box = f"{west:.1f},{south:.1f},{west + 20:.1f},{south + 20:.1f}"
        return f"{D}/ersst-v5/data/area?bbox={box}&time={rng.choice(ERSST_MONTHS)}"
    width, height = rng.choice([(400, 300), (800, 600)])
    if rng.random() < 0.8:
        return (
            f"{D}/ersst-v5/plots/map?time={rng.choice(ERSST_MONTHS)}&width={width}&height={height}"
        )
    return (
        f"{D}/giops/plots/map?depth={rng.choice([0, 50, 100, 200])}&width={width}&height={height}"
    )


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    busy_without_retry_after: int = 0


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, client_ip: str
) -> tuple[int, dict[bytes, bytes], bytes]:
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: {client_ip}\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return status, headers, body


async def _client(
    port: int, number: int, deadline: float, results: Results, kinds: list[str] | None
) -> None:
    rng = random.Random(number)
    client_ip = f"198.51.100.{number % 250 + 1}"  # documentation addresses, in a header only
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        sent = 0
        while time.perf_counter() < deadline:
            kind = kinds[sent % len(kinds)] if kinds else rng.choices(CLASSES, WEIGHTS_LIST)[0]
            sent += 1
            path = request_for(kind, rng)
            began = time.perf_counter()
            try:
                status, headers, body = await _exchange(reader, writer, path, client_ip)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                results.unexpected.append(f"connection lost: {path}")
                continue
            results.latencies[kind].append(time.perf_counter() - began)
            results.statuses[kind, status] += 1
            if status == 503 and b"retry-after" in headers:
                await asyncio.sleep(min(float(headers[b"retry-after"]), 2.0))
            elif status == 503:
                results.busy_without_retry_after += 1
            elif status != 200:
                results.unexpected.append(f"{status} {path}: {body[:200]!r}")
    finally:
        writer.close()


async def _run(
    port: int, clients: int, seconds: float, kinds: list[str] | None = None
) -> tuple[Results, float]:
    results = Results()
    began = time.perf_counter()
    deadline = began + seconds
    await asyncio.gather(*(_client(port, n, deadline, results, kinds) for n in range(clients)))
    return results, time.perf_counter() - began


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The service as ``bench.metadata.start`` runs it (httptools, uvloop), logging to ``log``."""
    with log.open("ab") as sink:
        process, port, _ = start("api.main:create_app", env, sink)
    return process, port


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def rss_mib(process: subprocess.Popen[bytes]) -> tuple[float, float, int]:
    """(server MiB, workers and fork server MiB, number of child processes)."""
    server = psutil.Process(process.pid)
    children = server.children(recursive=True)
    child_rss = sum(c.memory_info().rss for c in children if c.is_running())
    return server.memory_info().rss / 2**20, child_rss / 2**20, len(children)


def cpu_seconds(process: subprocess.Popen[bytes]) -> tuple[float, float]:
    """CPU seconds (user + system) of the server process and of its children so far."""
    server = psutil.Process(process.pid)
    own = server.cpu_times()
    children = 0.0
    for child in server.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            children += times.user + times.system
    return own.user + own.system, children


def metric(port: int, name: str) -> float:
    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return float("nan")


def load_phases(args: argparse.Namespace, log: Path) -> bool:
    process, port = serve({}, log)
    try:
        print(f"\nbaseline: 1 client, {args.baseline_seconds:g} s per class, same server")
        baseline: dict[str, float] = {}
        for kind in WEIGHTS:
            results, _ = asyncio.run(_run(port, 1, args.baseline_seconds, [kind]))
            baseline[kind] = statistics.median(results.latencies[kind]) * 1000
        print(f"\nload: {args.clients} clients for {args.seconds:g} s (mix {WEIGHTS})")
        before = cpu_seconds(process)
        generator_before = time.process_time()
        results, elapsed = asyncio.run(_run(port, args.clients, args.seconds))
        server_cpu, workers_cpu = (b - a for a, b in zip(before, cpu_seconds(process), strict=True))
        generator_cpu = time.process_time() - generator_before
        total = sum(len(v) for v in results.latencies.values())
        print(f"  throughput {total / elapsed:,.0f} requests/s ({total:,} in {elapsed:.1f} s)")
        print(
            f"  {'class':<9} {'n':>7} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8}"
            f" {'alone p50':>10} {'p50 ratio':>10}  answers"
        )
        for kind in WEIGHTS:
            values = results.latencies[kind]
            answers = ", ".join(
                f"{status}: {n}" for (k, status), n in sorted(results.statuses.items()) if k == kind
            )
            p50, p99 = ms(values, 0.5), ms(values, 0.99)
            print(
                f"  {kind:<9} {len(values):>7,} {len(values) / elapsed:>7.1f} {p50:>8.1f}"
                f" {p99:>8.1f} {baseline[kind]:>10.1f} {p50 / baseline[kind]:>9.1f}x  {answers}"
            )
        cache_hits, renders = (
            metric(port, "oceanapi_plot_cache_hits_total"),
            metric(port, "oceanapi_plot_renders_total"),
        )
        print(f"  plots: {renders:.0f} rendered, {cache_hits:.0f} from the cache")
        print(
            f"  CPU during the load: server {server_cpu / elapsed:.0%} of a core, workers "
            f"{workers_cpu / elapsed:.0%}, this load generator {generator_cpu / elapsed:.0%}"
        )
        server, workers, children = rss_mib(process)
        print(f"  resident after: server {server:.0f} MiB, {children} children {workers:.0f} MiB")
    finally:
        stop(process)
    lines = sum(1 for _ in log.open("rb"))
    print(f"  log: {lines:,} JSON lines written")
    busy = sum(n for (_, status), n in results.statuses.items() if status == 503)
    print(f"  503 with Retry-After: {busy}; 503 without: {results.busy_without_retry_after}")
    print(f"  unexpected answers: {len(results.unexpected)}")
    for line in results.unexpected[:20]:
        print(f"    {line}")
    return not results.unexpected and not results.busy_without_retry_after


async def draw_maps(port: int, start: int, count: int, concurrency: int) -> float:
    """Draw ``count`` distinct ERSST maps (unique titles), ``concurrency`` at a time: plots/s."""
    queue = iter(range(start, start + count))

    async def worker(number: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for k in queue:
                path = f"{D}/ersst-v5/plots/map?time={ERSST_MONTHS[k % 128]}&title=render-{k}"
                status, _, _ = await _exchange(reader, writer, path, f"203.0.113.{number + 1}")
                if status != 200:
                    raise RuntimeError(f"plot {k}: {status}")
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return count / (time.perf_counter() - began)


def memory_phase(args: argparse.Namespace, log: Path) -> None:
    process, port = serve({"OCEANAPI_PLOT__MAX_TASKS": "0"}, log)
    try:
        print("\nmemory: distinct 800x600 maps, 4 at a time, workers never recycled")
        print(f"  {'renders':>8} {'server MiB':>11} {'workers MiB':>12} {'cache MiB':>10}")
        done = 0
        for target in sorted({0, min(100, args.plots), args.plots}):
            asyncio.run(draw_maps(port, done, target - done, 4))
            done = target
            server, workers, _ = rss_mib(process)
            cache = metric(port, "oceanapi_plot_cache_bytes") / 2**20
            print(f"  {done:>8,} {server:>11.0f} {workers:>12.0f} {cache:>10.1f}")
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline-seconds", type=float, default=3.0)
    parser.add_argument("--plots", type=int, default=1000)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "service.log"
        ok = load_phases(args, log)
        if not args.skip_memory:
            memory_phase(args, log)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
