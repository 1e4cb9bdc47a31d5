"""OGC API - EDR query semantics over the query engine, free of any web framework.

The EDR facade (``api/edr``) and the pygeoapi provider (``integrations/pygeoapi_edr.py``)
both call these functions. They parse the EDR parameter forms (``z``, ``datetime``, WKT
``coords``, ``within``), choose the engine query that answers them (point, time series,
profile, area, transect), stack areas over several time steps or levels, and clip areas to a
polygon or a circle. Selection and interpolation stay in the engine (``catalog.query``).

Errors the engine raises under its own parameter names (``variables``, ``lon``, ``time`` …)
are renamed to the EDR names (``parameter-name``, ``coords``, ``datetime`` …).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
import xarray as xr
from shapely import wkt
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters, NoData, VariableNotFound
from catalog.geo import BBox, wrap180
from catalog.grids import thinned_stride
from catalog.query.result import DEFAULT_MAX_VALUES, GEOD, QueryResult
from catalog.query.sampling import guard
from catalog.selection import (
    Instant,
    depth_range,
    iso,
    nearest_levels,
    parse_instant,
    time_range,
)
from catalog.units import to_metres_factor
from catalog.variables import VariableInfo
from schemas import patterns

Inside = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.bool_]]
TRAJECTORY_SAMPLES = 100
MAX_LEVELS = 1000

# Engine parameter name -> the EDR parameter that carries the same information.
EDR_NAMES = {
    "variables": "parameter-name",
    "lon": "coords",
    "lat": "coords",
    "path": "coords",
    "bbox": "bbox",
    "time": "datetime",
    "start": "datetime",
    "end": "datetime",
    "depth": "z",
    "depth_min": "z",
    "depth_max": "z",
}


@contextmanager
def edr_names() -> Iterator[None]:
    """Re-raise the engine's InvalidParameters under the EDR parameter names."""
    try:
        yield
    except VariableNotFound as exc:  # EDR: an unknown parameter-name is an invalid parameter
        raise InvalidParameters.single("parameter-name", exc.detail.rstrip(".")) from None
    except InvalidParameters as exc:
        params: dict[str, tuple[str, str]] = {}
        for item in exc.extra.get("invalid_params", []):
            name = EDR_NAMES.get(item["name"], item["name"])
            params.setdefault(name, (item["reason"], item["location"]))
        if len(params) == 1:
            ((name, (reason, location)),) = params.items()
            raise InvalidParameters.single(name, reason, location) from None
        raise InvalidParameters([(n, r, loc) for n, (r, loc) in params.items()]) from None


# ----------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Levels:
    """An EDR ``z``: explicit levels (a value, a list, ``R{n}/{min}/{step}``) or a range."""

    values: tuple[float, ...] = ()
    low: float | None = None
    high: float | None = None

    @property
    def given(self) -> bool:
        return bool(self.values) or self.low is not None

    @property
    def multiple(self) -> bool:
        return len(self.values) > 1 or self.low is not None


_Z_RULE = (
    f"must be a depth in metres (0 to {patterns.DEPTH_MAX_M:,}, positive down), a list "
    "'z1,z2,...', a range "
    "'min/max' or a recurring list 'R{count}/{first}/{step}'"
)


def parse_z(text: str | None) -> Levels:
    """``10``, ``10,50,100``, ``0/100`` or ``R5/0/10``; 400 naming ``z`` otherwise."""
    if text is None or not text.strip():
        return Levels()
    text = text.strip()
    try:
        if text[0] in "Rr":
            count_text, first_text, step_text = text[1:].split("/")
            count, first, step = int(count_text), _finite(first_text), _finite(step_text)
            if not 1 <= count <= MAX_LEVELS or step <= 0:
                raise ValueError
            return Levels(values=_depths([first + k * step for k in range(count)]))
        if "/" in text:
            low, high = (_finite(p) for p in text.split("/"))
            if low > high:
                raise InvalidParameters.single("z", f"{_Z_RULE}; in 'min/max' min <= max")
            _depths([low, high], deepest=math.inf)  # a range may reach past every level
            return Levels(low=low, high=high)
        values = [_finite(p) for p in text.split(",")]
        if len(values) > MAX_LEVELS:
            raise ValueError
        return Levels(values=_depths(values))
    except ValueError:
        raise InvalidParameters.single("z", _Z_RULE) from None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError
    return value


def _depths(values: list[float], deepest: float = patterns.DEPTH_MAX_M) -> tuple[float, ...]:
    if any(v < 0 or v > deepest for v in values):
        raise ValueError
    return tuple(values)


