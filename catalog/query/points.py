"""Queries at one place: a point (one time and level), a time series and a profile."""

from __future__ import annotations

import math
from typing import Any

import xarray as xr

from catalog.dataset import OpenDataset
from catalog.geo import normalise_lon
from catalog.query.common import (
    at_stencils,
    cells_used,
    common_time_axis,
    depth_choice,
    depth_used,
    finish,
    level_count,
    named,
    shared_levels,
    time_isel,
    with_axis,
)
from catalog.query.result import DEFAULT_MAX_VALUES, Interp, QueryResult
from catalog.query.sampling import guard, stencil_at
from catalog.selection import DepthChoice, Instant, depth_range, nearest_levels, time_range
from schemas.params import DepthSpec


def point(
    opened: OpenDataset,
    names: list[str] | None,
    lon: float,
    lat: float,
    time: Instant = None,
    depth: DepthSpec | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Values of the variables at one place, at the nearest time step and level."""
    infos = opened.resolve(names)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        stencil = stencil_at(info.grid, lon, lat, interp)
        isel, used = time_isel(info, time)
        choice = depth_choice(info, depth)
        guard(level_count(info, choice) * stencil.w.size, max_values, "Ask for fewer variables.")
        column = at_stencils(opened, info, [stencil], isel, choice)
        value = float(column.values[0])
        used.update(depth_used(info, choice, column))
        used["cells"] = cells_used(info, stencil)
        used["on_land"] = not math.isfinite(value)
        per_var[info.id] = used
        values[info.id] = named(column.isel(point=0), info)
    data = finish(xr.Dataset(values), per_var, longitude=normalise_lon(lon), latitude=lat)
    return QueryResult("point", opened.id, data, {"interp": interp, "variables": per_var})


def timeseries(
    opened: OpenDataset,
    names: list[str] | None,
    lon: float,
    lat: float,
    start: Instant = None,
    end: Instant = None,
    depth: DepthSpec | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
) -> QueryResult:
    """Values at one place and level over a time range (the whole axis by default)."""
    infos = with_axis(opened.resolve(names), names, "time", "a time axis")
    axis = common_time_axis(infos)
    steps = time_range(axis, start, end)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        assert info.time is not None and info.time.dim is not None
        stencil = stencil_at(info.grid, lon, lat, interp)
        choice = depth_choice(info, depth)
        count = (steps.stop - steps.start) * level_count(info, choice) * stencil.w.size
        guard(count, max_values, "Ask for a shorter time range (start/end).")
        series = at_stencils(opened, info, [stencil], {info.time.dim: steps}, choice)
        used = depth_used(info, choice, series)
        used["cells"] = cells_used(info, stencil)
        per_var[info.id] = used
        series = series.isel(point=0)
        values[info.id] = named(series.rename({info.time.dim: "time"}), info)
    place = {"longitude": normalise_lon(lon), "latitude": lat}
    data = finish(xr.Dataset(values), per_var, time=axis.values[steps], **place)
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
    infos = with_axis(opened.resolve(names), names, "vertical", "depth levels")
    axis = shared_levels(infos)
    levels = nearest_levels(axis, depths) if depths else depth_range(axis, depth_min, depth_max)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        stencil = stencil_at(info.grid, lon, lat, interp)
        isel, used = time_isel(info, time)
        guard(levels.size * stencil.w.size, max_values, "Ask for a depth range.")
        isel[axis.dim] = xr.DataArray(levels, dims=axis.dim)
        column = at_stencils(opened, info, [stencil], isel, DepthChoice(None))
        used["cells"] = cells_used(info, stencil)
        per_var[info.id] = used
        values[info.id] = named(column.isel(point=0).rename({axis.dim: "depth"}), info)
    place = {"longitude": normalise_lon(lon), "latitude": lat}
    data = finish(xr.Dataset(values), per_var, depth=axis.depths[levels], **place)
    return QueryResult("profile", opened.id, data, {"interp": interp, "variables": per_var})
