"""The plot runner: admission, sharing, timeouts and a cache in front of a render backend.

- Renders run in worker processes, never on the event loop or the request threads: a local
  pool (pebble) or a Dask distributed cluster (``plotting.backends``).
- At most ``workers`` jobs are handed to the backend at once; the rest wait here, in the event
  loop, where a job whose clients have all gone away is dropped before it costs a render.
- In flight plus waiting is bounded: beyond ``max_pending`` a request gets PlotBusy (503).
- A render past ``timeout`` seconds is PlotTimeout (504) and its worker is replaced; a worker
  that dies fails only its job (PlotFailed, 500).
- Identical concurrent requests share one render; results are kept in an LRU cache bounded in
  bytes, with a strong ETag (a digest of the bytes).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from plotting.backends import (
    PLOT_WORKERS,
    DaskSettings,
    HeartbeatSettings,
    LocalPool,
    RenderBackend,
    WorkerDied,
    WorkerTimeout,
    make_backend,
    retry_after,
)
from plotting.errors import NotReady, PlotBusy, PlotFailed, PlotTimeout
from plotting.jobs import Job, Rendered
from schemas.datasets import PoolHealth

log = logging.getLogger("oceanapi.plotting")

Disconnected = Callable[[], Awaitable[bool]]


class PlotSettings(HeartbeatSettings):
    """The plot runner's settings (OCEANAPI_PLOT__*)."""

    backend: Literal["local", "dask"] = Field(
        default="local",
        description="Where renders run: 'local' (a process pool here) or 'dask' (the cluster "
        "at OCEANAPI_DASK__SCHEDULER).",
    )
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=1024,
        description="Worker processes (default: one per core); with Dask, renders at once "
        "(default: the cluster's worker threads).",
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
        default=5000,
        ge=0,
        description="Renders per worker before it is replaced (0: never). A web map asks for "
        "hundreds of tiles a minute; at 500, balanced workers reached the count together and "
        "every request waited for their warm-up (bench/webmap.py).",
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
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=50))


class PlotRunner:
    """Runs render jobs on a backend, with admission, sharing and a cache (module docstring)."""

    def __init__(
        self,
        settings: PlotSettings,
        catalog_path: Path,
        max_values: int,
        dask: DaskSettings | None = None,
    ) -> None:
        self.settings = settings
        self.stats = RunnerStats()
        self.backend: RenderBackend = make_backend(
            settings, PLOT_WORKERS, catalog_path, max_values, dask
        )
        self._slots: asyncio.Semaphore | None = None  # one per worker, once started
        self._pending: dict[str, _Pending] = {}
        self._cache: OrderedDict[str, Cached] = OrderedDict()
        self._cache_size = 0
        self._closing = False

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Start the backend and wait until each worker has opened the catalog and warmed up."""
        await self.backend.start()
        self._slots = asyncio.Semaphore(self.backend.workers)
        log.info("plot runner: %d workers warm", self.backend.workers)

    @property
    def max_pending(self) -> int:
        """Renders in flight plus waiting beyond which a request gets 503."""
        return self.settings.max_pending or 8 * self.backend.workers

    @property
    def workers(self) -> int:
        """Renders run at once."""
        return self.backend.workers

    @property
    def warm_workers(self) -> int:
        """Local workers started so far that finished warming up (replacements included)."""
        return self.backend.warm_workers if isinstance(self.backend, LocalPool) else 0

    @property
    def worker_restarts(self) -> int:
        """Workers started to replace one: after a timeout, a crash, recycling."""
        return self.backend.worker_restarts

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
        """Process ids of the local workers."""
        return self.backend.worker_pids()

    def health(self) -> PoolHealth:
        """How many of the backend's workers are alive and answering (readiness, metrics)."""
        return self.backend.health()

    async def close(self) -> None:
        """Let in-flight renders finish (or time out), then stop the backend."""
        self._closing = True
        tasks = [p.task for p in self._pending.values()]
        if tasks:
            await asyncio.wait(tasks, timeout=self.settings.timeout + 5)
        await self.backend.close()

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
        self, job: Job, disconnected: Disconnected | None = None
    ) -> tuple[Cached, str]:
        """The image for the job and where it came from: 'cache', 'shared' or 'render'."""
        key = job.key
        hit = self.cached(key)
        if hit is not None:
            self.stats.cache_hits += 1
            return hit, "cache"
        source = "render"
        if self._closing or self._slots is None:
            raise NotReady("The plot service is starting or shutting down.")
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

    async def _run(self, key: str, job: Job, pending: _Pending) -> Cached:
        try:
            assert self._slots is not None  # render() refuses jobs before start()
            async with self._slots:
                pending.started = True
                begin = time.perf_counter()
                timeout = self.settings.timeout
                try:
                    rendered: Rendered = await self.backend.run(job.entry(), (job,), timeout)
                except WorkerTimeout:
                    self.stats.timeouts += 1
                    raise PlotTimeout(
                        f"The {job.describe} took longer than {timeout:g} s and was "
                        "stopped. Ask for a smaller box, fewer samples or a smaller image."
                    ) from None
                except WorkerDied:
                    self.stats.crashes += 1
                    raise PlotFailed(
                        f"The worker drawing this {job.describe} died; it has been replaced. "
                        "Try again."
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
        return retry_after(self.stats.recent_ms, len(self._pending), self.workers)

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
