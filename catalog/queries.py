"""The query engine: point, time series, profile, area and transect, on any grid.

Every data answer of the service (the /api/v1 data endpoints, plots, the OGC EDR facade) is
computed here. A query returns a ``QueryResult``: an xarray Dataset with CF attributes, and a
JSON-able record of what was used (time steps, levels, cells and weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from pyproj import Geod

from catalog.axes import VerticalAxis
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters, NoData
from catalog.geo import BBox, normalise_lon, wrap180
from catalog.grids import Stencil
from catalog.sampling import combine, guard, read_stencils, stack, stencil_at
from catalog.selection import (
    DepthChoice,
    Instant,
    depth_range,
    is_latest,
    iso,
    nearest_depth,
    nearest_levels,
    nearest_time,
    time_range,
)
from catalog.variables import VariableInfo
from catalog.vectors import speed_and_direction

Interp = Literal["nearest", "linear"]
QueryKind = Literal["point", "timeseries", "profile", "area", "transect", "hovmoller"]
GEOD = Geod(ellps="WGS84")
DEFAULT_MAX_VALUES = 2_000_000


@dataclass
class QueryResult:
    """The answer to a data query."""

    kind: QueryKind
    dataset_id: str
    data: xr.Dataset
    selection: dict[str, Any] = field(default_factory=dict)


def point(
    opened: OpenDataset,
    names: list[str] | None,
    lon: float,
    lat: float,
    time: Instant = None,
    depth: float | str | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Values of the variables at one place, at the nearest time step and level."""
    infos = opened.resolve(names)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        stencil = stencil_at(info.grid, lon, lat, interp)
        isel, used = _time_isel(info, time)
        choice = _depth_choice(info, depth)
        guard(_levels(info, choice) * stencil.w.size, max_values, "Ask for fewer variables.")
        column = _at_stencils(opened, info, [stencil], isel, choice)
        value = float(column.values[0])
        used.update(_depth_used(info, choice, column))
        used["cells"] = _cells(info, stencil)
        used["on_land"] = not math.isfinite(value)
        per_var[info.id] = used
        values[info.id] = _named(column.isel(point=0).drop_vars("depth", errors="ignore"), info)
    data = _finish(xr.Dataset(values), per_var)
    data = data.assign_coords(longitude=normalise_lon(lon), latitude=lat)
    return QueryResult("point", opened.id, data, {"interp": interp, "variables": per_var})


