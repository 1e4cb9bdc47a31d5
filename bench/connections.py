"""Slow, idle and flooding connections against the service's connection limits.

Starts the service as ``python -m api`` (one plot and one data worker; the protocol's
default limits except where noted) on loopback with the bundled samples, its output in a file:

1. GET /api/v1/datasets p50/p99 from one keep-alive client, alone, then beside 200 slowloris
   connections (the request line, then one header byte a second) and 1,000 idle ones (no
   byte) held for --seconds (60); how many of those the server closed, with what, and when
   (seconds after opening: min/median/max).
2. On a server whose idle and head timeouts are 600 s (so nothing is closed for idleness and
   the cap is what holds), as many connections as this process may open, up to 20,000, all at
   once and held: how many the server kept and refused with 503, its open file descriptors,
   whether a new client still gets an answer (200 or a 503 problem) and how fast, and the
   refusals it logged (warning lines, and the count they report).

``--protocol uvicorn`` serves with uvicorn's stock httptools protocol instead
(``uvicorn --factory api.main:create_app --http httptools``: the service before these limits,
whose protocol differed only in its 400 body), for the before figures of part 1.

    .venv/bin/python -m bench.connections [--seconds 60] [--protocol ours|uvicorn] [--part 1 2]

Prints figures; never fails on a time. Takes about five minutes here (server start-ups included;
the client opens a few hundred connections a second on two busy cores).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import IO
from urllib.request import urlopen

from bench.metadata import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
D = "/api/v1/datasets"
SMALL_POOLS = {"OCEANAPI_PLOT__WORKERS": "1", "OCEANAPI_DATA__WORKERS": "1"}


def serve(
    protocol: str, env: dict[str, str], log: IO[bytes]
) -> tuple[subprocess.Popen[bytes], int]:
    """The service on a free loopback port, its output to ``log``, once /ready is 200."""
    port = free_port()
    if protocol == "ours":
        command = ["-m", "api", "--port", str(port)]
    else:
        command = [
            *("-m", "uvicorn", "--factory", "api.main:create_app", "--http", "httptools"),
            *("--no-access-log", "--port", str(port)),
        ]
    process = subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env={**os.environ, **SMALL_POOLS, **env},
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                if response.status == 200:
                    return process, port
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}") from None
            time.sleep(0.2)
    stop(process)
    raise RuntimeError("the server was not ready within 300 s")


def quantiles_ms(samples: list[float]) -> str:
    cuts = statistics.quantiles(samples, n=100)
    return (
        f"p50 {cuts[49] * 1000:6.1f} ms  p99 {cuts[98] * 1000:6.1f} ms  ({len(samples)} requests)"
    )


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one answer with a Content-Length body; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return int(head[9:12])


async def latency(
    port: int, seconds: float, pause: float = 0.05
) -> tuple[list[float], Counter[int]]:
    """Sequential GET /api/v1/datasets on one keep-alive connection (a new one if the server
    closes it) for ``seconds``: each request's seconds, and the answers by status."""
    request = f"GET {D} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    times: list[float] = []
    statuses: Counter[int] = Counter()
    end = time.perf_counter() + seconds
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while time.perf_counter() < end:
        began = time.perf_counter()
        try:
            writer.write(request)
            statuses[await _answer(reader)] += 1
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            statuses[0] += 1  # a connection lost: counted, then tried again
            continue
        times.append(time.perf_counter() - began)
        await asyncio.sleep(pause)
    writer.close()
    return times, statuses


async def attacker(port: int, seconds: float, slow: bool) -> tuple[float | None, str]:
    """One connection held for ``seconds``: slowloris (``slow``: the request line, then a
    header byte a second) or idle. When the server closed it (seconds after opening, None if
    it did not) and what it answered (the status line, '' for nothing)."""
    opened = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if slow:
        writer.write(f"GET {D} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
    filler = itertools.cycle(b"X-Slow: 1\r\n")
    reading = asyncio.ensure_future(reader.read())
    end = opened + seconds
    try:
        while (left := end - time.perf_counter()) > 0:
            await asyncio.wait([reading], timeout=min(1.0, left) if slow else left)
            if reading.done():
                break
            if slow:
                writer.write(bytes([next(filler)]))
        if not reading.done():
            reading.cancel()
            return None, ""
        closed = time.perf_counter() - opened
        try:
            answer = reading.result()
        except OSError:
            return closed, "reset"
        return closed, answer.split(b"\r\n", 1)[0].decode("latin-1")
    finally:
        writer.close()


def closings(label: str, outcomes: list[tuple[float | None, str]]) -> list[str]:
    closed = [s for s, _ in outcomes if s is not None]
    lines = [f"  {label}: {len(closed)} of {len(outcomes)} closed by the server"]
    if closed:
        lines.append(
            f"    seconds after opening: min {min(closed):.1f}, median "
            f"{statistics.median(closed):.1f}, max {max(closed):.1f}"
        )
        answers = Counter(answer or "(no answer)" for s, answer in outcomes if s is not None)
        lines.append("    answered: " + ", ".join(f"{n} x {a}" for a, n in answers.items()))
    return lines


async def part1(port: int, seconds: float) -> list[str]:
    report = []
    await latency(port, 2.0)  # warm-up: the first requests open the datasets' caches
    alone, statuses = await latency(port, min(10.0, seconds))
    report.append(f"  GET {D} alone:        {quantiles_ms(alone)}  {dict(statuses)}")
    began = time.perf_counter()
    slow = [asyncio.ensure_future(attacker(port, seconds, True)) for _ in range(200)]
    idle = [asyncio.ensure_future(attacker(port, seconds, False)) for _ in range(1000)]
    await asyncio.sleep(0.5)  # all connected
    beside, statuses = await latency(port, seconds - (time.perf_counter() - began))
    report.append(f"  GET {D} beside them:  {quantiles_ms(beside)}  {dict(statuses)}")
    report.extend(closings("slowloris", await asyncio.gather(*slow)))
    report.extend(closings("idle", await asyncio.gather(*idle)))
    return report


def open_files(pid: int) -> int:
    return sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())


