"""The plot runner: a supervised pool of worker processes, with admission, timeouts and a cache.

- Renders run in worker processes (pebble), never on the event loop or the request threads.
- At most ``workers`` jobs are handed to the pool at once; the rest wait here, in the event
  loop, where a job whose clients have all gone away is dropped before it costs a render.
- In flight plus waiting is bounded: beyond ``max_pending`` a request gets PlotBusy (503).
- A render past ``timeout`` seconds is PlotTimeout (504); pebble kills that worker and starts a
  new one. A worker that dies fails only its job (PlotFailed, 500); the pool replaces it. A
  pool that pebble gives up on (a worker killed before its job was accounted for) is replaced.
- Identical concurrent requests share one render; results are kept in an LRU cache bounded in
  bytes, with a strong ETag (a digest of the bytes).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import multiprocessing
import os
import statistics
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool
from pydantic import BaseModel, Field

from catalog.errors import NotReady, PlotBusy, PlotFailed, PlotTimeout
from plotting import worker
from plotting.worker import Rendered, RenderJob

log = logging.getLogger("oceanapi.plotting")

Disconnected = Callable[[], Awaitable[bool]]


class PlotSettings(BaseModel):
    """The plot runner's settings (OCEANAPI_PLOT__*)."""

    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=64,
        description="Worker processes (default: one per core).",
    )
    max_pending: int | None = Field(
        default=None,
        ge=1,
        description="Renders in flight plus waiting before new ones get 503 (default: 8 per "
        "worker).",
    )
    timeout: float = Field(
        default=30.0, gt=0, description="Seconds one render may take before it is stopped (504)."
    )
    max_tasks: int = Field(
        default=500, ge=0, description="Renders per worker before it is replaced (0: never)."
    )
    cache_bytes: int = Field(
        default=256 * 2**20, ge=0, description="Size of the rendered-image cache (bytes)."
    )
    cache_seconds: int = Field(
        default=600,
        ge=0,
        description="How long a cached image is served, and its Cache-Control max-age.",
    )
    start_timeout: float = Field(
        default=120.0, gt=0, description="Seconds the workers may take to warm up."
    )


@dataclass
class Cached:
    """A cached image and its strong ETag."""

    rendered: Rendered
    etag: str
    expires: float


@dataclass
class _Pending:
    """A render in flight or waiting for a worker, shared by identical requests."""

    task: asyncio.Task[Cached] = field(init=False)
    waiters: int = 0
    started: bool = False


@dataclass
class RunnerStats:
    """Counters for tests, benchmarks and (later) metrics."""

    renders: int = 0
    cache_hits: int = 0
    shared: int = 0
    rejected: int = 0
    abandoned: int = 0
    timeouts: int = 0
    crashes: int = 0
    pools_replaced: int = 0
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=50))


