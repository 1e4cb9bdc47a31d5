"""Where data queries run: the one place that decides, and the data worker pool.

- Every data job is first estimated in this process (in the data threads, never the request
  thread pool): above the service's limit it is a 413 before any work starts.
- Small jobs (at most ``inline_max_values``: points, series, small boxes) are answered here, in
  a small bounded thread pool of their own: the latency path pays for no process hop.
- Larger ones run in data worker processes (a local pool, or Dask), beside and apart from the
  plot pool: at most ``workers`` at once, in flight plus waiting bounded by ``max_pending``
  (DataBusy, 503 + Retry-After beyond); past ``timeout`` DataTimeout (504) and the worker is
  replaced; a worker that dies fails only its job (DataFailed, 500); workers are recycled.
- A worker writes the encoded body to a spool file; the API streams it from there, so neither
  process holds a large body in memory.
- A client that disconnects cancels its job: a waiting one never starts, a running one's
  worker is stopped (and replaced) within a poll interval.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, cast

from pydantic import Field

from catalog.errors import DatasetUnavailable, StorageFailed
from catalog.jobs import Job
from catalog.store import Catalog
from plotting import data_worker
from plotting.backends import (
    DaskSettings,
    HeartbeatSettings,
    RenderBackend,
    WorkerDied,
    WorkerKind,
    WorkerTimeout,
    make_backend,
    retry_after,
)
from plotting.data_worker import SpoolSink
from plotting.errors import DataBusy, DataFailed, DataTimeout, NotReady
from plotting.runner import ClientGone
from schemas.datasets import PoolHealth

log = logging.getLogger("oceanapi.data")

Disconnected = Callable[[], Awaitable[bool]]
POLL_SECONDS = 0.1
"""How often a waiting request asks whether its client is still there."""
INLINE_MEMORY = 4 << 20
"""An answer computed in this process stays in memory up to this size, then goes to disk."""
CHUNK = 256 << 10
"""Bytes per read when streaming a body to the client."""


class DataSettings(HeartbeatSettings):
    """Where data queries run (OCEANAPI_DATA__*)."""

    backend: Literal["local", "dask"] = Field(
        default="local",
        description="Where large queries run: 'local' (a process pool here) or 'dask' (the "
        "cluster at OCEANAPI_DASK__SCHEDULER; the spool folder must then be shared with it).",
    )
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=1024,
        description="Data worker processes (default: one per core); with Dask, queries at once.",
    )
    max_pending: int | None = Field(
        default=None,
        ge=1,
        description="Large queries in flight plus waiting before new ones get 503 (default: 4 "
        "per worker).",
    )
    timeout: float = Field(
        default=120.0, gt=0, description="Seconds one large query may take before it is stopped."
    )
    max_tasks: int = Field(
        default=200, ge=0, description="Queries per worker before it is replaced (0: never)."
    )
    inline_max_values: int = Field(
        default=50_000,
        ge=0,
        description="Queries estimated to read at most this many values are answered in the "
        "API process (the latency path); larger ones go to a data worker.",
    )
    inline_threads: int = Field(
        default=4, ge=1, le=256, description="Threads answering small queries in the API process."
    )
    spool_dir: Path | None = Field(
        default=None,
        description="Folder for encoded answers on their way to the client (default: the "
        "system's temporary folder).",
    )
    start_timeout: float = Field(
        default=120.0, gt=0, description="Seconds the data workers may take to start."
    )
    nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="How much lower the local data workers' CPU priority is than the API "
        "process's: when the cores are busy, the requests the API answers itself go first.",
    )


@dataclass
class DataStats:
    """Counters for metrics, tests and benchmarks."""

    inline: int = 0
    jobs: int = 0
    rejected: int = 0
    cancelled: int = 0
    timeouts: int = 0
    crashes: int = 0
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=50))


@dataclass
class Body:
    """An encoded answer: in memory, or an open (already unlinked) file of ``size`` bytes."""

    size: int
    content: bytes | None = None
    file: IO[bytes] | None = None
    where: Literal["inline", "worker"] = "inline"


class DataRunner:
    """Estimates, routes and runs data jobs (module docstring)."""

    def __init__(
        self,
        settings: DataSettings,
        catalog: Catalog,
        max_values: int,
        dask: DaskSettings | None = None,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.max_values = max_values
        self.stats = DataStats()
        kind = WorkerKind("data", data_worker.warm, nice=settings.nice, warm_every_worker=False)
        self.backend: RenderBackend = make_backend(settings, kind, catalog.path, max_values, dask)
        self._inline = ThreadPoolExecutor(settings.inline_threads, "oceanapi-data")
        self._io = ThreadPoolExecutor(4, "oceanapi-data-io")
        self._slots: asyncio.Semaphore | None = None
        self._spool: Path | None = None
        self._jobs: set[asyncio.Task[Body]] = set()
        self._running = 0
        self._closing = False

    # ------------------------------------------------------------------ life cycle

    async def start(self) -> None:
        """Make the spool folder and start the workers."""
        parent = self.settings.spool_dir or Path(tempfile.gettempdir())
        parent.mkdir(parents=True, exist_ok=True)
        self._spool = Path(tempfile.mkdtemp(prefix="oceanapi-data-", dir=parent))
        await self.backend.start()
        self._slots = asyncio.Semaphore(self.backend.workers)
        log.info("data runner: %d workers, spool %s", self.backend.workers, self._spool)

    async def close(self) -> None:
        """Let jobs in flight finish (or time out), stop the workers, remove the spool."""
        self._closing = True
        if self._jobs:
            await asyncio.wait(self._jobs, timeout=self.settings.timeout + 5)
        await self.backend.close()
        self._inline.shutdown(wait=False, cancel_futures=True)
        self._io.shutdown(wait=False, cancel_futures=True)
        if self._spool is not None:
            shutil.rmtree(self._spool, ignore_errors=True)

    @property
    def workers(self) -> int:
        """Large queries run at once."""
        return self.backend.workers

    @property
    def max_pending(self) -> int:
        """Large queries in flight plus waiting beyond which a request gets 503."""
        return self.settings.max_pending or 4 * self.backend.workers

    @property
    def queue_depth(self) -> int:
        """Large queries in flight plus waiting for a worker."""
        return len(self._jobs)

    @property
    def running(self) -> int:
        """Large queries running in a worker now."""
        return self._running

    @property
    def worker_restarts(self) -> int:
        """Workers started to replace one (timeout, crash, cancel, recycling)."""
        return self.backend.worker_restarts

    def worker_pids(self) -> list[int]:
        """Process ids of the local data workers."""
        return self.backend.worker_pids()

    def health(self) -> PoolHealth:
        """How many of the backend's workers are alive and answering (readiness, metrics)."""
        return self.backend.health()

    # ------------------------------------------------------------------ answering

    async def answer(self, job: Job, disconnected: Disconnected | None = None) -> Body:
        """The encoded answer: computed here when small, else in a data worker."""
        if self._closing or self._slots is None:
            raise NotReady("The data service is starting or shutting down.")
        context = contextvars.copy_context()  # the request id, for the log lines
        loop = asyncio.get_running_loop()
        inline = await loop.run_in_executor(self._inline, context.run, self._try_inline, job)
        if isinstance(inline, Body):
            self.stats.inline += 1
            return inline
        return await self._in_worker(inline, disconnected)

    async def where(self, job: Job) -> Literal["inline", "worker"]:
        """Where ``answer`` would compute the job, after the same checks (estimate: 413, units:
        400, an unknown variable: 404), computing nothing: what a HEAD needs."""
        if self._closing or self._slots is None:
            raise NotReady("The data service is starting or shutting down.")
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        values = await loop.run_in_executor(self._inline, context.run, self._estimate, job)
        return "inline" if values <= self.settings.inline_max_values else "worker"

    def _estimate(self, job: Job) -> int:
        with job.source(self.catalog) as source:
            return job.estimate(source, self.max_values)

    def _try_inline(self, job: Job) -> Body | Job:
        """Estimate (413 above the limit); answer here when small enough, else the job for a
        worker, carrying the dataset's version it was estimated against."""
        with job.source(self.catalog) as source:
            if job.estimate(source, self.max_values) > self.settings.inline_max_values:
                version = getattr(source, "version", None)  # a collection has none
                return cast(Job, dataclasses.replace(cast(Any, job), version=version))
            spool = self._spool_folder()
            sink = tempfile.SpooledTemporaryFile(INLINE_MEMORY, dir=spool)  # noqa: SIM115
            try:
                job.answer(source, self.max_values, SpoolSink(sink), scratch=spool)
            except BaseException:
                sink.close()
                raise
        size = sink.tell()
        if size <= INLINE_MEMORY:
            sink.seek(0)
            content = sink.read()
            sink.close()
            return Body(size, content=content)
        sink.seek(0)
        return Body(size, file=sink)

    async def _in_worker(self, job: Job, disconnected: Disconnected | None) -> Body:
        if len(self._jobs) >= self.max_pending:
            self.stats.rejected += 1
            raise DataBusy(
                f"{len(self._jobs)} large data queries are running or waiting; try again "
                "shortly, or ask for less data.",
                retry_after=self._retry_after(),
            )
        path = Path(self._spool_folder()) / f"{uuid.uuid4().hex}.{job.format}"
        try:  # made here, empty: a worker only opens it, so once removed it cannot come back
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StorageFailed.writing(exc) from None
        task = asyncio.create_task(self._run(job, path))
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        delivered = False
        try:
            while True:
                done, _ = await asyncio.wait({task}, timeout=POLL_SECONDS)
                if done:
                    body = task.result()
                    delivered = True
                    return body
                if disconnected is not None and await disconnected():
                    self.stats.cancelled += 1
                    log.info("data query cancelled: the client left")
                    raise ClientGone
        finally:
            path.unlink(missing_ok=True)
            if not task.done():
                task.cancel()  # a waiting job never starts; a running one's worker is stopped
                await asyncio.wait({task})  # raises only if this handler is cancelled itself
            if not delivered and not task.cancelled() and task.exception() is None:
                unread = task.result().file  # it finished as its client left
                if unread is not None:
                    unread.close()

    async def _run(self, job: Job, path: Path) -> Body:
        assert self._slots is not None
        async with self._slots:
            self._running += 1
            begin = time.perf_counter()
            timeout = self.settings.timeout
            try:
                size: int = await self.backend.run(data_worker.run, (job, str(path)), timeout)
            except DatasetUnavailable:
                self.catalog.recheck(job.dataset_id)  # the worker saw another source
                raise
            except WorkerTimeout:
                self.stats.timeouts += 1
                raise DataTimeout(
                    f"The {job.kind} query took longer than {timeout:g} s and was "
                    "stopped. " + job.advice
                ) from None
            except WorkerDied:
                self.stats.crashes += 1
                raise DataFailed(
                    "The worker answering this query died; it has been replaced. Try again."
                ) from None
            finally:
                self._running -= 1
            self.stats.jobs += 1
            self.stats.recent_ms.append((time.perf_counter() - begin) * 1000)
        file = path.open("rb")
        path.unlink()  # the open file stays readable; nothing is left behind if the client goes
        return Body(size, file=file, where="worker")

    def _spool_folder(self) -> str:
        """The spool folder, made again if something removed it (a temporary-files cleaner)."""
        assert self._spool is not None
        self._spool.mkdir(parents=True, exist_ok=True)
        return str(self._spool)

    def _retry_after(self) -> int:
        return retry_after(self.stats.recent_ms, len(self._jobs), self.workers)

    async def stream(self, file: IO[bytes]) -> AsyncIterator[bytes]:
        """A spooled body in chunks, read in the data I/O threads (the caller closes it)."""
        loop = asyncio.get_running_loop()
        while chunk := await loop.run_in_executor(self._io, file.read, CHUNK):
            yield chunk