def probe(port: int, path: str) -> str:
    """One GET on a new connection: the status line and the seconds it took."""
    began = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
            connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            first = connection.recv(65536)
    except OSError as exc:
        return f"{exc!r} after {time.perf_counter() - began:.2f} s"
    line = first.split(b"\r\n", 1)[0].decode("latin-1") or "(empty reply)"
    kind = " problem+json" if b"application/problem+json" in first else ""
    return f"{line}{kind} in {(time.perf_counter() - began) * 1000:.0f} ms"


async def part2(process: subprocess.Popen[bytes], port: int, target: int) -> list[str]:
    report = []
    gate = asyncio.Semaphore(500)
    writers: list[asyncio.StreamWriter] = []
    reads: list[asyncio.Future[bytes]] = []
    failed: Counter[str] = Counter()

    async def one() -> None:
        async with gate:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), 30
                )
            except OSError as exc:  # TimeoutError included
                failed[type(exc).__name__] += 1
                return
        writers.append(writer)
        reads.append(asyncio.ensure_future(reader.read(256)))
        if len(writers) % 2000 == 0:
            print(
                f"  {len(writers)} open after {time.perf_counter() - began:.1f} s", file=sys.stderr
            )

    began = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(target)))
    opened = time.perf_counter() - began
    await asyncio.sleep(2)  # the refusals' answers arrive
    refused = sum(1 for r in reads if r.done() and not r.exception() and b" 503 " in r.result())
    other = sum(1 for r in reads if r.done()) - refused
    held = sum(1 for r in reads if not r.done())
    report.append(
        f"  {len(writers)} of {target} connections opened in {opened:.1f} s "
        f"(failed: {dict(failed) or 0}); held open by the server: {held}, answered 503 and "
        f"closed: {refused}, closed otherwise: {other}"
    )
    report.append(
        f"  server's open file descriptors while they are held: {open_files(process.pid)}"
    )
    for path in ("/health", D):
        report.append(f"  a new client's GET {path}: {probe(port, path)}")
    for writer in writers:
        writer.close()
    for read in reads:
        read.cancel()
    await asyncio.sleep(3)  # the server sees them go
    report.append(f"  after they closed, a new client's GET {D}: {probe(port, D)}")
    return report


def refusals_logged(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if "refused" in line]
    counts = [
        int(m[1]) for line in lines if (m := re.search(r"refused (\d+) new connection", line))
    ]
    return f"  refusal warnings logged: {len(lines)} lines, reporting {sum(counts)} refusals"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long attackers hold on")
    parser.add_argument("--protocol", choices=("ours", "uvicorn"), default="ours")
    parser.add_argument("--part", type=int, nargs="+", choices=(1, 2), default=[1, 2])
    parser.add_argument("--connections", type=int, default=20_000, help="part 2's flood")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it too
    target = min(args.connections, hard - 100)  # a few files for this process's own use
    print(f"machine: {os.cpu_count()} cores; open-file limit {hard} per process; {args}")
    with tempfile.TemporaryDirectory() as folder:
        if 1 in args.part:
            log = Path(folder, "part1.log")
            with log.open("wb") as output:
                process, port = serve(args.protocol, {}, output)
                try:
                    report = asyncio.run(part1(port, args.seconds))
                finally:
                    stop(process)
            print(
                f"\n1. 200 slowloris and 1,000 idle connections for {args.seconds:g} s "
                f"({args.protocol} protocol, default limits)"
            )
            print(*report, sep="\n")
        if 2 in args.part:
            log = Path(folder, "part2.log")
            long = {"OCEANAPI_SERVER__IDLE_TIMEOUT": "600", "OCEANAPI_SERVER__HEAD_TIMEOUT": "600"}
            with log.open("wb") as output:
                process, port = serve(args.protocol, long, output)
                try:
                    report = asyncio.run(part2(process, port, target))
                    time.sleep(1.5)  # the last warning is written up to a second late
                finally:
                    stop(process)
            print(
                f"\n2. {target} connections at once, held ({args.protocol} protocol, idle and "
                "head timeouts 600 s, other limits default)"
            )
            print(*report, sep="\n")
            print(refusals_logged(log))
    with contextlib.suppress(ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


if __name__ == "__main__":
    main()