@dataclass(frozen=True)
class Instants:
    """An EDR ``datetime``: nothing (the latest step), an instant, or a (half-open) interval."""

    instant: str | None = None
    start: str | None = None
    end: str | None = None
    interval: bool = False


def parse_datetime(text: str | None) -> Instants:
    """``2020-01-01T00:00:00Z``, ``start/end``, ``../end``, ``start/..``; 400 otherwise."""
    if text is None or not text.strip():
        return Instants()
    parts = text.strip().split("/")
    if len(parts) == 1:
        parse_instant("datetime", parts[0])
        return Instants(instant=parts[0])
    if len(parts) != 2:
        raise InvalidParameters.single(
            "datetime", "must be an instant or an interval 'start/end' ('..' for an open end)"
        )
    start, end = (None if p.strip() in {"", ".."} else p.strip() for p in parts)
    low = parse_instant("datetime", start) if start else None
    high = parse_instant("datetime", end) if end else None
    if low is not None and high is not None and low > high:
        raise InvalidParameters.single("datetime", "the interval's start is after its end")
    return Instants(start=start, end=end, interval=True)


def parse_coords(text: str, kinds: tuple[str, ...]) -> BaseGeometry:
    """A WKT geometry of one of ``kinds`` (e.g. 'Point', 'MultiPoint') in lon/lat degrees."""
    rule = f"must be WKT: {' or '.join(k.upper() for k in kinds)}, with lon lat in degrees"
    try:
        geometry = wkt.loads(text)
    except (ShapelyError, ValueError, TypeError):
        raise InvalidParameters.single("coords", rule) from None
    if geometry.geom_type not in kinds or geometry.is_empty:
        raise InvalidParameters.single("coords", f"{rule}, not {geometry.geom_type.upper()}")
    xy = shapely.get_coordinates(geometry)
    if not np.all(np.isfinite(xy)):
        raise InvalidParameters.single("coords", f"{rule}; coordinates must be finite")
    if np.any(np.abs(xy[:, 1]) > 90) or np.any(np.abs(xy[:, 0]) > 360):
        raise InvalidParameters.single(
            "coords", "latitudes must be in -90..90 and longitudes in -360..360"
        )
    if shapely.get_coordinates(geometry, include_z=True).shape[1] > 2 and geometry.has_z:
        raise InvalidParameters.single(
            "coords", "give 2-D coordinates; choose levels with z and instants with datetime"
        )
    return geometry


def within_metres(within: float | None, units: str | None) -> float:
    """The radius of a radius query in metres (``within`` in ``within-units``)."""
    if within is None:
        raise InvalidParameters.single("within", "is required: the radius around coords")
    if not math.isfinite(within) or within <= 0:
        raise InvalidParameters.single("within", "must be a positive number")
    if not units:
        raise InvalidParameters.single("within-units", "is required, e.g. km, m, mi or nmi")
    factor = to_metres_factor({"nmi": "nautical_mile", "mi": "mile"}.get(units, units))
    if factor is None:
        raise InvalidParameters.single(
            "within-units", f"'{units}' is not a length; use km, m, mi or nmi"
        )
    return within * factor


# ----------------------------------------------------------------------------- queries


