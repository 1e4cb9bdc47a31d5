"""OGC API - EDR queries as values (position, cube, area, radius, trajectory): what to compute
and how large it is, their EDR parameters counted with the engine's rules (``shapes``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shapely.geometry.base import BaseGeometry

from catalog.dataset import OpenDataset
from catalog.geo import BBox
from catalog.query import shapes
from catalog.query.requests import (
    Query,
    cells_read,
    steps_between,
)
from catalog.query.result import QueryResult
from catalog.query.shapes import NO_DATETIME, NO_LEVELS
from catalog.variables import VariableInfo
from schemas.params import DatetimeSelection, Levels, Path, PathType, Vertex


def _edr_count(
    opened: OpenDataset, names: list[str] | None, when: DatetimeSelection, levels: Levels
) -> tuple[list[VariableInfo], int]:
    """The variables an EDR query reads, and its time steps x levels (errors in EDR names)."""
    with shapes.edr_names():
        infos = opened.resolve(names)
        if levels.multiple:
            infos = shapes.three_d(infos, names)
        return infos, _edr_steps(infos, when) * len(shapes.chosen_levels(infos, levels))


def _edr_steps(infos: list[VariableInfo], when: DatetimeSelection) -> int:
    """The time steps an EDR ``datetime`` selects, counted without listing them."""
    axis = infos[0].time
    if when.interval and axis is not None and axis.dim is not None:
        return steps_between(infos[:1], when.start, when.end)
    return len(shapes.time_steps(infos, when))  # one step, or the 400 of an axis-less interval


@dataclass(frozen=True)
class EdrPosition(Query):
    """EDR position: one or several places (a MULTIPOINT gives one result each)."""

    names: list[str] | None
    points: tuple[Vertex, ...]
    datetime: DatetimeSelection = NO_DATETIME
    z: Levels = NO_LEVELS
    kind: ClassVar[str] = "point"
    advice: ClassVar[str] = "Ask for fewer places, time steps (datetime) or levels (z)."

    def count(self, opened: OpenDataset) -> int:
        when, levels = self.datetime, self.z
        if when.interval and levels.multiple:
            return 0  # the engine's 400 (one of datetime or z), before reading anything
        with shapes.edr_names():
            infos = opened.resolve(self.names)
            if when.interval:  # a time series of the variables with a time axis, as the engine
                timed = [i for i in infos if i.time is not None and i.time.dim is not None]
                return len(self.points) * len(timed) * steps_between(timed, when.start, when.end)
            if levels.multiple:  # a profile of the variables with levels
                infos = shapes.three_d(infos, self.names)
                return len(self.points) * len(infos) * len(shapes.chosen_levels(infos, levels))
        return len(self.points) * len(infos)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            shapes.position(opened, self.names, x, y, self.datetime, self.z, max_values)
            for x, y in self.points
        ]


@dataclass(frozen=True)
class EdrCube(Query):
    """EDR cube: cells in a box, stacked over time steps and levels."""

    names: list[str] | None
    bbox: BBox
    datetime: DatetimeSelection = NO_DATETIME
    z: Levels = NO_LEVELS
    resolution: tuple[int, int] | None = None
    kind: ClassVar[str] = "area"
    advice: ClassVar[str] = (
        "Ask for fewer time steps (datetime), fewer levels (z) or a smaller box (bbox/coords), "
        "or thin it with resolution-x/resolution-y."
    )

    def count(self, opened: OpenDataset) -> int:
        infos, per_cell = _edr_count(opened, self.names, self.datetime, self.z)
        with shapes.edr_names():
            stride = shapes.thinning(infos[0], self.bbox, self.resolution)
            cells = cells_read(infos[0], self.bbox, stride, None)
        return cells * len(infos) * per_cell

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            shapes.cube(
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
        datetime: DatetimeSelection = NO_DATETIME,
        z: Levels = NO_LEVELS,
        resolution: tuple[int, int] | None = None,
    ) -> EdrArea:
        """The query for a polygon (400 naming ``coords`` when it encloses no area)."""
        box = shapes.polygon_box(polygon)
        return cls(names, box, datetime, z, resolution, polygon=polygon)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        assert self.polygon is not None
        return [
            shapes.area(
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

    center: Vertex = (0.0, 0.0)
    metres: float = 0.0
    within: str = ""
    """The radius as the client gave it ('100 km'), for messages."""

    @classmethod
    def around(
        cls,
        names: list[str] | None,
        center: Vertex,
        metres: float,
        within: str,
        datetime: DatetimeSelection = NO_DATETIME,
        z: Levels = NO_LEVELS,
    ) -> EdrRadius:
        """The query for a circle of ``metres`` (``within``: as the client said it)."""
        box = shapes.radius_box(*center, metres)
        return cls(names, box, datetime, z, None, center, metres, within)

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        x, y = self.center
        return [
            shapes.radius(
                opened,
                self.names,
                x,
                y,
                self.metres,
                self.within,
                self.datetime,
                self.z,
                max_values,
            )
        ]


@dataclass(frozen=True)
class EdrTrajectory(Query):
    """EDR trajectory: values at points along a line, at one instant and level."""

    names: list[str] | None
    vertices: Path
    datetime: DatetimeSelection = NO_DATETIME
    z: Levels = NO_LEVELS
    path_type: PathType = "rhumb"
    kind: ClassVar[str] = "transect"
    advice: ClassVar[str] = "Ask for fewer parameters."

    def count(self, opened: OpenDataset) -> int:
        with shapes.edr_names():
            return shapes.TRAJECTORY_SAMPLES * len(opened.resolve(self.names))

    def run(self, opened: OpenDataset, max_values: int) -> list[QueryResult]:
        return [
            shapes.trajectory(
                opened,
                self.names,
                self.vertices,
                self.datetime,
                self.z,
                max_values,
                self.path_type,
            )
        ]
