"""Where renders run: a local pool of worker processes, or a Dask distributed cluster.

Both take one job at a time per call and raise the same errors, so the runner's admission
control, sharing and cache sit in front of either:

- PlotTimeout (504) past the time limit. The local pool kills that worker (pebble) and starts a
  new one; on Dask the future is cancelled (the scheduler never runs it again) and the worker
  that was running it is restarted by its nanny, so a stuck render cannot hold a thread forever.
- PlotFailed (500) when the process drawing the job died; only that job fails.
- A domain error raised while drawing (an unknown time, an unavailable dataset) as it is.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import uuid
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from distributed import WorkerPlugin
from pebble import ProcessExpired, ProcessPool
from pydantic import BaseModel, Field

from catalog.errors import PlotFailed, PlotTimeout
from plotting import worker
from plotting.worker import Rendered, RenderJob

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


def _timed_out(job: RenderJob, timeout: float) -> PlotTimeout:
    return PlotTimeout(
        f"The {job.plot_type} plot took longer than {timeout:g} s and was stopped. Ask for a "
        "smaller box, fewer samples or a smaller image."
    )


def _died() -> PlotFailed:
    return PlotFailed("The worker drawing this plot died; it has been replaced. Try again.")


class RenderBackend(ABC):
    """Runs one render job somewhere else than the event loop."""

    workers: int
    """How many renders it runs at once."""

    @abstractmethod
    async def start(self) -> None:
        """Start (or reach) the workers; return when each has opened the catalog and warmed up."""

    @abstractmethod
    async def render(self, job: RenderJob, timeout: float) -> Rendered:
        """Draw the job: PlotTimeout, PlotFailed, or the drawing's own domain error."""

    @abstractmethod
    async def close(self) -> None:
        """Stop the workers this backend started (after the runner let renders finish)."""

    @property
    @abstractmethod
    def worker_restarts(self) -> int:
        """Workers started to replace one: after a timeout, a crash, recycling."""

    def worker_pids(self) -> list[int]:
        """Process ids of the local workers (none for a remote cluster)."""
        return []