class PlotRunner:
    """Runs render jobs in a supervised process pool (see the module docstring)."""

    def __init__(self, settings: PlotSettings, catalog_path: Path, max_values: int) -> None:
        self.settings = settings
        self.max_pending = settings.max_pending or 8 * settings.workers
        self.stats = RunnerStats()
        self._catalog_path = catalog_path
        self._max_values = max_values
        self._context = multiprocessing.get_context("forkserver")
        self._started: Any = self._context.Value("i", 0)
        self._warm_at_close = 0
        self._pool: ProcessPool | None = None
        self._slots = asyncio.Semaphore(settings.workers)
        self._pending: dict[str, _Pending] = {}
        self._cache: OrderedDict[str, Cached] = OrderedDict()
        self._cache_size = 0
        self._closing = False

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Start the workers and wait until each has opened the catalog and warmed up."""
        self._context.set_forkserver_preload(["plotting.worker", "plotting.types"])
        self._pool = self._new_pool()
        # pebble starts its workers with the first job; a ping per worker starts them all.
        pings = [self._pool.schedule(worker.ping) for _ in range(self.settings.workers)]
        deadline = time.monotonic() + self.settings.start_timeout
        while self.warm_workers < self.settings.workers:
            if time.monotonic() > deadline:
                raise RuntimeError("plot workers did not start in time")
            await asyncio.sleep(0.02)
        await asyncio.gather(*(asyncio.wrap_future(p) for p in pings))
        log.info("plot runner: %d workers warm", self.settings.workers)

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(
            max_workers=self.settings.workers,
            max_tasks=self.settings.max_tasks,
            initializer=worker.initialise,
            initargs=(str(self._catalog_path), self._max_values, self._started),
            context=self._context,
        )

    def _working_pool(self) -> ProcessPool:
        """The pool, replaced first if pebble has marked it broken.

        pebble does so when a worker dies while no job is recorded as running on it (killed
        between taking a job and reporting it started): every later ``schedule`` would raise.
        The jobs it held have failed with BrokenProcessPool; the new pool takes the next ones.
        """
        assert self._pool is not None
        if not self._pool.active:
            broken, self._pool = self._pool, self._new_pool()
            self.stats.pools_replaced += 1
            log.error("plot pool broken (a worker died unaccounted for); started a new one")
            broken.stop()  # type: ignore[no-untyped-call]
            asyncio.get_running_loop().run_in_executor(None, broken.join, 10)
        return self._pool

    @property
    def warm_workers(self) -> int:
        """Workers started so far that finished warming up (replacements included)."""
        if self._started is None:  # closed
            return self._warm_at_close
        with self._started.get_lock():
            return int(self._started.value)

    @property
    def worker_restarts(self) -> int:
        """Workers started to replace one: after a timeout, a crash, recycling or a new pool."""
        return max(0, self.warm_workers - self.settings.workers)

    @property
    def queue_depth(self) -> int:
        """Renders in flight plus waiting for a worker."""
        return len(self._pending)

    @property
    def running(self) -> int:
        """Renders handed to a worker and not finished."""
        return sum(p.started and not p.task.done() for p in self._pending.values())

    @property
    def cache_bytes(self) -> int:
        """Bytes of images in the cache."""
        return self._cache_size

    def worker_pids(self) -> list[int]:
        """Process ids of the current workers."""
        if self._pool is None:
            return []
        manager = self._pool._pool_manager.worker_manager  # pebble has no public accessor
        return [int(pid) for pid in manager.workers]

    async def close(self) -> None:
        """Let in-flight renders finish (or time out), then stop every worker."""
        self._closing = True
        tasks = [p.task for p in self._pending.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=self.settings.timeout + 5)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.stop()  # type: ignore[no-untyped-call]
            await asyncio.to_thread(pool.join, 10)
        # Drop the counter now: its semaphore is unlinked by its finaliser, not reported as
        # leaked by the resource tracker when uvicorn ends the process with a signal.
        self._warm_at_close, self._started = self.warm_workers, None

    # ------------------------------------------------------------------ rendering

    def cached(self, key: str) -> Cached | None:
        """A fresh cached image for the key, if any."""
        entry = self._cache.get(key)
        if entry is None:
            return None
        if entry.expires < time.monotonic():
            self._evict(key)
            return None
        self._cache.move_to_end(key)
        return entry

    async def render(
        self, job: RenderJob, disconnected: Disconnected | None = None
    ) -> tuple[Cached, str]:
        """The image for the job and where it came from: 'cache', 'shared' or 'render'."""
        key = job.key
        hit = self.cached(key)
        if hit is not None:
            self.stats.cache_hits += 1
            return hit, "cache"
        source = "render"
        if self._closing or self._pool is None:
            raise NotReady("The plot service is shutting down.")
        pending = self._pending.get(key)
        if pending is None:
            if len(self._pending) >= self.max_pending:
                self.stats.rejected += 1
                raise PlotBusy(
                    f"{len(self._pending)} plots are being drawn or waiting; try again shortly.",
                    retry_after=self._retry_after(),
                )
            pending = _Pending()
            pending.task = asyncio.create_task(self._run(key, job, pending))
            pending.task.add_done_callback(_consume_exception)
            self._pending[key] = pending
        else:
            self.stats.shared += 1
            source = "shared"
        pending.waiters += 1
        try:
            while True:
                poll = None if pending.started or disconnected is None else 0.05
                done, _ = await asyncio.wait({pending.task}, timeout=poll)
                if done:
                    return pending.task.result(), source
                if disconnected is not None and not pending.started and await disconnected():
                    raise ClientGone
        finally:
            pending.waiters -= 1
            if pending.waiters == 0 and not pending.started and not pending.task.done():
                pending.task.cancel()
                self.stats.abandoned += 1

    async def _run(self, key: str, job: RenderJob, pending: _Pending) -> Cached:
        try:
            async with self._slots:
                pending.started = True
                begin = time.perf_counter()
                future = self._working_pool().schedule(
                    worker.run, args=(job,), timeout=self.settings.timeout
                )
                try:
                    rendered: Rendered = await asyncio.wrap_future(future)
                except FutureTimeout:
                    self.stats.timeouts += 1
                    log.warning(
                        "plot %s on %s timed out; worker replaced", job.plot_type, job.dataset_id
                    )
                    raise PlotTimeout(
                        f"The {job.plot_type} plot took longer than {self.settings.timeout:g} s "
                        "and was stopped. Ask for a smaller box, fewer samples or a smaller image."
                    ) from None
                except (ProcessExpired, BrokenProcessPool) as exc:
                    self.stats.crashes += 1
                    log.error("plot worker died rendering %s: %r", key[:12], exc)
                    raise PlotFailed(
                        "The worker drawing this plot died; it has been replaced. Try again."
                    ) from None
                self.stats.renders += 1
                self.stats.recent_ms.append((time.perf_counter() - begin) * 1000)
            entry = Cached(
                rendered,
                f'"{hashlib.sha256(rendered.body).hexdigest()[:32]}"',
                time.monotonic() + self.settings.cache_seconds,
            )
            self._store(key, entry)
            return entry
        finally:
            self._pending.pop(key, None)

    def _retry_after(self) -> int:
        median_s = statistics.median(self.stats.recent_ms) / 1000 if self.stats.recent_ms else 1.0
        return max(1, math.ceil(len(self._pending) / self.settings.workers * median_s))

    def _store(self, key: str, entry: Cached) -> None:
        size = len(entry.rendered.body)
        if size > self.settings.cache_bytes // 4 or self.settings.cache_seconds == 0:
            return
        if key in self._cache:
            self._evict(key)
        self._cache[key] = entry
        self._cache_size += size
        while self._cache_size > self.settings.cache_bytes:
            self._evict(next(iter(self._cache)))

    def _evict(self, key: str) -> None:
        entry = self._cache.pop(key)
        self._cache_size -= len(entry.rendered.body)


class ClientGone(Exception):
    """The client disconnected while its render was still waiting for a worker."""


def _consume_exception(task: asyncio.Task[Any]) -> None:
    """Mark a failed render's exception as seen (its waiters got it, or there were none)."""
    if not task.cancelled():
        with contextlib.suppress(BaseException):
            task.exception()
