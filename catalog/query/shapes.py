"""OGC API - EDR query semantics over the query engine, free of any web framework.

The EDR facade (``api/edr``) and the pygeoapi provider (``integrations/pygeoapi_edr.py``)
both call these functions, with the EDR parameters as they parsed them (``schemas.params``:
``DatetimeSelection``, ``Levels``, shapely geometries; ``within_metres``). They choose the
engine query that answers them (point, time series, profile, area, transect), stack areas over
several time steps or levels, and clip areas to a polygon or a circle. Selection and
interpolation stay in the engine (``catalog.query``).

Errors the engine raises under its own parameter names (``variables``, ``lon``, ``time`` …)
are renamed to the EDR names (``parameter-name``, ``coords``, ``datetime`` …).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt
import shapely
import xarray as xr
from shapely.geometry.base import BaseGeometry

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters, NoData, VariableNotFound
from catalog.geo import BBox, wrap180
from catalog.grids import thinned_stride
from catalog.query.result import DEFAULT_MAX_VALUES, GEOD, QueryResult
from catalog.query.sampling import guard
from catalog.selection import Instant, depth_range, iso, nearest_levels, time_range
from catalog.units import to_metres_factor
from catalog.variables import VariableInfo
from schemas.params import DatetimeSelection, DepthSpec, Levels, PathType, Vertex

NO_DATETIME, NO_LEVELS = DatetimeSelection(), Levels()
"""No ``datetime`` (the latest step), no ``z`` (the surface)."""
Inside = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], npt.NDArray[np.bool_]]
TRAJECTORY_SAMPLES = 100

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
    when: DatetimeSelection = NO_DATETIME,
    levels: Levels = NO_LEVELS,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """A point (one instant, one level), time series (an interval) or profile (several z)."""
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
    return result


def cube(
    opened: OpenDataset,
    names: list[str] | None,
    bbox: BBox,
    when: DatetimeSelection = NO_DATETIME,
    levels: Levels = NO_LEVELS,
    resolution: tuple[int, int] | None = None,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Cells in a box at every chosen time step and level (the engine's area, stacked)."""
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
                column.append(part.data)
            rows.append(_stack(column, "depth"))
        assert first is not None
    selection = dict(first.selection)
    selection["times"] = [iso(s) for s in steps if s is not None] or None
    selection["depths"] = [d for d in depths if d is not None] or None
    return QueryResult("area", opened.id, _stack(rows, "time"), selection)


def area(
    opened: OpenDataset,
    names: list[str] | None,
    polygon: BaseGeometry,
    when: DatetimeSelection = NO_DATETIME,
    levels: Levels = NO_LEVELS,
    resolution: tuple[int, int] | None = None,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """The cells whose centres lie in a polygon (its bounding box, then clipped)."""
    result = cube(opened, names, polygon_box(polygon), when, levels, resolution, max_values)

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
    metres: float,
    within: str,
    when: DatetimeSelection = NO_DATETIME,
    levels: Levels = NO_LEVELS,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """The cells whose centres lie within ``metres`` (geodesic, WGS84) of a point; ``within``
    says that distance as the client gave it ('100 km')."""
    result = cube(opened, names, radius_box(lon, lat, metres), when, levels, None, max_values)

    def inside(
        lons: npt.NDArray[np.float64], lats: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        _, _, distance = GEOD.inv(np.full(lons.shape, lon), np.full(lats.shape, lat), lons, lats)
        near: npt.NDArray[np.bool_] = np.asarray(distance) <= metres
        return near

    clipped = _clip(result, inside, f"{within} of ({lon:g}, {lat:g})")
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
    vertices: Sequence[Vertex],
    when: DatetimeSelection = NO_DATETIME,
    levels: Levels = NO_LEVELS,
    max_values: int = DEFAULT_MAX_VALUES,
    path_type: PathType = "rhumb",
) -> QueryResult:
    """Values at ``TRAJECTORY_SAMPLES`` points along the path, at one instant and level."""
    if when.interval:
        raise InvalidParameters.single(
            "datetime", "a trajectory is drawn at one instant; give an instant, not an interval"
        )
    if levels.multiple:
        raise InvalidParameters.single("z", "a trajectory is drawn at one level; give one depth")
    depth: DepthSpec = levels.values[0] if levels.values else "surface"
    with edr_names():
        return query.transect(
            opened,
            names,
            vertices,
            TRAJECTORY_SAMPLES,
            when.instant,
            depth,
            max_values=max_values,
            path_type=path_type,
        )


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


def time_steps(infos: list[VariableInfo], when: DatetimeSelection) -> list[Instant]:
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
