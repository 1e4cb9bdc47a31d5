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

One module per backend (``local``, ``dask``) beside what they share (``base``); this package
chooses between them and names what the runners use.
"""

from __future__ import annotations

from pathlib import Path

from plotting.backends.base import (
    FORKSERVER_PRELOAD,
    PLOT_WORKERS,
    HeartbeatSettings,
    PoolSettings,
    RenderBackend,
    WorkerDied,
    WorkerKind,
    WorkerTimeout,
    retry_after,
)
from plotting.backends.dask import DaskCluster, DaskSettings, WarmUpPlugin
from plotting.backends.local import LocalPool

__all__ = [
    "FORKSERVER_PRELOAD",
    "PLOT_WORKERS",
    "DaskCluster",
    "DaskSettings",
    "HeartbeatSettings",
    "LocalPool",
    "PoolSettings",
    "RenderBackend",
    "WarmUpPlugin",
    "WorkerDied",
    "WorkerKind",
    "WorkerTimeout",
    "make_backend",
    "retry_after",
]


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
