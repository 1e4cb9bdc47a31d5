"""The Dask distributed backend: calls run as tasks on a cluster's workers."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from distributed import WorkerPlugin
from pydantic import BaseModel, Field

from plotting import pool_worker
from plotting.backends.base import (
    PLOT_WORKERS,
    RenderBackend,
    WorkerDied,
    WorkerKind,
    WorkerTimeout,
)
from plotting.pool_worker import WarmUp
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