def position(
    opened: OpenDataset,
    names: list[str] | None,
    lon: float,
    lat: float,
    datetime_: str | None = None,
    z: str | None = None,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """A point (one instant, one level), time series (an interval) or profile (several z)."""
    when, levels = parse_datetime(datetime_), parse_z(z)
    with edr_names():
        if levels.multiple:
            if when.interval:
                raise _one_of_datetime_or_z("position")
            return query.profile(
                opened,
                names,
                lon,
                lat,
                when.instant,
                levels.low,
                levels.high,
                max_values=max_values,
                depths=list(levels.values) or None,
            )
        depth = levels.values[0] if levels.values else None
        if when.interval:
            result = query.timeseries(
                opened, names, lon, lat, when.start, when.end, depth, max_values=max_values
            )
        else:
            result = query.point(
                opened, names, lon, lat, when.instant, depth, max_values=max_values
            )
    return _with_depth(result)


def cube(
    opened: OpenDataset,
    names: list[str] | None,
    bbox: BBox,
    datetime_: str | None = None,
    z: str | None = None,
    resolution: tuple[int, int] | None = None,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Cells in a box at every chosen time step and level (the engine's area, stacked)."""
    when, levels = parse_datetime(datetime_), parse_z(z)
    with edr_names():
        infos = opened.resolve(names)
        if levels.multiple:
            infos = three_d(infos, names)
            names = [i.id for i in infos]
        steps = time_steps(infos, when)
        depths = chosen_levels(infos, levels)
        stride = thinning(infos[0], bbox, resolution)
        rows: list[xr.Dataset] = []
        first: QueryResult | None = None
        for step in steps:
            column: list[xr.Dataset] = []
            for depth in depths:
                part = query.area(opened, names, bbox, step, depth, stride, max_values=max_values)
                if first is None:
                    first = part
                    guard(
                        _size(part.data) * len(steps) * len(depths),
                        max_values,
                        "Ask for fewer time steps (datetime), fewer levels (z) or a smaller box "
                        "(bbox/coords), or thin it with resolution-x/resolution-y.",
                    )
                column.append(_with_depth(part).data)
            rows.append(_stack(column, "depth"))
        assert first is not None
    selection = dict(first.selection)
    selection["times"] = [
        iso(s) if isinstance(s, np.datetime64) else s for s in steps if s is not None
    ] or None
    selection["depths"] = [d for d in depths if d is not None] or None
    return QueryResult("area", opened.id, _stack(rows, "time"), selection)


def area(
    opened: OpenDataset,
    names: list[str] | None,
    polygon: BaseGeometry,
    datetime_: str | None = None,
    z: str | None = None,
    resolution: tuple[int, int] | None = None,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """The cells whose centres lie in a polygon (its bounding box, then clipped)."""
    result = cube(opened, names, polygon_box(polygon), datetime_, z, resolution, max_values)

    def inside(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        hits = np.zeros(lon.shape, dtype=bool)
        for shift in (0.0, 360.0, -360.0):  # the polygon may be drawn past +-180
            hits |= shapely.intersects_xy(polygon, lon + shift, lat)
        return hits

    return _clip(result, inside, "the polygon")


def radius(
    opened: OpenDataset,
    names: list[str] | None,
    lon: float,
    lat: float,
    within: float | None,
    within_units: str | None,
    datetime_: str | None = None,
    z: str | None = None,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """The cells whose centres lie within a geodesic (WGS84) distance of a point."""
    metres = within_metres(within, within_units)
    result = cube(opened, names, radius_box(lon, lat, metres), datetime_, z, None, max_values)

    def inside(
        lons: npt.NDArray[np.float64], lats: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        _, _, distance = GEOD.inv(np.full(lons.shape, lon), np.full(lats.shape, lat), lons, lats)
        near: npt.NDArray[np.bool_] = np.asarray(distance) <= metres
        return near

    clipped = _clip(result, inside, f"{within:g} {within_units} of ({lon:g}, {lat:g})")
    clipped.selection["within_m"] = metres
    return clipped


def polygon_box(polygon: BaseGeometry) -> BBox:
    """The bounding box of an area query's polygon; 400 naming ``coords`` if it has no area."""
    if polygon.area <= 0:
        raise InvalidParameters.single("coords", "the polygon must enclose an area")
    west, south, east, north = polygon.bounds
    return (west, south, east, north)


def radius_box(lon: float, lat: float, metres: float) -> BBox:
    """A box holding every point within ``metres`` (geodesic) of (lon, lat)."""
    north = float(GEOD.fwd(lon, lat, 0.0, metres)[1]) if lat + metres / 1.1e5 < 90 else 90.0
    south = float(GEOD.fwd(lon, lat, 180.0, metres)[1]) if lat - metres / 1.1e5 > -90 else -90.0
    north, south = min(north, 90.0), max(south, -90.0)
    widest = max(abs(north), abs(south))
    span = metres / (111_320.0 * max(math.cos(math.radians(widest)), 1e-6)) * 1.05
    if span >= 180 or north >= 90 or south <= -90:
        return (-180.0, south, 180.0, north)
    return (lon - span, south, lon + span, north)


def trajectory(
    opened: OpenDataset,
    names: list[str] | None,
    vertices: list[tuple[float, float]],
    datetime_: str | None = None,
    z: str | None = None,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Values at ``TRAJECTORY_SAMPLES`` points along the path, at one instant and level."""
    when, levels = parse_datetime(datetime_), parse_z(z)
    if when.interval:
        raise InvalidParameters.single(
            "datetime", "a trajectory is drawn at one instant; give an instant, not an interval"
        )
    if levels.multiple:
        raise InvalidParameters.single("z", "a trajectory is drawn at one level; give one depth")
    depth: float | str = levels.values[0] if levels.values else "surface"
    with edr_names():
        result = query.transect(
            opened,
            names,
            vertices,
            TRAJECTORY_SAMPLES,
            when.instant,
            depth,
            max_values=max_values,
        )
    return _with_depth(result)


# ----------------------------------------------------------------------------- helpers


def _one_of_datetime_or_z(query: str) -> InvalidParameters:
    return InvalidParameters(
        [
            ("datetime", f"a {query} query takes an interval only with one z level", "query"),
            ("z", f"a {query} query takes several levels only at one instant", "query"),
        ]
    )


def three_d(infos: list[VariableInfo], names: list[str] | None) -> list[VariableInfo]:
    """The variables with depth levels (several z need them)."""
    having = [i for i in infos if i.vertical is not None]
    lacking = [i.id for i in infos if i.vertical is None]
    if names and lacking:
        raise InvalidParameters.single(
            "z", f"several levels were asked for but {', '.join(lacking)} has no depth levels"
        )
    if not having:
        raise InvalidParameters.single("z", "no parameter of this collection has depth levels")
    return having


def time_steps(infos: list[VariableInfo], when: Instants) -> list[Instant]:
    """The instants to read: the one asked for (None: latest) or every step of an interval,
    as the axis holds it (parsed once: the engine reads each without parsing it again)."""
    if not when.interval:
        return [when.instant]
    axis = infos[0].time
    if axis is None or axis.dim is None:
        raise InvalidParameters.single("datetime", "this collection has no time axis to range")
    steps = time_range(axis, when.start, when.end)
    return list(axis.values[steps])


def chosen_levels(infos: list[VariableInfo], levels: Levels) -> list[float | None]:
    """The depths to read, in metres (None: the surface, the engine's default)."""
    if not levels.multiple:
        return [levels.values[0] if levels.values else None]
    axis = query.shared_levels(infos)  # inside edr_names: the 400 names parameter-name
    if levels.values:
        indices = nearest_levels(axis, list(levels.values))
    else:
        indices = depth_range(axis, levels.low, levels.high)
    return [float(d) for d in axis.depths[indices]]


def thinning(info: VariableInfo, bbox: BBox, resolution: tuple[int, int] | None) -> int:
    """The even stride that leaves at most resolution-x columns and resolution-y rows (on a
    mesh: at most resolution-x times resolution-y cells)."""
    if resolution is None:
        return 1
    cells = info.grid.box(bbox)
    if len(cells) == 1:
        return thinned_stride(cells, 1, resolution[0] * resolution[1])
    rows, cols = cells
    return max(1, math.ceil(cols.size / resolution[0]), math.ceil(rows.size / resolution[1]))


def _size(data: xr.Dataset) -> int:
    return sum(int(da.size) for da in data.data_vars.values())


def _with_depth(result: QueryResult) -> QueryResult:
    """The level used as a ``depth`` coordinate, when every variable used the same one."""
    data = result.data
    used = {v.get("depth") for v in result.selection.get("variables", {}).values()}
    if "depth" in data.coords or len(used) != 1:
        return result
    (depth,) = used
    if isinstance(depth, float):
        data = data.assign_coords(depth=depth)
    return QueryResult(result.kind, result.dataset_id, data, result.selection)


def _stack(parts: list[xr.Dataset], dim: str) -> xr.Dataset:
    """One dataset, or several along a new dimension from their scalar ``dim`` coordinate."""
    if len(parts) == 1:
        return parts[0]
    return xr.concat(parts, dim=dim, data_vars="all", coords="different", compat="equals")


def _clip(result: QueryResult, inside: Inside, what: str) -> QueryResult:
    """Cells outside the shape set to NaN; a shape that holds no cell centre is NoData."""
    data = result.data
    lon, lat = xr.broadcast(data["longitude"], data["latitude"])  # a cell's place, any grid
    hits = inside(wrap180(lon.values.astype(np.float64)), lat.values.astype(np.float64))
    mask = xr.DataArray(hits, dims=lon.dims)
    if not bool(mask.any()):
        raise NoData(f"No cell centre of '{result.dataset_id}' lies within {what}.")
    clipped = data.copy()
    for name, da in data.data_vars.items():
        clipped[name] = da.where(mask)
    selection = dict(result.selection)
    selection["cells"] = int(mask.sum())
    return QueryResult(result.kind, result.dataset_id, clipped, selection)
