"""Large data queries: metadata latency beside them, memory, throughput, latency path, cancel.

Data queries route by size: small ones are answered in the API process, large ones (estimated
above OCEANAPI_DATA__INLINE_MAX_VALUES) in data worker processes that spool the body to a file
the API streams. "Routing off" is OCEANAPI_DATA__INLINE_MAX_VALUES=2000000: all in-process.

1. GET /api/v1/datasets p50/p99 from one probe client, idle and while 2, 4 and 8 clients (each
   its own X-Forwarded-For address) loop the heavy mix (``heavy_mix``), routing on and off side
   by side; heavy answers per second and answers by status per level (503s honour Retry-After).
2. The largest ERSST cube the value limit allows (1,958,400 values) as NetCDF, CoverageJSON,
   CSV and GeoJSON on a fresh server: median first/last byte of --runs runs, body size, peak RSS
   growth of the server process and of its largest child (the data worker that answered) from
   a 5 ms sampling thread and the kernel's VmHWM (reset through /proc/PID/clear_refs, if
   permitted); routing on, then off.
3. Heavy-mix answers per second with 4 clients, OCEANAPI_DATA__WORKERS=1 beside =2.
4. Point and time-series p50 over sequential keep-alive requests beside xarray on the sample.
5. Disconnect: a raw socket sends the GeoJSON cube and closes 0.3 s later; seconds until
   /metrics shows no data job running and one more cancelled.

    .venv/bin/python -m bench.data_load [--seconds 20] [--runs 3] [--repeat 200]

Four servers (start-up takes ~20 s each): routing on (fresh for 2, then 4, 5 and 1), routing
off (fresh for 2, then 1), and one per worker count for 3. Progress goes to stderr as it comes,
the report to stdout in section order. Bodies are read in chunks and dropped. MB = 10^6 bytes.
Never fails on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.request import urlopen

import psutil
import xarray as xr

from bench.data import SAMPLE, median_ms
from bench.load import ms, rss_mib, serve
from bench.metadata import stop

D = "/api/v1/datasets"
CUBE = "/edr/collections/ersst-v5/cube?bbox=-180,-80,180,88&datetime=2010-01-01/2020-08-01"
FORMATS = ("NetCDF", "CoverageJSON", "CSV", "GeoJSON")
ROUTING_OFF = {"OCEANAPI_DATA__INLINE_MAX_VALUES": "2000000"}
TRANSECT = "path=-160,2;-150,10;-140,18&n=2000"  # GIOPS is a north-east Pacific grid
LEVELS = (0, 2, 4, 8)  # heavy clients beside the probe; 0 is idle
CHUNK = 1 << 20
MB = 1e6
DESC = re.compile(r'desc="(\w+)"')


def heavy_mix(giops_first: str) -> list[str]:
    area = f"{D}/giops/data/area?bbox=-180,-90,180,90"
    return [
        f"{area}&f=json",
        f"{area}&f=csv",
        f"{area}&f=covjson",
        f"{D}/glorys/data/area?bbox=-20,40,10,75&variables=current,thetao,so",
        f"{D}/giops/data/transect?{TRANSECT}",
        f"{D}/giops/data/transect?{TRANSECT}&f=csv",
        f"/edr/collections/giops/cube?bbox=-180,-90,180,90&datetime={giops_first}/.."
        "&z=0/6000&f=CoverageJSON",
        f"{CUBE}&f=CoverageJSON",
    ]


def metrics(port: int) -> dict[str, float]:
    """The unlabelled samples of /metrics."""
    with urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        lines = response.read().decode().splitlines()
    return {
        name: float(value)
        for name, _, value in (line.partition(" ") for line in lines)
        if value and not name.startswith("#") and "{" not in name
    }


def wait_idle(port: int, timeout: float = 120.0) -> None:
    """Until only this /metrics request is in flight and no data job is queued or running."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        now = metrics(port)
        if now["oceanapi_http_requests_in_progress"] <= 1 and not now["oceanapi_data_queue_depth"]:
            return
        time.sleep(0.05)
    print(f"    (still busy after {timeout:g} s; going on)", file=sys.stderr)


