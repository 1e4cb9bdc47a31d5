"""What runs inside a plot worker process: warm-up, then one render per job.

A worker opens the catalog itself (so no array crosses a process boundary), imports matplotlib
and draws one small figure before it reports ready.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from catalog.sources import UNVERSIONED, SourceVersion
from plotting import basemap, data_worker
from plotting.common import RenderContext
from plotting.figure import MEDIA_TYPES, encode
from plotting.jobs import Rendered
from plotting.observed import ObservationContext
from plotting.params import PlotParams
from plotting.webmap import render as webmap

log = logging.getLogger("oceanapi.plotting")

RENDER_VERSION = "2"
"""Bump when the drawing code changes what an identical request gives (it keys the cache)."""

_state: dict[str, Any] = {}


@dataclass(frozen=True)
class RenderJob:
    """One plot to draw: picklable, small, and with a stable key for caching.

    ``version``: the dataset's version the API admitted it against; the worker draws from that
    one (``Catalog.reading``), and its generation keys the cache, so that an image of a replaced
    source is never served for the new one.
    """

    plot_type: str
    render: Callable[[RenderContext, Any], Figure]
    dataset_id: str
    params: PlotParams
    version: SourceVersion = UNVERSIONED
    others: tuple[tuple[str, SourceVersion], ...] = ()
    """The other datasets the parameters name (``PlotParams.other_datasets``) and the
    versions admitted: opened by the worker beside the plot's own, and keying the cache."""

    @property
    def describe(self) -> str:
        """What is drawn, for messages: 'map plot'."""
        return f"{self.plot_type} plot"

    def entry(self) -> Callable[[RenderJob], Rendered]:
        """What a worker runs for this job."""
        return run

    @property
    def key(self) -> str:
        """A digest of everything that decides the image's bytes."""
        spec = {
            "v": RENDER_VERSION,
            "type": self.plot_type,
            "render": f"{self.render.__module__}.{self.render.__qualname__}",
            "dataset": self.dataset_id,
            "generation": self.version.generation,
            "params": self.params.model_dump(mode="json"),
        }
        if self.others:
            spec["others"] = [[dataset_id, v.generation] for dataset_id, v in self.others]
        return _digest(spec)


def _digest(spec: dict[str, Any]) -> str:
    """A job's cache key: the SHA-256 of its spec as sorted JSON."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class ObservationRenderJob:
    """One plot of an observation collection to draw: picklable, small, with a stable key.

    A collection is indexed once when the service starts (it has no versions), so its id and
    the parameters decide the image; the worker reads the profiles from the files its own
    index names."""

    plot_type: str
    render: Callable[[ObservationContext, Any], Figure]
    collection_id: str
    params: PlotParams

    @property
    def describe(self) -> str:
        """What is drawn, for messages: 'track plot'."""
        return f"{self.plot_type} plot"

    def entry(self) -> Callable[[ObservationRenderJob], Rendered]:
        """What a worker runs for this job."""
        return run_observations

    @property
    def key(self) -> str:
        """A digest of everything that decides the image's bytes."""
        spec = {
            "v": RENDER_VERSION,
            "type": self.plot_type,
            "render": f"{self.render.__module__}.{self.render.__qualname__}",
            "collection": self.collection_id,
            "params": self.params.model_dump(mode="json"),
        }
        return _digest(spec)


def warm(catalog_path: str, max_values: int) -> None:
    """Open the catalog (the process's one, shared with data work), warm matplotlib and the
    land layers (once per process and catalog)."""
    if _state.get("catalog_path") == catalog_path:
        return
    data_worker.warm(catalog_path, max_values)
    basemap.preload()
    fig = Figure(figsize=(1, 1), dpi=50)
    fig.add_subplot().plot([0, 1])
    encode(fig, "png")
    webmap.warm()
    _state["catalog_path"] = catalog_path


def run(job: RenderJob) -> Rendered:
    """Render one job (in a worker). Domain errors propagate to the API as they are."""
    begin = time.perf_counter()
    catalog, max_values = data_worker.opened()
    with ExitStack() as reading:
        opened = reading.enter_context(catalog.reading(job.dataset_id, job.version))
        others = {
            dataset_id: reading.enter_context(catalog.reading(dataset_id, version))
            for dataset_id, version in job.others
        }
        fig = job.render(RenderContext(opened, max_values, others), job.params)
    return _encoded(fig, job.params.f, begin)


def _encoded(fig: Figure, fmt: str, begin: float) -> Rendered:
    """The drawn figure encoded, with the time spent drawing (since ``begin``) and encoding."""
    drawn = time.perf_counter()
    body = encode(fig, fmt)
    done = time.perf_counter()
    timings = {"data_and_draw": (drawn - begin) * 1000, "encode": (done - drawn) * 1000}
    return Rendered(body, MEDIA_TYPES[fmt], timings, os.getpid())


def run_observations(job: ObservationRenderJob) -> Rendered:
    """Render one plot of an observation collection (in a worker): the catalog's collection,
    indexed when the worker warmed; its profiles read from their files."""
    begin = time.perf_counter()
    catalog, max_values = data_worker.opened()
    collection = catalog.collection(job.collection_id)
    fig = job.render(ObservationContext(collection, max_values), job.params)
    return _encoded(fig, job.params.f, begin)
