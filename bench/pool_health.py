"""Four maps rendered at once by two plot workers: healthy, with one worker stopped (SIGSTOP,
while idle), and once the heartbeat monitor has replaced it.

The stopped worker's jobs pile on the other one; before the pools had heartbeats that lasted
for good, and /ready said 200 throughout. Here the monitor replaces the worker within
``--timeout`` seconds of silence; the figures show the renders' time come back, and /ready's
answers while it happens. Cache off, every map a unique title (each one a real render).
``--sleep 0.3`` draws the test probe that sleeps that long in the worker instead of a map: the
same queueing, without the renders' CPU (on a machine whose cores are busy with other work,
the maps' figures measure the machine more than the pool). Prints figures; never fails on a
time.

    .venv/bin/python -m bench.pool_health [--rounds 5] [--timeout 5] [--sleep 0.3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import time

import httpx2 as httpx
import psutil

from bench.metadata import start, stop
from bench.plots import MAP, unique

RENDERS = 4


SLEEP = "/api/v1/datasets/ersst-v5/plots/sleep?seconds={seconds}&width=64&height=64"
"""The test probe (tests/plotting/probes.py): sleeps in the worker, then draws a tiny line."""
PLOT = [MAP]


async def four_maps(client: httpx.AsyncClient) -> float:
    """Seconds until four maps asked for at once have all arrived."""
    began = time.perf_counter()
    answers = await asyncio.gather(*(client.get(unique(PLOT[0])) for _ in range(RENDERS)))
    assert [a.status_code for a in answers] == [200] * RENDERS
    return time.perf_counter() - began


async def rounds(client: httpx.AsyncClient, n: int) -> str:
    times = [await four_maps(client) for _ in range(n)]
    return f"median {statistics.median(times):5.2f} s  (min {min(times):.2f}, max {max(times):.2f})"


def plot_workers(server: psutil.Process) -> list[psutil.Process]:
    """The plot workers: the fork server's children at the API process's priority (the data
    workers run at a lower one)."""
    return [
        child
        for child in server.children(recursive=True)
        if child.ppid() != server.pid and child.nice() == server.nice()
    ]


async def run(port: int, server: psutil.Process, n: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        await four_maps(client)  # warm
        print(f"  2 workers answering:             {await rounds(client, n)}")
        victim = plot_workers(server)[0]
        victim.send_signal(signal.SIGSTOP)
        stopped_at = time.perf_counter()
        try:
            stalled = await four_maps(client)  # at once, before the monitor can notice
            noticed = victim.pid not in [w.pid for w in plot_workers(server)]
            print(
                f"  one stopped, not yet noticed:    {stalled:5.2f} s  (one round"
                f"{'; replaced during it' if noticed else ''})"
            )
            seen: list[str] = []
            while True:
                response = await client.get("/ready")
                body = response.json()
                plot = next(p for p in body["pools"] if p["pool"] == "plot")
                state = f"{response.status_code} {body.get('status', body.get('type'))} "
                state += f"{plot['healthy']}/{plot['workers']}"
                if not seen or seen[-1] != state:
                    seen.append(state)
                pids = [w.pid for w in plot_workers(server)]
                if victim.pid not in pids and state == "200 ready 2/2":
                    break
                await asyncio.sleep(0.02)
            replaced = time.perf_counter() - stopped_at
            print(f"  replaced {replaced:5.2f} s after the stop; /ready said: {' -> '.join(seen)}")
            print(f"  after the replacement:           {await rounds(client, n)}")
        finally:
            if victim.is_running():
                victim.send_signal(signal.SIGCONT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--timeout", type=float, default=5.0, help="OCEANAPI_PLOT__HEARTBEAT_TIMEOUT (s)"
    )
    parser.add_argument(
        "--sleep", type=float, default=0.0, help="draw the sleeping probe instead of maps (s)"
    )
    args = parser.parse_args()
    factory = "api.main:create_app"
    if args.sleep:
        factory = "tests.plotting.probes:create_probe_app"
        PLOT[0] = SLEEP.format(seconds=args.sleep)
    env = {
        "OCEANAPI_PLOT__WORKERS": "2",
        "OCEANAPI_PLOT__CACHE_SECONDS": "0",
        "OCEANAPI_PLOT__HEARTBEAT_SECONDS": str(args.timeout / 10),
        "OCEANAPI_PLOT__HEARTBEAT_TIMEOUT": str(args.timeout),
        "OCEANAPI_LOG_LEVEL": "WARNING",
    }
    what = f"sleeping probes ({args.sleep:g} s)" if args.sleep else "maps"
    print(
        f"{RENDERS} {what} at once, 2 plot workers, heartbeat timeout {args.timeout:g} s "
        f"({os.cpu_count()} cores; {args.rounds} rounds where a median is given):"
    )
    process, port, ready = start(factory, env)
    print(f"  ready in {ready:.2f} s")
    try:
        asyncio.run(run(port, psutil.Process(process.pid), args.rounds))
    finally:
        stop(process)


if __name__ == "__main__":
    main()
