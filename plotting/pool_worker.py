"""What every worker process runs around its calls, whatever its kind (plots, data queries).

Light on purpose: it imports nothing of the plotting code or the catalog.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

WarmUp = Callable[[str, int], None]
"""``warm(catalog_path, max_values)``: open the catalog (once per process) and warm up."""


class Heartbeats:
    """The local workers' heartbeats: shared (pid, ``time.monotonic()``) slots.

    Each worker, once warm, writes the time into its slot every ``interval`` seconds from a
    daemon thread; the API process reads them (``plotting.pool_health``). A stopped or wedged
    process stops beating. Linux's monotonic clock is one clock for every process.

    Reads and beats take no lock, so a process stopped at any point cannot hold up the API
    process or another worker: a worker owns its slot and writes only there (an aligned double
    is written whole). Only taking a slot is serialised among workers, with a lock a worker
    waits for at most a second.
    """

    def __init__(self, slots: Any, claiming: Any) -> None:
        self.slots = slots
        """``Array("d", 2 * n, lock=False)``: pid, last beat; pid, last beat; ..."""
        self.claiming = claiming

    @classmethod
    def create(cls, context: Any, slots: int) -> Heartbeats:
        """Room for ``slots`` workers, the dead ones' slots being reused (see ``beat``)."""
        return cls(context.Array("d", 2 * slots, lock=False), context.Lock())

    def beat(self, pid: int) -> None:
        """Write the time in this pid's slot, first taking a free slot or else the stalest
        (a dead worker's: every live one beats each interval)."""
        now = time.monotonic()
        pids = self.slots[0::2]
        if float(pid) in pids:
            self.slots[2 * pids.index(float(pid)) + 1] = now
            return
        locked = self.claiming.acquire(timeout=1.0)
        try:
            pids, beats = self.slots[0::2], self.slots[1::2]
            slot = pids.index(0.0) if 0.0 in pids else beats.index(min(beats))
            self.slots[2 * slot + 1] = now  # the time first: never a new pid with an old time
            self.slots[2 * slot] = float(pid)
        finally:
            if locked:
                self.claiming.release()

    def read(self) -> dict[int, float]:
        """pid -> the monotonic time of its last beat."""
        values = self.slots[:]
        return {int(pid): beat for pid, beat in zip(values[0::2], values[1::2], strict=True) if pid}

    def start(self, interval: float) -> None:
        """In a worker: beat now, then every ``interval`` seconds until the process ends."""
        pid = os.getpid()
        self.beat(pid)

        def beating() -> None:
            while True:
                time.sleep(interval)
                self.beat(pid)

        threading.Thread(target=beating, name="oceanapi-heartbeat", daemon=True).start()


def initialise(
    warm: WarmUp,
    catalog_path: str,
    max_values: int,
    started: Any,
    nice: int = 0,
    heartbeats: Heartbeats | None = None,
    heartbeat_seconds: float = 1.0,
) -> None:
    """Local pool initialiser: lower the worker's CPU priority by ``nice`` (the API process,
    which answers every other request, goes first when the cores are busy), warm up, count
    this worker as started, then start its heartbeat.

    The heartbeat starts after the warm-up, which may hold the GIL for long stretches: a worker
    with no beat yet is "starting", judged against the pool's start timeout instead.
    """
    if nice:
        os.nice(nice)
    warm(catalog_path, max_values)
    with started.get_lock():
        started.value += 1
    if heartbeats is not None:
        heartbeats.start(heartbeat_seconds)


def on_cluster(
    warm: WarmUp, catalog_path: str, max_values: int, call: Callable[..., Any], *args: Any
) -> Any:
    """A Dask task: the worker warms up the first time (opens the catalog), then calls."""
    warm(catalog_path, max_values)
    return call(*args)


def ping() -> int:
    """The worker's pid (for tests and warm-up checks)."""
    return os.getpid()
