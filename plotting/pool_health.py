"""Which of a local pool's workers are alive and answering, and how one that is not is replaced.

Every warm worker beats (``pool_worker.Heartbeats``); the pool's monitor, in the API process,
sorts the pebble pool's workers on each look:

- busy: running a job. Counted healthy whatever its heartbeat says (a render in C code may
  hold the GIL for long stretches, starving the heartbeat thread); the job's time limit
  already covers a busy worker that hangs.
- healthy: idle, with a beat less than ``timeout`` seconds old. An idle worker's main thread
  waits in ``poll()`` with the GIL released, so its heartbeat thread runs on time.
- starting: no beat yet (still warming up), for at most ``start_timeout`` seconds.
- stale: idle and silent past those limits: stopped (SIGSTOP), wedged, or swapped out. It is
  killed and pebble starts a new one in its place.

pebble (5.x) must not see the stale worker die: a worker that ends with a non-zero code while
no job at all is running in the pool makes pebble mark the whole pool broken ("All workers
expired"), failing every job waiting in it. So the worker is first frozen (SIGSTOP), then taken
out of pebble's worker table under pebble's channel lock (as pebble does itself before
stopping a worker; a worker holds that lock while it takes a job, and one killed holding it
would wedge every other). pebble, now one worker short, starts a new one within 0.1 s; the old
one is killed (SIGKILL) and reaped ``KILL_GRACE`` seconds later, once pebble's own loop can no
longer hold it in a snapshot of the table. No other job is touched.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess

from pebble import ProcessPool

from plotting.pool_worker import Heartbeats

log = logging.getLogger("oceanapi.plotting")

KILL_GRACE = 0.5
"""Seconds between taking a stale worker out of pebble's table and killing it (pebble's loop
looks at its workers every 0.1 s)."""


@dataclass
class Census:
    """One look at a pool's workers (module docstring)."""

    healthy: int = 0
    starting: int = 0
    stale: list[int] = field(default_factory=list)


@dataclass
class Sweep:
    """What a sweep did: the stale workers taken out of pebble's table (the caller kills
    them after ``KILL_GRACE``), and whether the pool is wedged (the caller replaces it)."""

    detached: list[BaseProcess] = field(default_factory=list)
    wedged: bool = False


class HeartbeatMonitor:
    """Sorts a pebble pool's workers by their heartbeats; remembers what it saw of each."""

    def __init__(self, heartbeats: Heartbeats, timeout: float, start_timeout: float) -> None:
        self.heartbeats = heartbeats
        self.timeout = timeout
        self.start_timeout = start_timeout
        self._first_seen: dict[int, float] = {}
        self._last_beat: dict[int, float] = {}
        self._wedged_since: float | None = None

    def look(self, pool: ProcessPool) -> Census:
        """Sort the pool's workers now."""
        # Jobs first, beats second: a worker that ends a long job beats (its heartbeat thread
        # gets the GIL back) before pebble hears the job is done, so it is never seen idle
        # with the stale beat of its job.
        busy = busy_pids(pool)
        workers = worker_processes(pool)
        beats = self.heartbeats.read()
        now = time.monotonic()
        census = Census()
        for pid in workers:
            first = self._first_seen.setdefault(pid, now)
            if pid in beats:  # a beat seen once is remembered (its slot may be reused)
                self._last_beat[pid] = max(beats[pid], self._last_beat.get(pid, 0.0))
            last = self._last_beat.get(pid)
            if pid in busy or (last is not None and now - last <= self.timeout):
                census.healthy += 1
            elif last is None and now - first <= self.start_timeout:
                census.starting += 1
            else:
                census.stale.append(pid)
        for memory in (self._first_seen, self._last_beat):
            for pid in [pid for pid in memory if pid not in workers]:
                del memory[pid]
        return census

    def sweep(self, pool: ProcessPool) -> Sweep:
        """Take the stale workers out of the pool.

        A stale worker that cannot be taken out for a whole ``timeout`` holds pebble's channel
        lock (stopped while taking a job): no other worker can take one, and only a new pool
        helps, so the sweep says the pool is wedged.
        """
        sweep = Sweep()
        held = False
        for pid in self.look(pool).stale:
            process = detach(pool, pid)
            if process is not None:
                sweep.detached.append(process)
            else:
                held = held or pid in worker_processes(pool)
        now = time.monotonic()
        if not held:
            self._wedged_since = None
        elif self._wedged_since is None:
            self._wedged_since = now
        elif now - self._wedged_since > self.timeout:
            self._wedged_since = None
            sweep.wedged = True
        return sweep


def worker_processes(pool: ProcessPool) -> dict[int, BaseProcess]:
    """pid -> process of the pool's workers (pebble has no public accessor; a snapshot: its
    threads change the table)."""
    table = pool._pool_manager.worker_manager.workers
    while True:
        try:
            return dict(table)
        except RuntimeError:  # changed while copied
            continue


def busy_pids(pool: ProcessPool) -> set[int]:
    """Workers running a job (pebble's view)."""
    tasks = pool._pool_manager.task_manager.tasks
    while True:
        try:
            running = tuple(tasks.values())
            break
        except RuntimeError:  # changed while copied
            continue
    return {task.worker_id for task in running if task.started and task.worker_id}


def detach(pool: ProcessPool, pid: int) -> BaseProcess | None:
    """Freeze the worker and take it out of pebble's table (module docstring): None if pebble
    no longer has it, or if a worker holds the channel lock right now (try again later)."""
    manager = pool._pool_manager.worker_manager
    if pid not in manager.workers:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGSTOP)
    channel = manager.workers_channel
    assert channel is not None
    with channel.lock(block=False) as locked:
        if not locked:
            return None
        if pid in busy_pids(pool):  # it took a job after all: the job's time limit judges it
            os.kill(pid, signal.SIGCONT)
            return None
        process: BaseProcess | None = manager.workers.pop(pid, None)
        return process


def retire(pool: ProcessPool) -> None:
    """Wait for a stopped pool's threads and workers to end, then fail the jobs it still held
    with BrokenProcessPool: a pool stopped by hand leaves them pending for ever (a broken one
    has failed them already). Blocks for seconds: run it in a thread."""
    pool.join(10)
    pool._pool_manager.task_manager.tasks_abort(BrokenProcessPool("the pool was replaced"))


def kill(process: BaseProcess) -> None:
    """SIGKILL a detached worker and reap it (blocks for at most a few seconds)."""
    with contextlib.suppress(ProcessLookupError):
        if process.pid is not None:
            os.kill(process.pid, signal.SIGKILL)
    process.join(5)