class LocalPool(RenderBackend):
    """A pebble process pool on this machine (forkserver; workers preload the plot code)."""

    def __init__(
        self, workers: int, max_tasks: int, start_timeout: float, catalog: Path, max_values: int
    ) -> None:
        self.workers = workers
        self.pools_replaced = 0
        self._max_tasks = max_tasks
        self._start_timeout = start_timeout
        self._catalog = catalog
        self._max_values = max_values
        self._context = multiprocessing.get_context("forkserver")
        self._started: Any = self._context.Value("i", 0)
        self._warm_at_close = 0
        self._pool: ProcessPool | None = None

    async def start(self) -> None:
        self._context.set_forkserver_preload(["plotting.worker", "plotting.types"])
        self._pool = self._new_pool()
        # pebble starts its workers with the first job; a ping per worker starts them all.
        pings = [self._pool.schedule(worker.ping) for _ in range(self.workers)]
        deadline = asyncio.get_running_loop().time() + self._start_timeout
        while self.warm_workers < self.workers:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("plot workers did not start in time")
            await asyncio.sleep(0.02)
        await asyncio.gather(*(asyncio.wrap_future(p) for p in pings))

    def _new_pool(self) -> ProcessPool:
        return ProcessPool(
            max_workers=self.workers,
            max_tasks=self._max_tasks,
            initializer=worker.initialise,
            initargs=(str(self._catalog), self._max_values, self._started),
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
            self.pools_replaced += 1
            log.error("plot pool broken (a worker died unaccounted for); started a new one")
            broken.stop()
            asyncio.get_running_loop().run_in_executor(None, broken.join, 10)
        return self._pool

    async def render(self, job: RenderJob, timeout: float) -> Rendered:
        future = self._working_pool().schedule(worker.run, args=(job,), timeout=timeout)
        try:
            rendered: Rendered = await asyncio.wrap_future(future)
        except FutureTimeout:
            log.warning("plot %s on %s timed out; worker replaced", job.plot_type, job.dataset_id)
            raise _timed_out(job, timeout) from None
        except (ProcessExpired, BrokenProcessPool) as exc:
            log.error("plot worker died rendering %s: %r", job.key[:12], exc)
            raise _died() from None
        return rendered

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            pool.stop()
            await asyncio.to_thread(pool.join, 10)
        # Drop the counter now: its semaphore is unlinked by its finaliser, not reported as
        # leaked by the resource tracker when uvicorn ends the process with a signal.
        self._warm_at_close, self._started = self.warm_workers, None

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
        manager = self._pool._pool_manager.worker_manager  # pebble has no public accessor
        return [int(pid) for pid in tuple(manager.workers)]  # a snapshot: pebble changes it


class DaskCluster(RenderBackend):
    """Renders as tasks on a Dask distributed cluster; its workers open the catalog themselves.

    The catalog path (and every source in it) must mean the same on the cluster's machines:
    a shared file system, or sources given as URLs (Zarr on object storage). Workers should run
    one thread each (``--nthreads 1``): matplotlib draws one figure per process at a time.
    A worker that dies mid-render fails that request when the scheduler allows no retries
    (``distributed.scheduler.allowed-failures: 0``); with retries it is drawn again elsewhere.
    """

    def __init__(
        self, dask: DaskSettings, workers: int | None, catalog: Path, max_values: int
    ) -> None:
        if not dask.scheduler:
            raise ValueError(
                "OCEANAPI_DASK__SCHEDULER is required with OCEANAPI_PLOT__BACKEND=dask"
            )
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
            name="oceanapi",
        )
        await self._check_code("the scheduler", self._client.run_on_scheduler(worker.ping))
        try:
            waiting = self._client.wait_for_workers(1, timeout=self._connect_timeout)
            await cast(Awaitable[None], waiting)
        except TimeoutError:
            raise RuntimeError(f"the Dask cluster at {self.address} has no workers") from None
        await self._check_code("a worker", self._client.run(worker.ping))
        per_worker: dict[str, int] = await self._client.nthreads()
        threads = sum(per_worker.values())
        self.workers = self.workers or threads
        # Every worker, now and whenever one (re)starts, opens the catalog and warms up first.
        registering = self._client.register_plugin(
            WarmUp(self._catalog, self._max_values), name="oceanapi-warm-up"
        )
        await cast(Awaitable[Any], registering)  # a coroutine on an asynchronous client
        log.info("plot backend: Dask at %s, %d worker threads", self.address, threads)

    async def _check_code(self, where: str, call: Any) -> None:
        """Fail at start-up, not on every plot, when the scheduler or a worker cannot import
        the service's code (each unpickles the render task that names it)."""
        try:
            await call
        except Exception as exc:
            raise RuntimeError(
                f"the Dask cluster at {self.address} cannot run the service's code ({where}: "
                f"{exc!r}): start the scheduler and the workers from a checkout of this "
                "repository with PYTHONPATH=. and the packages of requirements.lock"
            ) from None

    async def render(self, job: RenderJob, timeout: float) -> Rendered:
        from distributed import KilledWorker
        from distributed.client import FutureCancelledError

        assert self._client is not None
        key = f"oceanapi-plot-{job.plot_type}-{uuid.uuid4().hex}"
        future = self._client.submit(
            worker.run_on_cluster, self._catalog, self._max_values, job, key=key, pure=False
        )
        try:
            rendered: Rendered = await asyncio.wait_for(_result(future), timeout)
        except TimeoutError:
            await self._stop_stuck(key, future)
            log.warning("plot %s on %s timed out on Dask", job.plot_type, job.dataset_id)
            raise _timed_out(job, timeout) from None
        except (KilledWorker, FutureCancelledError) as exc:
            log.error("Dask worker died rendering %s: %r", job.key[:12], exc)
            raise _died() from None
        except asyncio.CancelledError:
            await future.cancel()
            raise
        return rendered

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


async def _result(future: Any) -> Rendered:
    """A distributed future's result, awaited on the asynchronous client's loop."""
    rendered: Rendered = await future
    return rendered


class WarmUp(WorkerPlugin):
    """A Dask worker plugin: the worker opens the catalog and warms matplotlib when it starts,
    so a restarted worker's first render costs no more than any other."""

    def __init__(self, catalog: str, max_values: int) -> None:
        self.catalog = catalog
        self.max_values = max_values

    def setup(self, worker: Any) -> None:
        from plotting import worker as plot_worker

        plot_worker.warm(self.catalog, self.max_values)
