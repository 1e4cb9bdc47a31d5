"""Data queries as values: what to compute and how large it is (the /api/v1 families; the
OGC EDR ones are in ``edr_requests``).

Each facade (``/api/v1``, ``/edr``) parses its parameters once into one of the query classes
below. The service asks the query for its ``estimate`` in its own process (no data is read):
above the limit it is a 413 before any work starts; small ones are answered there (the latency
path), larger ones are sent to a data worker. The same picklable ``DataJob`` runs in either
place, so both give the same bytes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from catalog import query
from catalog.dataset import OpenDataset
from catalog.geo import BBox
from catalog.grids import cell_count, thin, thinned_stride
from catalog.query.result import Interp, QueryResult
from catalog.query.sampling import guard
from catalog.selection import Instant, time_range
from catalog.variables import VariableInfo
from schemas.params import DepthSpec, Path, PathType

STENCIL = 4
"""Most cells one interpolated value reads (bilinear); nearest reads one."""


def per_point(interp: str) -> int:
    return 1 if interp == "nearest" else STENCIL


def levels_read(info: VariableInfo, every: bool) -> int:
    """Levels read for a variable: one, or all of them (a section, a profile, 'bottom')."""
    if info.vertical is None or not every:
        return 1
    return int(info.vertical.depths.size)


def steps_between(infos: list[VariableInfo], start: Instant, end: Instant) -> int:
    """Time steps between ``start`` and ``end`` on the first real time axis (1 without one)."""
    for info in infos:
        if info.time is not None and info.time.dim is not None:
            steps = time_range(info.time, start, end)
            return int(steps.stop - steps.start)
    return 1


def cells_read(info: VariableInfo, bbox: BBox, stride: int, max_cells: int | None) -> int:
    """Cells of the box the engine's area query reads, after its thinning."""
    cells = info.grid.box(bbox)
    return cell_count(thin(cells, thinned_stride(cells, stride, max_cells)))


class Query(ABC):
    """A data query, parsed: ``estimate`` (no reading) and ``run`` (the engine)."""

    kind: ClassVar[str]
    """The result's kind, as in the NetCDF file name ('point', 'area' ...)."""
    advice: ClassVar[str]
    """How to ask for less, in the 413."""

    @abstractmethod
    def count(self, opened: OpenDataset) -> int:
        """Values the query would read; parameter errors are raised here, before any work."""

    @abstractmethod
    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        """The results (several for an EDR MULTIPOINT)."""

    def estimate(self, opened: OpenDataset, max_values: int) -> int:
        """``count``, or SelectionTooLarge (413) above ``max_values``."""
        estimate = self.count(opened)
        guard(estimate, max_values, self.advice)
        return estimate


@dataclass(frozen=True)
class Point(Query):
    """/api/v1 data/point."""

    names: list[str] | None
    lon: float
    lat: float
    time: Instant = None
    depth: DepthSpec | None = None
    interp: Interp = "nearest"
    kind: ClassVar[str] = "point"
    advice: ClassVar[str] = "Ask for fewer variables."

    def count(self, opened: OpenDataset) -> int:
        infos = opened.resolve(self.names)
        return per_point(self.interp) * sum(levels_read(i, self.depth == "bottom") for i in infos)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            query.point(
                opened,
                self.names,
                self.lon,
                self.lat,
                self.time,
                self.depth,
                self.interp,
                max_values,
            )
        ]


@dataclass(frozen=True)
class Timeseries(Query):
    """/api/v1 data/timeseries."""

    names: list[str] | None
    lon: float
    lat: float
    start: Instant = None
    end: Instant = None
    depth: DepthSpec | None = None
    interp: Interp = "nearest"
    kind: ClassVar[str] = "timeseries"
    advice: ClassVar[str] = "Ask for a shorter time range (start/end) or fewer variables."

    def count(self, opened: OpenDataset) -> int:
        infos = opened.resolve(self.names)
        levels = sum(levels_read(i, self.depth == "bottom") for i in infos)
        return per_point(self.interp) * levels * steps_between(infos, self.start, self.end)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            query.timeseries(
                opened,
                self.names,
                self.lon,
                self.lat,
                self.start,
                self.end,
                self.depth,
                self.interp,
                max_values,
            )
        ]


@dataclass(frozen=True)
class Profile(Query):
    """/api/v1 data/profile."""

    names: list[str] | None
    lon: float
    lat: float
    time: Instant = None
    depth_min: float | None = None
    depth_max: float | None = None
    interp: Interp = "nearest"
    kind: ClassVar[str] = "profile"
    advice: ClassVar[str] = "Ask for a depth range or fewer variables."

    def count(self, opened: OpenDataset) -> int:
        every = sum(levels_read(i, True) for i in opened.resolve(self.names))
        return per_point(self.interp) * every

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            query.profile(
                opened,
                self.names,
                self.lon,
                self.lat,
                self.time,
                self.depth_min,
                self.depth_max,
                self.interp,
                max_values,
            )
        ]


@dataclass(frozen=True)
class Area(Query):
    """/api/v1 data/area."""

    names: list[str] | None
    bbox: BBox
    time: Instant = None
    depth: DepthSpec | None = None
    stride: int = 1
    max_cells: int | None = None
    kind: ClassVar[str] = "area"
    advice: ClassVar[str] = (
        "Ask for a smaller box or fewer variables, or thin it with stride or max_cells."
    )

    def count(self, opened: OpenDataset) -> int:
        infos = opened.resolve(self.names)
        cells = cells_read(infos[0], self.bbox, self.stride, self.max_cells)
        return cells * sum(levels_read(i, self.depth == "bottom") for i in infos)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            query.area(
                opened,
                self.names,
                self.bbox,
                self.time,
                self.depth,
                self.stride,
                self.max_cells,
                max_values,
            )
        ]


@dataclass(frozen=True)
class Transect(Query):
    """/api/v1 data/transect."""

    names: list[str] | None
    vertices: Path
    n: int = 100
    time: Instant = None
    depth: DepthSpec | None = None
    interp: Interp = "nearest"
    path_type: PathType = "rhumb"
    kind: ClassVar[str] = "transect"
    advice: ClassVar[str] = "Ask for fewer samples (n), one depth or fewer variables."

    def count(self, opened: OpenDataset) -> int:
        every = self.depth is None or self.depth == "bottom"
        levels = sum(levels_read(i, every) for i in opened.resolve(self.names))
        return self.n * per_point(self.interp) * levels

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            query.transect(
                opened,
                self.names,
                self.vertices,
                self.n,
                self.time,
                self.depth,
                self.interp,
                max_values,
                self.path_type,
            )
        ]
