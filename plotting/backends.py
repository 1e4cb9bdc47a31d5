"""Where heavy work runs: a local pool of worker processes, or a Dask distributed cluster.

The plot runner and the data runner each own one backend (bulkheads: a flood of downloads
never takes a plot's worker, nor the reverse). A backend runs one call at a time per call of
``run`` and raises the same errors whichever it is, so the runners' admission control sits in
front of either:

- WorkerTimeout past the time limit. The local pool kills that worker (pebble) and starts a new
  one; on Dask the future is cancelled (the scheduler never runs it again) and the worker that
  was running it is restarted by its nanny, so a stuck call cannot hold a thread forever.
- WorkerDied when the process running the call died; only that call fails.
- Cancelling the coroutine awaiting ``run`` (its client left) stops the call: a waiting one
  never starts; a running one's worker is killed and replaced (pebble) or restarted (Dask).
- A domain error raised by the call (an unknown time, an unavailable dataset) as it is.

``health()`` says how many workers are alive and answering. Local workers beat a heartbeat;
an idle one that stops beating is killed and replaced (``plotting.pool_health``). On Dask the
scheduler and the nannies watch the workers (worker TTL, restarts): the count is the
scheduler's.
"""

from __future__ import annotations

import asyncio
import logging
import math
import multiprocessing
import statistics
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Collection
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast

from distributed import WorkerPlugin
from pebble import ProcessExpired, ProcessPool
from pydantic import BaseModel, Field

from plotting import pool_health, pool_worker, worker
from plotting.pool_health import HeartbeatMonitor
from plotting.pool_worker import Heartbeats, WarmUp
from schemas.datasets import PoolHealth

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger("oceanapi.plotting")


class DaskSettings(BaseModel):
    """The Dask cluster (OCEANAPI_DASK__*), used when OCEANAPI_PLOT__BACKEND=dask."""

    scheduler: str | None = Field(
        default=None,
        description="Address of the Dask scheduler, e.g. tcp://10.0.0.5:8786.",
        examples=["tcp://127.0.0.1:8786"],
    )
    connect_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to reach the scheduler at start-up."
    )


class WorkerTimeout(Exception):
    """The call ran past its time limit; its worker was stopped."""


class WorkerDied(Exception):
    """The process running the call died; only that call failed."""


@dataclass(frozen=True)
class WorkerKind:
    """What a backend's workers are: their name, how they warm up, their CPU priority.

    ``warm(catalog_path, max_values)`` opens the catalog (and whatever else the kind needs) once
    per process, in the pool's initialiser or before a Dask task's first call.
    """

    name: str
    warm: WarmUp
    nice: int = 0
    """How much lower than the API process's the local workers' CPU priority is."""
    warm_every_worker: bool = True
    """On Dask: warm every worker at start (a plugin), not only on its first task."""


PLOT_WORKERS = WorkerKind("plot", worker.warm)
FORKSERVER_PRELOAD = ["plotting.worker", "plotting.types", "plotting.data_worker"]
"""What the fork server imports once for every local worker it forks, of any kind: it is one
per process, shared by the plot and data pools (the pages stay shared, copy-on-write)."""


class HeartbeatSettings(BaseModel):
    """How a local pool's workers prove they are alive; the plot and data settings have both."""

    heartbeat_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often each local worker proves it is alive (its heartbeat), and how "
        "often the API process looks.",
    )
    heartbeat_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds without a heartbeat after which an idle local worker is killed "
        "and replaced (at least twice heartbeat_seconds).",
    )


class PoolSettings(Protocol):
    """The settings a runner gives its backend (PlotSettings, DataSettings)."""

    backend: Literal["local", "dask"]
    workers: int
    max_tasks: int
    start_timeout: float
    heartbeat_seconds: float
    heartbeat_timeout: float

    @property
    def model_fields_set(self) -> set[str]: ...