def timeseries(
    opened: OpenDataset,
    names: list[str] | None,
    lon: float,
    lat: float,
    start: str | None = None,
    end: str | None = None,
    depth: float | str | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Values at one place and level over a time range (the whole axis by default)."""
    infos = _with_axis(opened.resolve(names), names, "time", "a time axis")
    axis = _common_time_axis(infos)
    steps = time_range(axis, start, end)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        assert info.time is not None and info.time.dim is not None
        stencil = stencil_at(info.grid, lon, lat, interp)
        choice = _depth_choice(info, depth)
        count = (steps.stop - steps.start) * _levels(info, choice) * stencil.w.size
        guard(count, max_values, "Ask for a shorter time range (start/end).")
        series = _at_stencils(opened, info, [stencil], {info.time.dim: steps}, choice)
        used = _depth_used(info, choice, series)
        used["cells"] = _cells(info, stencil)
        per_var[info.id] = used
        series = series.isel(point=0).drop_vars("depth", errors="ignore")
        values[info.id] = _named(series.rename({info.time.dim: "time"}), info)
    data = _finish(xr.Dataset(values), per_var)
    data = data.assign_coords(time=axis.values[steps], longitude=normalise_lon(lon), latitude=lat)
    return QueryResult("timeseries", opened.id, data, {"interp": interp, "variables": per_var})


def profile(
    opened: OpenDataset,
    names: list[str] | None,
    lon: float,
    lat: float,
    time: Instant = None,
    depth_min: float | None = None,
    depth_max: float | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
    depths: list[float] | None = None,
) -> QueryResult:
    """Values at one place and time over every level, the levels in a depth range, or the
    levels nearest to ``depths``."""
    infos = _with_axis(opened.resolve(names), names, "vertical", "depth levels")
    axis = shared_levels(infos)
    levels = nearest_levels(axis, depths) if depths else depth_range(axis, depth_min, depth_max)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        stencil = stencil_at(info.grid, lon, lat, interp)
        isel, used = _time_isel(info, time)
        guard(levels.size * stencil.w.size, max_values, "Ask for a depth range.")
        isel[axis.dim] = xr.DataArray(levels, dims=axis.dim)
        column = _at_stencils(opened, info, [stencil], isel, DepthChoice(None))
        used["cells"] = _cells(info, stencil)
        per_var[info.id] = used
        values[info.id] = _named(column.isel(point=0).rename({axis.dim: "depth"}), info)
    data = _finish(xr.Dataset(values), per_var)
    data = data.assign_coords(
        depth=("depth", axis.depths[levels]), longitude=normalise_lon(lon), latitude=lat
    )
    return QueryResult("profile", opened.id, data, {"interp": interp, "variables": per_var})


def area(
    opened: OpenDataset,
    names: list[str] | None,
    bbox: BBox,
    time: Instant = None,
    depth: float | str | None = None,
    stride: int = 1,
    max_cells: int | None = None,
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Cell values inside a box (which may cross the antimeridian) at one time and level."""
    infos = opened.resolve(names)
    grid = infos[0].grid
    if any(i.grid is not grid for i in infos):
        raise InvalidParameters.single(
            "variables",
            "must be on one grid; ask for these separately, or for their vector pair",
        )
    rows, cols = grid.box(bbox)
    if rows.size == 0 or cols.size == 0:
        west, south, east, north = grid.bbox()
        raise NoData(
            f"No cell centre of '{opened.id}' lies in the box; the data cover "
            f"[{west:g}, {south:g}, {east:g}, {north:g}].",
        )
    stride = thinned_stride(rows.size, cols.size, stride, max_cells)
    rows, cols = rows[::stride], cols[::stride]
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    y, x = grid.dims
    inside = grid.inside(bbox, rows, cols)  # one grid for every variable: one mask
    for info in infos:
        isel, used = _time_isel(info, time)
        choice = _depth_choice(info, depth)
        guard(
            rows.size * cols.size * _levels(info, choice),
            max_values,
            "Ask for a smaller box, or thin it with stride or max_cells.",
        )
        isel.update({y: _indexer(rows, y), x: _indexer(cols, x)})
        if choice.index is not None and info.vertical is not None:
            isel[info.vertical.dim] = choice.index
        block = opened.array(info).isel(isel)
        if choice.bottom and info.vertical is not None:
            block, bottom = _bottom(block, info)
            used["depth"] = "bottom"
            used["bottom_depths"] = None  # per cell: see the bottom_depth variable
            values["bottom_depth"] = bottom
        elif info.vertical is not None and choice.index is not None:
            used["depth"] = float(info.vertical.depths[choice.index])
        block = block.transpose(..., y, x)
        if inside is not None:
            block = block.where(inside)
        per_var[info.id] = used
        values[info.id] = _named(block.reset_coords(drop=True), info)
    data = _finish(xr.Dataset(values), per_var)
    data = grid.located(data, rows, cols)
    selection = {"stride": stride, "cells": int(rows.size * cols.size), "variables": per_var}
    return QueryResult("area", opened.id, data, selection)


def thinned_stride(rows: int, cols: int, stride: int, max_cells: int | None) -> int:
    """The stride an area query takes: ``stride``, or larger until at most ``max_cells``."""
    if max_cells is not None and rows * cols > max_cells:
        return max(stride, math.ceil(math.sqrt(rows * cols / max_cells)))
    return stride


def sample_path(vertices: list[tuple[float, float]], n: int) -> tuple[npt.NDArray[np.float64], ...]:
    """``n`` points equally spaced along the geodesics (WGS84) joining the vertices.

    Returns longitudes, latitudes and distances from the start in km.
    """
    lons = np.array([v[0] for v in vertices], dtype=np.float64)
    lats = np.array([v[1] for v in vertices], dtype=np.float64)
    _, _, legs = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    legs = np.atleast_1d(legs)
    ends = np.concatenate([[0.0], np.cumsum(legs)])
    targets = np.linspace(0.0, ends[-1], n)
    out_lon, out_lat = np.empty(n), np.empty(n)
    for k, distance in enumerate(targets):
        leg = min(int(np.searchsorted(ends, distance, side="right")) - 1, legs.size - 1)
        azimuth, _, _ = GEOD.inv(lons[leg], lats[leg], lons[leg + 1], lats[leg + 1])
        out_lon[k], out_lat[k], _ = GEOD.fwd(lons[leg], lats[leg], azimuth, distance - ends[leg])
    return wrap180(out_lon), out_lat, targets / 1000.0


def transect(
    opened: OpenDataset,
    names: list[str] | None,
    vertices: list[tuple[float, float]],
    n: int = 100,
    time: Instant = None,
    depth: float | str | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Values along a path at ``n`` points: a section over every level, or one depth."""
    infos = opened.resolve(names)
    lons, lats, distances = sample_path(vertices, n)
    section = depth is None and any(i.vertical is not None for i in infos)
    axis: VerticalAxis | None = None
    if section:
        infos = _with_axis(infos, names, "vertical", "depth levels (or give depth=)")
        axis = shared_levels(infos)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        stencils = [_on_path(info, lo, la, interp) for lo, la in zip(lons, lats, strict=True)]
        isel, used = _time_isel(info, time)
        choice = DepthChoice(None) if section else _depth_choice(info, depth)
        k = max(s.w.size for s in stencils)
        guard(n * k * _levels(info, choice), max_values, "Ask for fewer samples (n).")
        line = _at_stencils(opened, info, stencils, isel, choice)
        if section:
            assert info.vertical is not None
            line = line.rename({info.vertical.dim: "depth"})
        else:
            used.update(_depth_used(info, choice, line))
            line = line.drop_vars("depth", errors="ignore")
        per_var[info.id] = used
        values[info.id] = _named(line, info)
    data = _along_path(_finish(xr.Dataset(values), per_var), lons, lats, distances)
    if axis is not None:
        data = data.assign_coords(depth=("depth", axis.depths))
    selection = {"interp": interp, "n": n, "length_km": float(distances[-1]), "variables": per_var}
    return QueryResult("transect", opened.id, data, selection)


def hovmoller(
    opened: OpenDataset,
    name: str,
    vertices: list[tuple[float, float]],
    n: int = 100,
    start: str | None = None,
    end: str | None = None,
    depth: float | str | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """A variable (or vector pair) along a path over a time range, at one level."""
    infos = _with_axis(opened.resolve([name]), [name], "time", "a time axis")
    axis = _common_time_axis(infos)
    steps = time_range(axis, start, end)
    lons, lats, distances = sample_path(vertices, n)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        assert info.time is not None and info.time.dim is not None
        stencils = [_on_path(info, lo, la, interp) for lo, la in zip(lons, lats, strict=True)]
        choice = _depth_choice(info, depth)
        k = max(s.w.size for s in stencils)
        count = n * k * (steps.stop - steps.start) * _levels(info, choice)
        guard(count, max_values, "Ask for fewer samples (n) or a shorter time range.")
        block = _at_stencils(opened, info, stencils, {info.time.dim: steps}, choice)
        per_var[info.id] = _depth_used(info, choice, block)
        block = block.drop_vars("depth", errors="ignore").rename({info.time.dim: "time"})
        values[info.id] = _named(block, info)
    data = _along_path(_finish(xr.Dataset(values), per_var), lons, lats, distances)
    data = data.assign_coords(time=axis.values[steps])
    selection = {"interp": interp, "n": n, "length_km": float(distances[-1]), "variables": per_var}
    return QueryResult("hovmoller", opened.id, data, selection)


def shared_levels(infos: list[VariableInfo]) -> VerticalAxis:
    """The depth levels all the variables share; a 400 naming ``variables`` otherwise."""
    axis = infos[0].vertical
    if axis is None or any(i.vertical is None or i.vertical.name != axis.name for i in infos):
        raise InvalidParameters.single("variables", "must share one set of depth levels")
    return axis


# ----------------------------------------------------------------------------- helpers


def _indexer(index: npt.NDArray[np.intp], dim: str) -> slice | xr.DataArray:
    """A slice when the indices step evenly (cheap for lazy and dask arrays), else an array."""
    if index.size >= 2:
        steps = np.diff(index)
        if steps[0] > 0 and np.all(steps == steps[0]):
            return slice(int(index[0]), int(index[-1]) + 1, int(steps[0]))
    elif index.size == 1:
        return slice(int(index[0]), int(index[0]) + 1)
    return xr.DataArray(index, dims=dim)


def _along_path(
    data: xr.Dataset,
    lons: npt.NDArray[np.float64],
    lats: npt.NDArray[np.float64],
    distances: npt.NDArray[np.float64],
) -> xr.Dataset:
    """Samples along a path: the point dimension becomes distance (km), with lon/lat."""
    return data.rename({"point": "distance"}).assign_coords(
        distance=("distance", distances, {"units": "km", "long_name": "distance along path"}),
        longitude=("distance", lons),
        latitude=("distance", lats),
    )


def _on_path(info: VariableInfo, lon: float, lat: float, interp: str) -> Stencil:
    return stencil_at(info.grid, float(lon), float(lat), interp, name="path")


def _with_axis(
    infos: list[VariableInfo], names: list[str] | None, axis: str, what: str
) -> list[VariableInfo]:
    """The variables that have ``axis``; a named one without it is a 400."""
    having = [i for i in infos if getattr(i, axis) is not None and _real_axis(i, axis)]
    lacking = [i.id for i in infos if i not in having]
    if names and lacking:
        raise InvalidParameters.single("variables", f"{', '.join(lacking)} has no {what}")
    if not having:
        raise InvalidParameters.single("variables", f"no variable of this dataset has {what}")
    return having


def _real_axis(info: VariableInfo, axis: str) -> bool:
    return not (axis == "time" and info.time is not None and info.time.dim is None)


def _common_time_axis(infos: list[VariableInfo]) -> Any:
    axis = infos[0].time
    for info in infos[1:]:
        if info.time is None or not np.array_equal(info.time.values, axis.values):  # type: ignore[union-attr]
            raise InvalidParameters.single("variables", "must share one time axis")
    return axis


def _time_isel(info: VariableInfo, spec: Instant) -> tuple[dict[str, Any], dict[str, Any]]:
    if info.time is None:
        return {}, {}
    if info.time.dim is None:
        if not is_latest(spec):
            nearest_time(info.time, spec)  # still rejects a time outside the coverage
        return {}, {"time": iso(info.time.values[0])}
    index = nearest_time(info.time, spec)
    return {info.time.dim: index}, {"time": iso(info.time.values[index])}


def _depth_choice(info: VariableInfo, depth: float | str | None) -> DepthChoice:
    if info.vertical is None:
        return DepthChoice(None)
    return nearest_depth(info.vertical, depth)


def _levels(info: VariableInfo, choice: DepthChoice) -> int:
    if info.vertical is None or choice.index is not None:
        return 1
    return int(info.vertical.depths.size)


def _at_stencils(
    opened: OpenDataset,
    info: VariableInfo,
    stencils: list[Stencil],
    isel: dict[str, Any],
    choice: DepthChoice,
) -> xr.DataArray:
    """Values at the stencils, dims (*remaining dims, point); 'bottom' picks per point."""
    isel = dict(isel)
    if info.vertical is not None and choice.index is not None:
        isel[info.vertical.dim] = choice.index
    selected = opened.array(info).isel(isel)
    rows, cols, weights = stack(stencils)
    raw = read_stencils(selected, info.grid.dims, rows, cols)
    remaining = [d for d in selected.dims if d not in info.grid.dims]
    values = combine(raw, weights)
    result = xr.DataArray(values, dims=[*remaining, "point"])
    if choice.bottom and info.vertical is not None:
        result = _bottom_of_points(result, raw, weights, info)
    return result


def _bottom_of_points(
    result: xr.DataArray,
    raw: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    info: VariableInfo,
) -> xr.DataArray:
    """At each point the deepest level where its heaviest cell has data."""
    assert info.vertical is not None
    dim = info.vertical.dim
    points = weights.shape[0]
    heaviest = np.argmax(weights, axis=-1)
    picked = raw[..., np.arange(points), heaviest]  # the heaviest cell: (*dims, point)
    finite: npt.NDArray[np.bool_] = np.asarray(
        np.isfinite(np.moveaxis(picked, result.dims.index(dim), 0))
    )
    valid: npt.NDArray[np.bool_] = np.asarray(  # (depth, point): valid at any time
        finite.reshape(finite.shape[0], -1, points).any(axis=1)
    )
    deepest = np.where(valid.any(axis=0), valid.shape[0] - 1 - np.argmax(valid[::-1], axis=0), 0)
    chosen = result.isel({dim: xr.DataArray(deepest, dims="point")})
    depths = np.where(valid.any(axis=0), info.vertical.depths[deepest], np.nan)
    return chosen.assign_coords(depth=("point", depths))


def _bottom(block: xr.DataArray, info: VariableInfo) -> tuple[xr.DataArray, xr.DataArray]:
    """Per cell the value at the deepest valid level, and that level's depth."""
    assert info.vertical is not None
    dim = info.vertical.dim
    loaded = block.load()
    valid = loaded.notnull()
    n = loaded.sizes[dim]
    index = (n - 1 - valid.isel({dim: slice(None, None, -1)}).argmax(dim)).where(valid.any(dim))
    filled = index.fillna(0).astype(int)
    values = loaded.isel({dim: filled}).where(valid.any(dim))
    depths = xr.DataArray(info.vertical.depths, dims=dim).isel({dim: filled}).where(valid.any(dim))
    depths = depths.assign_attrs(units="m", positive="down", long_name="depth of the bottom value")
    return values.drop_vars(dim, errors="ignore"), depths.reset_coords(drop=True)


def _depth_used(info: VariableInfo, choice: DepthChoice, values: xr.DataArray) -> dict[str, Any]:
    if info.vertical is None:
        return {}
    if choice.bottom:
        depths = np.atleast_1d(values.coords["depth"].values)
        finite = depths[np.isfinite(depths)]
        return {"depth": float(finite[0]) if finite.size else None, "depth_rule": "bottom"}
    assert choice.index is not None
    return {"depth": float(info.vertical.depths[choice.index])}


def _cells(info: VariableInfo, stencil: Stencil) -> list[dict[str, Any]]:
    cells = []
    for j, i, w in zip(stencil.j, stencil.i, stencil.w, strict=True):
        if w <= 1e-12:
            continue
        lon, lat = info.grid.cell_lonlat(int(j), int(i))
        cells.append(
            {
                "index": {info.grid.y_dim: int(j), info.grid.x_dim: int(i)},
                "lon": round(lon, 6),
                "lat": round(lat, 6),
                "weight": round(float(w), 6),
            }
        )
    return cells


def _named(da: xr.DataArray, info: VariableInfo) -> xr.DataArray:
    """The values under the variable's id, with only our CF attributes (no source encoding)."""
    attrs = {
        "units": info.units,
        "long_name": info.long_name or info.display_name,
        "standard_name": info.standard_name,
    }
    named = da.rename(info.id).drop_encoding()
    named.attrs = {k: v for k, v in attrs.items() if v}
    return named


def _finish(data: xr.Dataset, per_var: dict[str, dict[str, Any]]) -> xr.Dataset:
    """Add speed and direction for complete vector pairs; copy the used time as a coordinate."""
    easts = [n for n in data.data_vars if str(n).endswith("_east")]
    for east in easts:
        base = str(east)[: -len("_east")]
        north = f"{base}_north"
        if north in data:
            speed, direction = speed_and_direction(data[east], data[north])
            data[f"{base}_speed"] = speed.assign_attrs(
                units=data[east].attrs.get("units"), long_name=f"{base} speed"
            )
            data[f"{base}_direction"] = direction.assign_attrs(
                units="degree",
                long_name=f"{base} direction, to which it flows, clockwise from north",
            )
            per_var[f"{base}_speed"] = per_var[str(east)]
            per_var[f"{base}_direction"] = per_var[str(east)]
    times = {str(v["time"]) for v in per_var.values() if "time" in v}
    shared = len(times) == 1 and all("time" in v for v in per_var.values())
    if shared and "time" not in data.dims:
        data = data.assign_coords(time=pd.Timestamp(times.pop().rstrip("Z")).to_datetime64())
    return data
