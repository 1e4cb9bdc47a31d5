"""Cold start and GET /api/v1/datasets throughput, beside a bare FastAPI hello-world.

Both servers run as `uvicorn --factory` with the same settings (one process, httptools, uvloop,
no uvicorn access log, no uvicorn proxy headers: the service does its own of both, as deployed)
on loopback, the service on its own HTTP protocol with its connection limits (what
`python -m api` serves with), the hello-world on uvicorn's, their output to /dev/null: the
service still formats and writes its access-log line per request, but the figures do not
depend on how fast this terminal reads them. One asyncio load generator with keep-alive
connections drives each in turn, rounds alternating, so the ratio compares like with like on
this machine. Prints figures; never fails on a time.

    .venv/bin/python -m bench.metadata [--seconds 3] [--rounds 7] [--connections 32] [--starts 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import IO
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ("api.main:create_app", "/api/v1/datasets")
HEALTH = ("api.main:create_app", "/health")  # the service's cheapest route: framework cost
BASELINE = ("bench.hello:create_app", "/hello")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(
    factory: str, env: dict[str, str] | None = None, output: IO[bytes] | int | None = None
) -> tuple[subprocess.Popen[bytes], int, float]:
    """Start a server (extra environment ``env``, its output to ``output`` if given); return it,
    its port and the seconds from spawn to a 200 on /ready."""
    port = free_port()
    began = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--no-proxy-headers",
            "--log-level",
            "warning",
            "--http",
            "httptools" if factory == BASELINE[0] else "api.server:HttpToolsProtocol",
            "--loop",
            "uvloop",
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},  # the project is a package of the .venv
        stdout=output,
        stderr=output,
    )
    while True:
        try:
            with urlopen(f"http://127.0.0.1:{port}/ready", timeout=1) as response:
                if response.status == 200:
                    return process, port, time.perf_counter() - began
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{factory} exited with {process.returncode}") from None
            time.sleep(0.01)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=20)


async def _client(port: int, path: str, deadline: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            counts[0 if status == 200 else 1] += 1
    finally:
        writer.close()


async def _load(port: int, path: str, seconds: float, connections: int) -> tuple[float, int]:
    counts = [0, 0]
    began = time.perf_counter()
    deadline = began + seconds
    await asyncio.gather(*(_client(port, path, deadline, counts) for _ in range(connections)))
    return counts[0] / (time.perf_counter() - began), counts[1]


def throughput(port: int, path: str, seconds: float, connections: int) -> tuple[float, int]:
    """Requests per second of 200 answers, and the count of other answers."""
    return asyncio.run(_load(port, path, seconds, connections))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one load round")
    parser.add_argument("--rounds", type=int, default=7, help="load rounds per server")
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--starts", type=int, default=5, help="cold starts per server")
    args = parser.parse_args()

    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(f"\ncold start (spawn to first 200 on /ready), {args.starts} starts each:")
    starts: dict[str, list[float]] = {SERVICE[0]: [], BASELINE[0]: []}
    for _ in range(args.starts):
        for factory, _path in (SERVICE, BASELINE):
            process, _port, seconds = start(factory, output=subprocess.DEVNULL)
            stop(process)
            starts[factory].append(seconds)
    service_start = statistics.median(starts[SERVICE[0]])
    baseline_start = statistics.median(starts[BASELINE[0]])
    print(f"  service   median {service_start:.2f} s  (min {min(starts[SERVICE[0]]):.2f})")
    print(f"  hello     median {baseline_start:.2f} s  (min {min(starts[BASELINE[0]]):.2f})")
    print(f"  ratio     {service_start / baseline_start:.2f}x")

    print(
        f"\nthroughput, {args.connections} keep-alive connections, "
        f"{args.rounds} x {args.seconds:.0f} s rounds each, alternating:"
    )
    # The per-client limit runs but never refuses: the load generator is one client with more
    # connections than the default limit (8), and a 429 is not the pipeline's cost.
    limit = {"OCEANAPI_MAX_CLIENT_REQUESTS": str(2 * args.connections)}
    servers = {
        name: start(name, env=limit, output=subprocess.DEVNULL)[:2]
        for name, _ in (SERVICE, BASELINE)
    }
    targets = [SERVICE, HEALTH, BASELINE]
    rates: dict[tuple[str, str], list[float]] = {target: [] for target in targets}
    errors = 0
    try:
        for factory, path in targets:  # warm-up
            throughput(servers[factory][1], path, 1.0, args.connections)
        for _ in range(args.rounds):
            for factory, path in targets:
                rate, failed = throughput(servers[factory][1], path, args.seconds, args.connections)
                rates[factory, path].append(rate)
                errors += failed
    finally:
        for process, _ in servers.values():
            stop(process)
    medians = {target: statistics.median(values) for target, values in rates.items()}
    for (factory, path), values in rates.items():
        rounds = ", ".join(f"{r:.0f}" for r in values)
        name = factory.split(":")[0]
        print(f"  {name:<10} GET {path:<18} median {medians[factory, path]:8.0f} req/s  ({rounds})")
    # Each round's ratio compares runs seconds apart, so a drift of the machine's speed (other
    # tenants, frequency) cancels out; the median of those is the figure.
    for target, label in ((SERVICE, "/api/v1/datasets"), (HEALTH, "service /health")):
        paired = [r / b for r, b in zip(rates[target], rates[BASELINE], strict=True)]
        print(
            f"  ratio {label:<17} / hello-world: {statistics.median(paired):.2f} (median of "
            f"rounds: {', '.join(f'{r:.2f}' for r in paired)}; of medians "
            f"{medians[target] / medians[BASELINE]:.2f})"
        )
    print(f"  non-200 answers: {errors}")


if __name__ == "__main__":
    main()
