"""Data queries as values: what to compute, how large it is, and its answer in a format.

Each facade (``/api/v1``, ``/edr``) parses its parameters once into one of the query classes
below. The service asks the query for its ``estimate`` in its own process (no data is read):
above the limit it is a 413 before any work starts; small ones are answered there (the latency
path), larger ones are sent to a data worker. The same picklable ``DataJob`` runs in either
place, so both give the same bytes.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import xarray as xr
from shapely.geometry.base import BaseGeometry

from catalog import edr, queries
from catalog.dataset import OpenDataset
from catalog.encoders import Sink, write, write_collection
from catalog.formats import CRS84, MEDIA_TYPES, convert_or_400, convert_units
from catalog.geo import BBox
from catalog.queries import Interp, QueryResult
from catalog.sampling import guard
from catalog.selection import time_range
from catalog.sources import SourceVersion
from catalog.variables import VariableInfo

STENCIL = 4
"""Most cells one interpolated value reads (bilinear); nearest reads one."""


def _per_point(interp: str) -> int:
    return 1 if interp == "nearest" else STENCIL


def _levels(info: VariableInfo, every: bool) -> int:
    """Levels read for a variable: one, or all of them (a section, a profile, 'bottom')."""
    if info.vertical is None or not every:
        return 1
    return int(info.vertical.depths.size)


def _steps(infos: list[VariableInfo], start: str | None, end: str | None) -> int:
    """Time steps between ``start`` and ``end`` on the first real time axis (1 without one)."""
    for info in infos:
        if info.time is not None and info.time.dim is not None:
            steps = time_range(info.time, start, end)
            return int(steps.stop - steps.start)
    return 1


def _cells(info: VariableInfo, bbox: BBox, stride: int, max_cells: int | None) -> int:
    """Cells of the box the engine's area query reads, after its thinning."""
    rows, cols = info.grid.box(bbox)
    stride = queries.thinned_stride(rows.size, cols.size, stride, max_cells)
    return math.ceil(rows.size / stride) * math.ceil(cols.size / stride)


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
    time: str | None = None
    depth: float | str | None = None
    interp: Interp = "nearest"
    kind: ClassVar[str] = "point"
    advice: ClassVar[str] = "Ask for fewer variables."

    def count(self, opened: OpenDataset) -> int:
        infos = opened.resolve(self.names)
        return _per_point(self.interp) * sum(_levels(i, self.depth == "bottom") for i in infos)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            queries.point(
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
    start: str | None = None
    end: str | None = None
    depth: float | str | None = None
    interp: Interp = "nearest"
    kind: ClassVar[str] = "timeseries"
    advice: ClassVar[str] = "Ask for a shorter time range (start/end) or fewer variables."

    def count(self, opened: OpenDataset) -> int:
        infos = opened.resolve(self.names)
        levels = sum(_levels(i, self.depth == "bottom") for i in infos)
        return _per_point(self.interp) * levels * _steps(infos, self.start, self.end)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            queries.timeseries(
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
    time: str | None = None
    depth_min: float | None = None
    depth_max: float | None = None
    interp: Interp = "nearest"
    kind: ClassVar[str] = "profile"
    advice: ClassVar[str] = "Ask for a depth range or fewer variables."

    def count(self, opened: OpenDataset) -> int:
        every = sum(_levels(i, True) for i in opened.resolve(self.names))
        return _per_point(self.interp) * every

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            queries.profile(
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
    time: str | None = None
    depth: float | str | None = None
    stride: int = 1
    max_cells: int | None = None
    kind: ClassVar[str] = "area"
    advice: ClassVar[str] = (
        "Ask for a smaller box or fewer variables, or thin it with stride or max_cells."
    )

    def count(self, opened: OpenDataset) -> int:
        infos = opened.resolve(self.names)
        cells = _cells(infos[0], self.bbox, self.stride, self.max_cells)
        return cells * sum(_levels(i, self.depth == "bottom") for i in infos)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            queries.area(
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
    vertices: list[tuple[float, float]]
    n: int = 100
    time: str | None = None
    depth: float | str | None = None
    interp: Interp = "nearest"
    kind: ClassVar[str] = "transect"
    advice: ClassVar[str] = "Ask for fewer samples (n), one depth or fewer variables."

    def count(self, opened: OpenDataset) -> int:
        every = self.depth is None or self.depth == "bottom"
        levels = sum(_levels(i, every) for i in opened.resolve(self.names))
        return self.n * _per_point(self.interp) * levels

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            queries.transect(
                opened,
                self.names,
                self.vertices,
                self.n,
                self.time,
                self.depth,
                self.interp,
                max_values,
            )
        ]


# ----------------------------------------------------------------------------- EDR


def _edr_count(
    opened: OpenDataset, names: list[str] | None, datetime_: str | None, z: str | None
) -> tuple[list[VariableInfo], int]:
    """The variables an EDR query reads, and its time steps x levels (errors in EDR names)."""
    when, levels = edr.parse_datetime(datetime_), edr.parse_z(z)
    with edr.edr_names():
        infos = opened.resolve(names)
        if levels.multiple:
            infos = edr.three_d(infos, names)
        return infos, _edr_steps(infos, when) * len(edr.chosen_levels(infos, levels))


def _edr_steps(infos: list[VariableInfo], when: edr.Instants) -> int:
    """The time steps an EDR ``datetime`` selects, counted without listing them."""
    axis = infos[0].time
    if when.interval and axis is not None and axis.dim is not None:
        return _steps(infos[:1], when.start, when.end)
    return len(edr.time_steps(infos, when))  # one step, or the 400 of an axis-less interval


@dataclass(frozen=True)
class EdrPosition(Query):
    """EDR position: one or several places (a MULTIPOINT gives one result each)."""

    names: list[str] | None
    points: list[tuple[float, float]]
    datetime: str | None = None
    z: str | None = None
    kind: ClassVar[str] = "point"
    advice: ClassVar[str] = "Ask for fewer places, time steps (datetime) or levels (z)."

    def count(self, opened: OpenDataset) -> int:
        when, levels = edr.parse_datetime(self.datetime), edr.parse_z(self.z)
        if when.interval and levels.multiple:
            return 0  # the engine's 400 (one of datetime or z), before reading anything
        with edr.edr_names():
            infos = opened.resolve(self.names)
            if when.interval:  # a time series of the variables with a time axis, as the engine
                timed = [i for i in infos if i.time is not None and i.time.dim is not None]
                return len(self.points) * len(timed) * _steps(timed, when.start, when.end)
            if levels.multiple:  # a profile of the variables with levels
                infos = edr.three_d(infos, self.names)
                return len(self.points) * len(infos) * len(edr.chosen_levels(infos, levels))
        return len(self.points) * len(infos)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            edr.position(opened, self.names, x, y, self.datetime, self.z, max_values)
            for x, y in self.points
        ]


@dataclass(frozen=True)
class EdrCube(Query):
    """EDR cube: cells in a box, stacked over time steps and levels."""

    names: list[str] | None
    bbox: BBox
    datetime: str | None = None
    z: str | None = None
    resolution: tuple[int, int] | None = None
    kind: ClassVar[str] = "area"
    advice: ClassVar[str] = (
        "Ask for fewer time steps (datetime), fewer levels (z) or a smaller box (bbox/coords), "
        "or thin it with resolution-x/resolution-y."
    )

    def count(self, opened: OpenDataset) -> int:
        infos, per_cell = _edr_count(opened, self.names, self.datetime, self.z)
        with edr.edr_names():
            stride = edr.thinning(infos[0], self.bbox, self.resolution)
            cells = _cells(infos[0], self.bbox, stride, None)
        return cells * len(infos) * per_cell

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            edr.cube(
                opened, self.names, self.bbox, self.datetime, self.z, self.resolution, max_values
            )
        ]


@dataclass(frozen=True)
class EdrArea(EdrCube):
    """EDR area: the cells whose centres lie in a polygon (``bbox``: its bounds)."""

    polygon: BaseGeometry | None = None

    @classmethod
    def of(
        cls,
        names: list[str] | None,
        polygon: BaseGeometry,
        datetime: str | None = None,
        z: str | None = None,
        resolution: tuple[int, int] | None = None,
    ) -> EdrArea:
        """The query for a polygon (400 naming ``coords`` when it encloses no area)."""
        box = edr.polygon_box(polygon)
        return cls(names, box, datetime, z, resolution, polygon=polygon)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        assert self.polygon is not None
        return [
            edr.area(
                opened,
                self.names,
                self.polygon,
                self.datetime,
                self.z,
                self.resolution,
                max_values,
            )
        ]


@dataclass(frozen=True)
class EdrRadius(EdrCube):
    """EDR radius: the cells within a geodesic distance of a point (``bbox``: around it)."""

    center: tuple[float, float] = (0.0, 0.0)
    within: float | None = None
    within_units: str | None = None

    @classmethod
    def around(
        cls,
        names: list[str] | None,
        center: tuple[float, float],
        within: float | None,
        within_units: str | None,
        datetime: str | None = None,
        z: str | None = None,
    ) -> EdrRadius:
        """The query for a circle (400 naming ``within`` or ``within-units`` when invalid)."""
        box = edr.radius_box(*center, edr.within_metres(within, within_units))
        return cls(names, box, datetime, z, None, center, within, within_units)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        x, y = self.center
        return [
            edr.radius(
                opened,
                self.names,
                x,
                y,
                self.within,
                self.within_units,
                self.datetime,
                self.z,
                max_values,
            )
        ]


@dataclass(frozen=True)
class EdrTrajectory(Query):
    """EDR trajectory: values at points along a line, at one instant and level."""

    names: list[str] | None
    vertices: list[tuple[float, float]]
    datetime: str | None = None
    z: str | None = None
    kind: ClassVar[str] = "transect"
    advice: ClassVar[str] = "Ask for fewer parameters."

    def count(self, opened: OpenDataset) -> int:
        with edr.edr_names():
            return edr.TRAJECTORY_SAMPLES * len(opened.resolve(self.names))

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            edr.trajectory(opened, self.names, self.vertices, self.datetime, self.z, max_values)
        ]


