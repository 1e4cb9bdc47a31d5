"""The local backend: a pebble process pool on this machine, watched by heartbeats."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Literal, cast

from pebble import ProcessExpired, ProcessPool

from plotting import pool_health, pool_worker
from plotting.backends.base import (
    FORKSERVER_PRELOAD,
    PLOT_WORKERS,
    RenderBackend,
    WorkerDied,
    WorkerKind,
    WorkerTimeout,
)
from plotting.pool_health import HeartbeatMonitor
from plotting.pool_worker import Heartbeats
from schemas.datasets import PoolHealth

log = logging.getLogger("oceanapi.plotting")


class LocalPool(RenderBackend):
    """A pebble process pool on this machine (forkserver; workers preload the code).

    From ``start`` to ``close`` a monitor looks at the workers' heartbeats every
    ``heartbeat_seconds`` and replaces an idle one silent for ``heartbeat_timeout`` seconds.
    """

    def __init__(
        self,
        workers: int,
        max_tasks: int,
        start_timeout: float,
        catalog: Path,
        max_values: int,
        kind: WorkerKind = PLOT_WORKERS,
        heartbeat: tuple[float, float] = (1.0, 10.0),
    ) -> None:
        self._heartbeat_seconds, heartbeat_timeout = heartbeat
        if heartbeat_timeout < 2 * self._heartbeat_seconds:
            raise ValueError(
                f"OCEANAPI_{kind.name.upper()}__HEARTBEAT_TIMEOUT ({heartbeat_timeout:g} s) "
                f"must be at least twice HEARTBEAT_SECONDS ({self._heartbeat_seconds:g} s)"
            )
        self.workers = workers
        self.kind = kind
        self.pools_replaced = 0
        self.heartbeat_replacements = 0
        """Idle workers killed and replaced because their heartbeat went stale."""
        self._max_tasks = max_tasks
        self._start_timeout = start_timeout
        self._catalog = catalog
        self._max_values = max_values
        self._context = multiprocessing.get_context("forkserver")
        self._started: Any = self._context.Value("i", 0)
        self._warm_at_close = 0
        self._pool: ProcessPool | None = None
        # Slots for the workers and as many replacements beating at once (dead ones' reused).
        self._heartbeats = Heartbeats.create(self._context, 2 * workers)
        self._monitor = HeartbeatMonitor(self._heartbeats, heartbeat_timeout, start_timeout)
        self._watching: asyncio.Task[None] | None = None
        self._killing: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._context.set_forkserver_preload(FORKSERVER_PRELOAD)
        self._pool = self._new_pool()
        # pebble starts its workers with the first job; a ping per worker starts them all.
        pings = [self._pool.schedule(pool_worker.ping) for _ in range(self.workers)]
        deadline = asyncio.get_running_loop().time() + self._start_timeout
        while self.warm_workers < self.workers:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"{self.kind.name} workers did not start in time")
            await asyncio.sleep(0.02)
        await asyncio.gather(*(asyncio.wrap_future(p) for p in pings))
        self._watching = asyncio.create_task(self._watch(), name=f"{self.kind.name}-heartbeats")

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(
            max_workers=self.workers,
            max_tasks=self._max_tasks,
            initializer=pool_worker.initialise,
            initargs=(
                self.kind.warm,
                str(self._catalog),
                self._max_values,
                self._started,
                self.kind.nice,
                self._heartbeats,
                self._heartbeat_seconds,
            ),
            context=self._context,
        )

    def _working_pool(self) -> ProcessPool:
        """The pool, replaced first if pebble has marked it broken (or the monitor stopped it).

        pebble does so when a worker dies while no job is recorded as running on it or on any
        other worker (killed between taking a job and reporting it started, or while the whole
        pool was idle): every later ``schedule`` would raise. The jobs it held fail with
        BrokenProcessPool; the new pool takes the next ones.
        """
        assert self._pool is not None
        if not self._pool.active:
            broken, self._pool = self._pool, self._new_pool()
            self.pools_replaced += 1
            log.error("%s pool broken or wedged; new one", self.kind.name)
            broken.stop()
            asyncio.get_running_loop().run_in_executor(None, pool_health.retire, broken)
        return self._pool

    async def run(self, call: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        future = self._working_pool().schedule(call, args=args, timeout=timeout)
        try:
            # Cancelling this await cancels the pebble future: a waiting call is dropped, a
            # running one's worker is stopped and replaced.
            return await asyncio.wrap_future(future)
        except FutureTimeout:
            log.warning("%s worker timed out after %g s; replaced", self.kind.name, timeout)
            raise WorkerTimeout from None
        except (ProcessExpired, BrokenProcessPool) as exc:
            log.error("%s worker died: %r", self.kind.name, exc)
            raise WorkerDied from None

    # ------------------------------------------------------------------ heartbeats

    async def _watch(self) -> None:
        """Every heartbeat interval: renew a broken pool, replace the stale idle workers."""
        while True:
            await asyncio.sleep(self._heartbeat_seconds)
            try:
                self._check()
            except Exception:  # the monitor must outlive any surprise, and say so
                log.exception("%s pool: heartbeat check failed", self.kind.name)

    def _check(self) -> None:
        assert self._pool is not None
        if not self._pool.active:  # renew it now, not at the next job: /ready waits for it
            self._working_pool().schedule(pool_worker.ping)  # pebble starts its workers
            return
        sweep = self._monitor.sweep(self._pool)
        for process in sweep.detached:
            self.heartbeat_replacements += 1
            log.error(
                "%s worker %s answered no heartbeat while idle; killed and replaced",
                self.kind.name,
                process.pid,
            )
            killing = asyncio.create_task(self._kill(process))
            self._killing.add(killing)
            killing.add_done_callback(self._killing.discard)
        if sweep.wedged:
            log.error("%s pool wedged by a stale worker holding its lock", self.kind.name)
            self._pool.stop()  # inactive now: _working_pool replaces it; its jobs fail
            self._working_pool().schedule(pool_worker.ping)

    async def _kill(self, process: Any) -> None:
        await asyncio.sleep(pool_health.KILL_GRACE)
        await asyncio.to_thread(pool_health.kill, process)

    def health(self) -> PoolHealth:
        healthy = 0
        if self._pool is not None and self._pool.active:
            healthy = self._monitor.look(self._pool).healthy
        return PoolHealth(
            pool=cast(Literal["plot", "data"], self.kind.name),
            backend="local",
            workers=self.workers,
            healthy=healthy,
            heartbeat_replacements=self.heartbeat_replacements,
        )

    async def close(self) -> None:
        if self._watching is not None:
            self._watching.cancel()
            await asyncio.gather(self._watching, return_exceptions=True)
        if self._killing:
            await asyncio.wait(self._killing)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.stop()
            await asyncio.to_thread(pool.join, 10)
        # Drop the counter and the heartbeats' lock now: their semaphores are unlinked by their
        # finalisers, not reported as leaked by the resource tracker when uvicorn ends the
        # process with a signal.
        self._warm_at_close, self._started = self.warm_workers, None
        self._heartbeats.claiming = None

    @property
    def warm_workers(self) -> int:
        """Workers started so far that finished warming up (replacements included)."""
        if self._started is None:  # closed
            return self._warm_at_close
        with self._started.get_lock():
            return int(self._started.value)

    @property
    def worker_restarts(self) -> int:
        return max(0, self.warm_workers - self.workers)

    def worker_pids(self) -> list[int]:
        if self._pool is None:
            return []
        return list(pool_health.worker_processes(self._pool))
