"""What every worker process runs around its calls, whatever its kind (plots, data queries).

Light on purpose: it imports nothing of the plotting code or the catalog.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

WarmUp = Callable[[str, int], None]
"""``warm(catalog_path, max_values)``: open the catalog (once per process) and warm up."""


def initialise(
    warm: WarmUp, catalog_path: str, max_values: int, started: Any, nice: int = 0
) -> None:
    """Local pool initialiser: lower the worker's CPU priority by ``nice`` (the API process,
    which answers every other request, goes first when the cores are busy), warm up, then
    count this worker as started."""
    if nice:
        os.nice(nice)
    warm(catalog_path, max_values)
    with started.get_lock():
        started.value += 1


def on_cluster(
    warm: WarmUp, catalog_path: str, max_values: int, call: Callable[..., Any], *args: Any
) -> Any:
    """A Dask task: the worker warms up the first time (opens the catalog), then calls."""
    warm(catalog_path, max_values)
    return call(*args)


def ping() -> int:
    """The worker's pid (for tests and warm-up checks)."""
    return os.getpid()