def make_backend(
    settings: PoolSettings,
    kind: WorkerKind,
    catalog: Path,
    max_values: int,
    dask: DaskSettings | None,
) -> RenderBackend:
    """The local pool or the Dask cluster the settings ask for, running ``kind`` workers.

    On Dask, ``workers`` counts only when set explicitly (default: the cluster's threads).
    """
    if settings.backend == "dask":
        explicit = settings.workers if "workers" in settings.model_fields_set else None
        return DaskCluster(dask or DaskSettings(), explicit, catalog, max_values, kind)
    return LocalPool(
        settings.workers,
        settings.max_tasks,
        settings.start_timeout,
        catalog,
        max_values,
        kind,
        heartbeat=(settings.heartbeat_seconds, settings.heartbeat_timeout),
    )


def retry_after(recent_ms: Collection[float], waiting: int, workers: int) -> int:
    """Seconds a refused client should wait: the work ahead of it at the recent median pace."""
    median_s = statistics.median(recent_ms) / 1000 if recent_ms else 1.0
    return max(1, math.ceil(waiting / workers * median_s))


class RenderBackend(ABC):
    """Runs one call at a time (per ``run``) somewhere else than the event loop."""

    workers: int
    """How many calls it runs at once."""

    @abstractmethod
    async def start(self) -> None:
        """Start (or reach) the workers; return when each has opened the catalog and warmed up."""

    @abstractmethod
    async def run(self, call: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        """``call(*args)`` in a worker: WorkerTimeout, WorkerDied, or the call's domain error."""

    @abstractmethod
    async def close(self) -> None:
        """Stop the workers this backend started (after the runner let its jobs finish)."""

    @property
    @abstractmethod
    def worker_restarts(self) -> int:
        """Workers started to replace one: after a timeout, a crash, a cancel, recycling."""

    @abstractmethod
    def health(self) -> PoolHealth:
        """How many workers are alive and answering, of ``workers``."""

    def worker_pids(self) -> list[int]:
        """Process ids of the local workers (none for a remote cluster)."""
        return []


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


class DaskCluster(RenderBackend):
    """Renders as tasks on a Dask distributed cluster; its workers open the catalog themselves.

    The catalog path (and every source in it) must mean the same on the cluster's machines:
    a shared file system, or sources given as URLs (Zarr on object storage). Workers should run
    one thread each (``--nthreads 1``): matplotlib draws one figure per process at a time.
    A worker that dies mid-render fails that request when the scheduler allows no retries
    (``distributed.scheduler.allowed-failures: 0``); with retries it is drawn again elsewhere.
    """

    def __init__(
        self,
        dask: DaskSettings,
        workers: int | None,
        catalog: Path,
        max_values: int,
        kind: WorkerKind = PLOT_WORKERS,
    ) -> None:
        if not dask.scheduler:
            raise ValueError("OCEANAPI_DASK__SCHEDULER is required with a 'dask' backend")
        self.kind = kind
        self.address = dask.scheduler
        self.workers = workers or 0
        self._connect_timeout = dask.connect_timeout
        self._catalog = str(catalog)
        self._max_values = max_values
        self._client: Client | None = None
        self._restarts = 0
        self._restarting: set[asyncio.Future[Any]] = set()

    async def start(self) -> None:
        from distributed import Client

        self._client = await Client(
            self.address,
            asynchronous=True,
            timeout=self._connect_timeout,
            set_as_default=False,
            name=f"oceanapi-{self.kind.name}",
        )
        await self._check_code("the scheduler", self._client.run_on_scheduler(pool_worker.ping))
        try:
            waiting = self._client.wait_for_workers(1, timeout=self._connect_timeout)
            await cast(Awaitable[None], waiting)
        except TimeoutError:
            raise RuntimeError(f"the Dask cluster at {self.address} has no workers") from None
        await self._check_code("a worker", self._client.run(pool_worker.ping))
        per_worker: dict[str, int] = await self._client.nthreads()
        threads = sum(per_worker.values())
        self.workers = self.workers or threads
        if self.kind.warm_every_worker:
            # Every worker, now and whenever one (re)starts, opens the catalog and warms up
            # first.
            registering = self._client.register_plugin(
                WarmUpPlugin(self.kind.warm, self._catalog, self._max_values),
                name=f"oceanapi-warm-up-{self.kind.name}",
            )
            await cast(Awaitable[Any], registering)  # a coroutine on an asynchronous client
        log.info("%s backend: Dask at %s, %d worker threads", self.kind.name, self.address, threads)

    async def _check_code(self, where: str, call: Any) -> None:
        """Fail at start-up, not on every plot, when the scheduler or a worker cannot import
        the service's code (each unpickles the render task that names it)."""
        try:
            await call
        except Exception as exc:
            raise RuntimeError(
                f"the Dask cluster at {self.address} cannot run the service's code ({where}: "
                f"{exc!r}): start the scheduler and the workers from a virtualenv with the "
                "packages of requirements.lock and this project installed, as `make serve` "
                "builds .venv (.venv/bin/dask scheduler, .venv/bin/dask worker)"
            ) from None

    async def run(self, call: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError

        assert self._client is not None
        key = f"oceanapi-{self.kind.name}-{uuid.uuid4().hex}"
        future = self._client.submit(
            pool_worker.on_cluster,
            self.kind.warm,
            self._catalog,
            self._max_values,
            call,
            *args,
            key=key,
            pure=False,
        )
        try:
            return await asyncio.wait_for(_result(future), timeout)
        except TimeoutError:
            await self._stop_stuck(key, future)
            log.warning("%s task timed out on Dask after %g s", self.kind.name, timeout)
            raise WorkerTimeout from None
        except (KilledWorker, FutureCancelledError) as exc:
            log.error("Dask worker died running a %s task: %r", self.kind.name, exc)
            raise WorkerDied from None
        except asyncio.CancelledError:  # the client left: a running task's worker restarts
            await asyncio.shield(self._stop_stuck(key, future))
            raise

    async def _stop_stuck(self, key: str, future: Any) -> None:
        """Cancel the task (never run again) and restart the worker still running it.

        The restart (nanny, then WarmUp: a few seconds) goes on in the background: the client
        gets its 504 at the time limit.
        """
        assert self._client is not None
        processing = await self._client.processing()
        holders = [address for address, keys in processing.items() if key in keys]
        await future.cancel()
        if holders:
            self._restarts += len(holders)
            restart = self._client.restart_workers(holders, raise_for_error=False)
            task = asyncio.ensure_future(cast(Awaitable[Any], restart))
            self._restarting.add(task)
            task.add_done_callback(self._restarting.discard)

    async def close(self) -> None:
        if self._restarting:
            await asyncio.wait(self._restarting, timeout=30)
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    @property
    def worker_restarts(self) -> int:
        return self._restarts

    def health(self) -> PoolHealth:
        """The cluster's worker threads, from the client's copy of the scheduler's figures
        (refreshed every ``distributed.client.scheduler-info-interval``, 2 s)."""
        info = self._client.scheduler_info() if self._client is not None else {}
        return PoolHealth(
            pool=cast(Literal["plot", "data"], self.kind.name),
            backend="dask",
            workers=self.workers,
            healthy=int(info.get("total_threads", 0)),
            heartbeat_replacements=0,
        )


async def _result(future: Any) -> Any:
    """A distributed future's result, awaited on the asynchronous client's loop."""
    return await future


class WarmUpPlugin(WorkerPlugin):
    """A Dask worker plugin: the worker opens the catalog and warms up (matplotlib, for plots)
    when it starts, so a restarted worker's first task costs no more than any other."""

    def __init__(self, warm: WarmUp, catalog: str, max_values: int) -> None:
        self.warm = warm
        self.catalog = catalog
        self.max_values = max_values

    def setup(self, worker: Any) -> None:
        self.warm(self.catalog, self.max_values)