# ----------------------------------------------------------------------------- jobs


@dataclass(frozen=True)
class DataJob:
    """A query, the dataset it reads, and the answer's format: small and picklable.

    ``version``: set by the API process when it sends the job to a worker, the dataset's
    version the job was estimated against; the worker reads that one or answers 503.
    """

    dataset_id: str
    query: Query
    format: str = "json"
    units: str | None = None
    crs: str = CRS84
    version: SourceVersion | None = None

    @property
    def media_type(self) -> str:
        """The answer's media type."""
        return MEDIA_TYPES[self.format]

    @property
    def filename(self) -> str | None:
        """The attachment's file name (NetCDF only)."""
        return f"{self.dataset_id}-{self.query.kind}.nc" if self.format == "nc" else None

    def estimate(self, opened: OpenDataset, max_values: int) -> int:
        """The query's estimate (413 above ``max_values``); ``units`` checked too (400), so
        that nothing the service could refuse before reading reaches a worker."""
        if self.units:
            for info in opened.resolve(getattr(self.query, "names", None)):
                convert_or_400(np.float64(1.0), info.units, self.units, info.id)
        return self.query.estimate(opened, max_values)

    def answer(
        self, opened: OpenDataset, max_values: int, sink: Sink, scratch: str | None = None
    ) -> None:
        """Run the query and write the encoded answer to ``sink`` (NoData: nothing written);
        ``scratch``: a folder for temporary files."""
        results = [convert_units(r, self.units) for r in self.query.run(opened, max_values)]
        if self.format == "covjson" and len(results) > 1:
            write_collection(results, sink, self.crs)
            return
        write(
            one(results),
            self.format,
            sink,
            crs=self.crs,
            title=opened.entry.title,
            attribution=opened.entry.attribution,
            scratch=scratch,
        )


def one(results: list[QueryResult]) -> QueryResult:
    """Several places as one result along a `point` dimension (for GeoJSON, CSV, NetCDF)."""
    if len(results) == 1:
        return results[0]
    data = xr.concat([r.data for r in results], dim="point", coords="different", compat="equals")
    first = results[0]
    return QueryResult(first.kind, first.dataset_id, data, {"points": len(results)})