def get(conn: HTTPConnection, path: str) -> tuple[int, str, int, float, float]:
    """(status, where it was computed, body bytes, seconds to first and to last byte)."""
    began = time.perf_counter()
    conn.request("GET", path, headers={"X-Forwarded-For": "203.0.113.9"})
    response = conn.getresponse()
    first = time.perf_counter() - began
    size = 0
    while chunk := response.read(CHUNK):
        size += len(chunk)
    where = DESC.search(response.getheader("Server-Timing") or "")
    return response.status, where[1] if where else "-", size, first, time.perf_counter() - began


# ----------------------------------------------------------------------------- load (1, 3)


@dataclass
class Tally:
    answers: Counter[str] = field(default_factory=Counter)  # "200 worker", "503", ...
    done: int = 0
    unexpected: list[str] = field(default_factory=list)


async def fetch(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, ip: str
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request on a keep-alive connection; the body is read in chunks and dropped (its
    first bytes kept, for error reports)."""
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: {ip}\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    left, excerpt = int(headers.get(b"content-length", b"0")), b""
    while left:
        chunk = await reader.read(min(left, CHUNK))
        if not chunk:
            raise asyncio.IncompleteReadError(excerpt, left)
        excerpt, left = excerpt or chunk[:300], left - len(chunk)
    return int(head[9:12]), headers, excerpt


async def heavy_client(
    port: int, mix: list[str], number: int, offset: int, deadline: float, tally: Tally
) -> None:
    ip = f"198.51.100.{number + 1}"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for k in range(offset, 10**9):
            if time.perf_counter() >= deadline:
                return
            path = mix[k % len(mix)]
            try:
                status, headers, excerpt = await fetch(reader, writer, path, ip)
            except (asyncio.IncompleteReadError, ConnectionError):
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                tally.unexpected.append(f"connection lost: {path}")
                continue
            where = DESC.search(headers.get(b"server-timing", b"").decode())
            if status == 200:
                tally.done += 1
                tally.answers[f"200 {where[1] if where else '?'}"] += 1
            elif status == 503 and b"retry-after" in headers:
                tally.answers["503"] += 1
                await asyncio.sleep(min(float(headers[b"retry-after"]), 2.0))
            else:
                tally.answers[f"{status}{' without Retry-After' * (status == 503)}"] += 1
                tally.unexpected.append(f"{status} {path}: {excerpt[:200]!r}")
    finally:
        writer.close()


async def probe(port: int, deadline: float, latencies: list[float]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            status, _, _ = await fetch(reader, writer, D, "203.0.113.1")
            if status == 200:
                latencies.append(time.perf_counter() - began)
    finally:
        writer.close()


async def _level(
    port: int, mix: list[str], clients: int, seconds: float, with_probe: bool
) -> tuple[list[float], Tally]:
    tally, latencies = Tally(), list[float]()
    deadline = time.perf_counter() + seconds
    tasks = [
        asyncio.create_task(heavy_client(port, mix, n, n * len(mix) // clients, deadline, tally))
        for n in range(clients)
    ]
    await (probe(port, deadline, latencies) if with_probe else asyncio.sleep(seconds))
    for task in tasks:  # answers still on their way at the deadline are not counted
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return latencies, tally


def level(
    port: int, mix: list[str], clients: int, seconds: float, with_probe: bool = True
) -> tuple[list[float], Tally]:
    latencies, tally = asyncio.run(_level(port, mix, clients, seconds, with_probe))
    print(f"    {clients} clients, {seconds:g} s: {answers(tally)}", file=sys.stderr, flush=True)
    wait_idle(port)
    return latencies, tally


def check_mix(port: int, mix: list[str]) -> list[str]:
    """Each request of the mix once: status, where computed, size, time."""
    conn, lines = HTTPConnection("127.0.0.1", port, timeout=300), []
    for path in mix:
        status, where, size, _, last = get(conn, path)
        lines.append(f"    {status} {where:<6} {size / MB:7.2f} MB {last:6.2f} s  {path}")
    conn.close()
    return lines


def answers(tally: Tally) -> str:
    return ", ".join(f"{label}: {n}" for label, n in sorted(tally.answers.items())) or "-"


# ----------------------------------------------------------------------------- memory (2)


def reset_hwm(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def read_hwm(pid: int) -> int | None:
    """The kernel's peak resident size of the process (bytes) since the last reset."""
    with contextlib.suppress(OSError, TypeError):
        status = Path(f"/proc/{pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) * 1024  # type: ignore[index]
    return None


class Peaks(threading.Thread):
    """Peak RSS of the server and of each of its children, sampled every 5 ms from now."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, server = pid, psutil.Process(pid)
        self.procs = {pid: server, **{c.pid: c for c in server.children(recursive=True)}}
        self.base: dict[int, int] = {p: c.memory_info().rss for p, c in self.procs.items()}
        self.peak, self.reset = dict(self.base), {p: reset_hwm(p) for p in self.procs}
        self.children_base = self.children_peak = sum(self.base.values()) - self.base[pid]
        self.done = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.done.wait(0.005):
            children = 0
            for pid, proc in self.procs.items():
                try:
                    rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                self.peak[pid] = max(self.peak[pid], rss)
                children += rss if pid != self.pid else 0
            self.children_peak = max(self.children_peak, children)

    def finish(self) -> list[float | None]:
        """Growths in bytes: server, its VmHWM, largest child (the worker that answered), its
        VmHWM, all children together. A VmHWM is None when it could not be reset or read."""
        self.done.set()
        self.join()
        worker = max((p for p in self.procs if p != self.pid), key=self.growth)
        hwm = {p: read_hwm(p) if self.reset[p] else None for p in (self.pid, worker)}
        server_hwm, worker_hwm = (
            None if (h := hwm[p]) is None else h - self.base[p] for p in (self.pid, worker)
        )
        children = self.children_peak - self.children_base
        return [self.growth(self.pid), server_hwm, self.growth(worker), worker_hwm, children]

    def growth(self, pid: int) -> float:
        return self.peak[pid] - self.base[pid]


def heaviest(
    process: subprocess.Popen[bytes], port: int, runs: int
) -> tuple[list[str], dict[str, float]]:
    """Section 2 on one server: report lines, and the median seconds to last byte per format.
    Memory is the largest growth over the runs (the first, on a fresh server, is the honest one:
    later runs start from memory the allocator kept)."""
    conn, medians = HTTPConnection("127.0.0.1", port, timeout=600), {}
    lines = [
        f"    {'format':<13}{'where':<7}{'first s':>8}{'last s':>7}{'body MB':>8}"
        f"{'server +MB':>11}{'VmHWM':>7}{'x body':>7}{'worker +MB':>11}{'VmHWM':>7}"
        f"{'x body':>7}{'children +MB':>13}"
    ]
    for fmt in FORMATS:
        times, growths = [], []
        for _ in range(runs):
            time.sleep(0.5)  # let the last answer's memory settle
            peaks = Peaks(process.pid)
            status, where, size, first, last = get(conn, f"{CUBE}&f={fmt}")
            times.append((first, last))
            growths.append(peaks.finish())
        first, last = (statistics.median(t) for t in zip(*times, strict=True))
        medians[fmt] = last
        server, server_hwm, worker, worker_hwm, children = (
            None if None in column else max(column) for column in zip(*growths, strict=True)
        )

        def cell(value: float | None, width: int, scale: float = MB, form: str = ".0f") -> str:
            return f"{'n/a' if value is None else format(value / scale, form):>{width}}"

        lines.append(
            f"    {fmt:<13}{where if status == 200 else status:<7}{first:8.2f}{last:7.2f}"
            f"{size / MB:8.1f}{cell(server, 11)}{cell(server_hwm, 7)}{cell(server, 7, size, '.2f')}"
            f"{cell(worker, 11)}{cell(worker_hwm, 7)}{cell(worker, 7, size, '.2f')}"
            f"{cell(children, 13)}"
        )
    conn.close()
    server_mib, children_mib, count = rss_mib(process)
    lines.append(
        f"    resident after: server {server_mib:.0f} MiB, {count} children {children_mib:.0f} MiB"
    )
    return lines, medians


# ------------------------------------------------------------------ latency (4), cancel (5)


def latency_path(port: int, repeat: int) -> list[str]:
    """Median ms of the API over sequential keep-alive requests, and of the same selection with
    xarray on the already open sample (as bench/data.py does it)."""
    ds, conn = xr.open_dataset(SAMPLE), HTTPConnection("127.0.0.1", port, timeout=60)
    rows: list[tuple[str, str, Callable[[], object]]] = [
        (
            "point (-140, 0.5) 2015-12",
            "point?lon=-140&lat=0.5&time=2015-12-01",
            lambda: float(ds.sst.sel(time="2015-12-01").sel(lon=220, lat=0.5, method="nearest")),
        ),
        (
            "time series 2010-2019 at (-140, 0)",
            "timeseries?lon=-140&lat=0&start=2010-01-01&end=2019-12-31",
            lambda: (
                ds.sst.sel(time=slice("2010-01-01", "2019-12-31"))
                .sel(lon=220, lat=0, method="nearest")
                .values
            ),
        ),
    ]
    lines = [f"    {'query':<38}{'API p50 ms':>11}{'xarray ms':>11}{'ratio':>8}"]
    for label, query, baseline in rows:
        path = f"{D}/ersst-v5/data/{query}"
        if get(conn, path)[0] != 200:
            raise RuntimeError(f"not 200: {path}")
        api_ms = median_ms(lambda path=path: get(conn, path), repeat)  # type: ignore[misc]
        xr_ms = median_ms(baseline, repeat)
        lines.append(f"    {label:<38}{api_ms:11.2f}{xr_ms:11.3f}{api_ms / xr_ms:8.1f}")
    conn.close()
    return lines


def disconnect(port: int, times: int) -> list[tuple[float, float]]:
    """(Seconds from closing the socket of a GeoJSON cube to no data job running and one more
    cancelled, data jobs running just before the close)."""
    request = (
        f"GET {CUBE}&f=GeoJSON HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 203.0.113.5\r\n\r\n"
    )
    seconds = []
    for _ in range(times):
        wait_idle(port)
        cancelled = metrics(port)["oceanapi_data_cancelled_total"]
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sent = time.perf_counter()
            sock.sendall(request.encode())
            time.sleep(0.25)
            running = metrics(port)["oceanapi_data_jobs_running"]
            time.sleep(max(0.0, sent + 0.3 - time.perf_counter()))
        closed = time.perf_counter()
        while time.perf_counter() - closed < 60:
            now = metrics(port)
            gone, busy = now["oceanapi_data_cancelled_total"], now["oceanapi_data_jobs_running"]
            if gone > cancelled and not busy:
                break
            time.sleep(0.01)
        seconds.append((time.perf_counter() - closed, running))
    return seconds


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per load level (1), for 3")
    parser.add_argument("--runs", type=int, default=3, help="runs per format (2)")
    parser.add_argument("--repeat", type=int, default=200, help="sequential requests (4)")
    parser.add_argument("--disconnects", type=int, default=5, help="repetitions (5)")
    args = parser.parse_args()
    report: dict[int, list[str]] = defaultdict(list)

    def say(section: int, *lines: str) -> None:
        report[section].extend(lines)
        print(*lines, sep="\n", file=sys.stderr, flush=True)

    levels: dict[str, dict[int, tuple[list[float], Tally]]] = {}
    last_byte: dict[str, dict[str, float]] = {}
    rates: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "service.log"
        for mode, env in (("on", {}), ("off", ROUTING_OFF)):
            process, port = serve(env, log)
            try:
                with urlopen(f"http://127.0.0.1:{port}{D}/giops", timeout=10) as response:
                    mix = heavy_mix(json.load(response)["time"]["first"])
                say(2, f"  routing {mode} (fresh server); memory: largest of {args.runs} runs")
                lines, last_byte[mode] = heaviest(process, port, args.runs)
                say(2, *lines)
                if mode == "on":
                    say(4, *latency_path(port, args.repeat))
                    freed = disconnect(port, args.disconnects)
                    say(5, "    " + ", ".join(f"{s:.2f}" for s, _ in freed) + " s")
                    say(5, f"    median {statistics.median(s for s, _ in freed):.2f} s")
                    say(
                        5, f"    data jobs running 50 ms before each close: {[r for _, r in freed]}"
                    )
                say(1, f"  each request of the mix once, routing {mode}:", *check_mix(port, mix))
                level(port, mix, 0, 2.0)  # the probe's warm-up
                levels[mode] = {n: level(port, mix, n, args.seconds) for n in LEVELS}
            finally:
                stop(process)
        for workers in (1, 2):
            process, port = serve({"OCEANAPI_DATA__WORKERS": str(workers)}, log)
            try:
                level(port, mix, 4, min(5.0, args.seconds), with_probe=False)  # warm-up
                _, tally = level(port, mix, 4, args.seconds, with_probe=False)
            finally:
                stop(process)
            rates[workers] = tally.done / args.seconds
            say(3, f"    WORKERS={workers}: {rates[workers]:5.2f} answers/s  ({answers(tally)})")
            say(3, *(f"      unexpected: {line}" for line in tally.unexpected[:10]))

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; {args}")
    print(
        f"\n1. GET {D} from one probe client, idle and while N clients loop the heavy mix "
        f"({args.seconds:g} s per level)\n   p50 x, p99 x = over idle p50, p99; heavy/s = "
        "200 answers completed per second"
    )
    print(*report[1], sep="\n")
    head = f"{'p50 ms':>8}{'p99 ms':>8}{'p50 x':>7}{'p99 x':>7}{'heavy/s':>8}"
    print(f"    {'':8}|{'routing on':^38}|{'routing off (in-process)':^38}|")
    print(f"    {'clients':<8}|{head}|{head}|")
    unexpected = []
    for n in LEVELS:
        cells = []
        for mode in ("on", "off"):
            (lat, tally), idle = levels[mode][n], levels[mode][0][0]
            p50, p99 = ms(lat, 0.5), ms(lat, 0.99)
            ratio = f"{p50 / ms(idle, 0.5):7.1f}{p99 / ms(idle, 0.99):7.1f}"
            cells.append(f"{p50:8.1f}{p99:8.1f}{ratio}{tally.done / args.seconds:8.2f}")
            unexpected += tally.unexpected
        print(f"    {n or 'idle':<8}|" + "|".join(cells) + "|")
    for mode in ("on", "off"):
        for n in LEVELS[1:]:
            lat, tally = levels[mode][n]
            print(f"    answers, routing {mode}, {n} clients ({len(lat)} probes): {answers(tally)}")
    print(f"    non-200 other than 503 with Retry-After: {len(unexpected)}")
    for line in unexpected[:20]:
        print(f"      {line}")

    print(f"\n2. {CUBE}&f=X, median of {args.runs} runs; +MB = peak RSS growth (sampled; VmHWM)")
    print(*report[2], sep="\n")
    for mode in ("on", "off"):
        slower = last_byte[mode]["GeoJSON"] / last_byte[mode]["NetCDF"]
        print(f"    GeoJSON time / NetCDF time, routing {mode}: {slower:.1f}")

    print(f"\n3. heavy mix, 4 clients, {args.seconds:g} s, answers (200) per second")
    print(*report[3], sep="\n")
    print(f"    WORKERS=2 / WORKERS=1: {rates[2] / rates[1]:.2f}")

    print(f"\n4. latency path, sequential keep-alive requests, medians of {args.repeat}")
    print(*report[4], sep="\n")

    print("\n5. disconnect: GeoJSON cube, socket closed 0.3 s after sending; close to free")
    print(*report[5], sep="\n")


if __name__ == "__main__":
    main()
