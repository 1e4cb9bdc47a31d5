"""What every backend is and raises: the errors, the worker kinds, the settings, the
base class and the Retry-After estimate."""

from __future__ import annotations

import math
import statistics
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field

from plotting import worker
from plotting.pool_worker import WarmUp
from schemas.datasets import PoolHealth


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


FORKSERVER_PRELOAD = [
    "plotting.worker",
    "plotting.types",
    "plotting.data_worker",
    "plotting.webmap.render",
]


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
