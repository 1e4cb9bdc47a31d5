"""What every query family shares: time and depth choices, reading values at stencils, the
bottom rule, the record of cells used, and the finishing of an answer (names, CF attributes,
speed and direction of vector pairs)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from catalog.axes import VerticalAxis
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.grids import Stencil
from catalog.query.sampling import combine, read_stencils, stack
from catalog.selection import DepthChoice, Instant, iso, nearest_depth, nearest_time
from catalog.variables import VariableInfo
from catalog.vectors import speed_and_direction
from schemas.params import DepthSpec


def shared_levels(infos: list[VariableInfo]) -> VerticalAxis:
    """The depth levels all the variables share; a 400 naming ``variables`` otherwise."""
    axis = infos[0].vertical
    if axis is None or any(i.vertical is None or i.vertical.name != axis.name for i in infos):
        raise InvalidParameters.single("variables", "must share one set of depth levels")
    return axis


def indexer(index: npt.NDArray[np.intp], dim: str) -> slice | xr.DataArray:
    """A slice when the indices step evenly (cheap for lazy and dask arrays), else an array."""
    if index.size >= 2:
        steps = np.diff(index)
        if steps[0] > 0 and np.all(steps == steps[0]):
            return slice(int(index[0]), int(index[-1]) + 1, int(steps[0]))
    elif index.size == 1:
        return slice(int(index[0]), int(index[0]) + 1)
    return xr.DataArray(index, dims=dim)


def with_axis(
    infos: list[VariableInfo], names: list[str] | None, axis: str, what: str
) -> list[VariableInfo]:
    """The variables that have ``axis``; a named one without it is a 400."""
    having = [i for i in infos if getattr(i, axis) is not None and real_axis(i, axis)]
    lacking = [i.id for i in infos if i not in having]
    if names and lacking:
        raise InvalidParameters.single("variables", f"{', '.join(lacking)} does not have {what}")
    if not having:
        raise InvalidParameters.single("variables", f"no variable of this dataset has {what}")
    return having


def real_axis(info: VariableInfo, axis: str) -> bool:
    return not (axis == "time" and info.time is not None and info.time.dim is None)


def common_time_axis(infos: list[VariableInfo]) -> Any:
    axis = infos[0].time
    for info in infos[1:]:
        if info.time is None or not np.array_equal(info.time.values, axis.values):  # type: ignore[union-attr]
            raise InvalidParameters.single("variables", "must share one time axis")
    return axis


def time_isel(info: VariableInfo, spec: Instant) -> tuple[dict[str, Any], dict[str, Any]]:
    if info.time is None:
        return {}, {}
    if info.time.dim is None:
        if spec is not None:
            nearest_time(info.time, spec)  # still rejects a time outside the coverage
        return {}, {"time": iso(info.time.values[0])}
    index = nearest_time(info.time, spec)
    return {info.time.dim: index}, {"time": iso(info.time.values[index])}


def depth_choice(info: VariableInfo, depth: DepthSpec | None) -> DepthChoice:
    if info.vertical is None:
        return DepthChoice(None)
    return nearest_depth(info.vertical, depth)


def level_count(info: VariableInfo, choice: DepthChoice) -> int:
    if info.vertical is None or choice.index is not None:
        return 1
    return int(info.vertical.depths.size)


def at_stencils(
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
    cells, weights = stack(stencils)
    raw = read_stencils(selected, info.grid.dims, cells)
    remaining = [str(d) for d in selected.dims if d not in info.grid.dims]
    values = combine(raw, weights)
    lon, lat = (np.array([s.at[k] for s in stencils]) for k in (0, 1))
    coords: dict[str, Any] = {  # built with the array: xarray's assign_coords costs ~1 ms
        own(info, "cell_longitude"): ("point", lon, USED_ATTRS["cell_longitude"]),
        own(info, "cell_latitude"): ("point", lat, USED_ATTRS["cell_latitude"]),
    }
    if choice.bottom and info.vertical is not None:
        values, depths = bottom_of_points(
            values, raw, weights, remaining.index(info.vertical.dim), info
        )
        remaining.remove(info.vertical.dim)
        coords[own(info, "depth")] = ("point", depths, USED_ATTRS["depth"])
    elif info.vertical is not None and choice.index is not None:
        level = float(info.vertical.depths[choice.index])
        coords[own(info, "depth")] = ((), level, USED_ATTRS["depth"])
    return xr.DataArray(values, dims=[*remaining, "point"], coords=coords)


USED = ("cell_longitude", "cell_latitude", "depth")
"""Coordinates saying where each value was taken: the grid cell's centre (or the point
interpolated to) and the level. The engine attaches them per variable (``own``); ``finish``
keeps one of each when every variable used the same, else one per variable."""


USED_ATTRS = {
    "cell_longitude": {
        "units": "degrees_east",
        "long_name": "longitude of the grid cell used (with interp=linear: of the point)",
    },
    "cell_latitude": {
        "units": "degrees_north",
        "long_name": "latitude of the grid cell used (with interp=linear: of the point)",
    },
    "depth": {"units": "m", "positive": "down", "long_name": "depth of the level used"},
}


def own(info: VariableInfo, quantity: str) -> str:
    """A variable's own name for a coordinate of ``USED``: ``<id>_<quantity>``."""
    return f"{info.id}_{quantity}"


def bottom_of_points(
    values: npt.NDArray[np.float64],
    raw: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    axis: int,
    info: VariableInfo,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """At each point the deepest level where its heaviest cell has data: the values (without
    the vertical ``axis``) and that level's depth per point (NaN where none has data)."""
    assert info.vertical is not None
    points = weights.shape[0]
    heaviest = np.argmax(weights, axis=-1)
    picked = raw[..., np.arange(points), heaviest]  # the heaviest cell: (*dims, point)
    finite: npt.NDArray[np.bool_] = np.asarray(np.isfinite(np.moveaxis(picked, axis, 0)))
    valid: npt.NDArray[np.bool_] = np.asarray(  # (depth, point): valid at any time
        finite.reshape(finite.shape[0], -1, points).any(axis=1)
    )
    deepest = np.where(valid.any(axis=0), valid.shape[0] - 1 - np.argmax(valid[::-1], axis=0), 0)
    levels = np.moveaxis(values, axis, 0)  # (depth, *others, point)
    index = deepest.reshape(1, *([1] * (levels.ndim - 2)), points)
    chosen = np.take_along_axis(levels, index, axis=0)[0]
    depths = np.where(valid.any(axis=0), info.vertical.depths[deepest], np.nan)
    return chosen, depths


def bottom_values(block: xr.DataArray, info: VariableInfo) -> tuple[xr.DataArray, xr.DataArray]:
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


def depth_used(info: VariableInfo, choice: DepthChoice, values: xr.DataArray) -> dict[str, Any]:
    if info.vertical is None:
        return {}
    if choice.bottom:
        depths = np.atleast_1d(values.coords[own(info, "depth")].values)
        finite = depths[np.isfinite(depths)]
        return {"depth": float(finite[0]) if finite.size else None, "depth_rule": "bottom"}
    assert choice.index is not None
    return {"depth": float(info.vertical.depths[choice.index])}


def cells_used(info: VariableInfo, stencil: Stencil) -> list[dict[str, Any]]:
    """The cells a value was made of: index on each grid dimension, position and weight."""
    grid, used = info.grid, []
    for k, w in enumerate(stencil.w):
        if w <= 1e-12:
            continue
        cell = tuple(int(c[k]) for c in stencil.cells)
        lon, lat = grid.cell_lonlat(cell)
        used.append(
            {
                "index": dict(zip(grid.dims, cell, strict=True)),
                "lon": round(lon, 6),
                "lat": round(lat, 6),
                "weight": round(float(w), 6),
            }
        )
    return used


def named(da: xr.DataArray, info: VariableInfo) -> xr.DataArray:
    """The values under the variable's id, with only our CF attributes (no source encoding)."""
    attrs = {
        "units": info.units,
        "long_name": info.long_name or info.display_name,
        "standard_name": info.standard_name,
    }
    named = da.rename(info.id).drop_encoding()
    named.attrs = {k: v for k, v in attrs.items() if v}
    return named


def finish(data: xr.Dataset, per_var: dict[str, dict[str, Any]], **extra: Any) -> xr.Dataset:
    """Add speed and direction for complete vector pairs; give the cell, level and time used as
    coordinates: one of each where every variable used the same, else one per variable; add
    the ``extra`` coordinates (values, 1-D on their own dimension, or scalars); values first,
    then the time, depth and place coordinates a reader looks for (``in_reading_order``)."""
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
    coords = _shared({str(n): c.variable for n, c in data.coords.items()}, data)
    times = {str(v["time"]) for v in per_var.values() if "time" in v}
    shared = len(times) == 1 and all("time" in v for v in per_var.values())
    if "time" not in data.dims and shared:
        coords["time"] = xr.Variable((), _instant(times.pop()))
    elif "time" not in data.dims and times:
        # Variables on different time axes (a mesh's monthly faces beside its daily nodes):
        # each says its own step.
        for name, used in per_var.items():
            if "time" in used:
                coords[f"{name}_time"] = xr.Variable((), _instant(used["time"]))
    coords |= {n: xr.Variable((n,) if np.ndim(v) else (), v) for n, v in extra.items()}
    # One construction: xarray's drop_vars and assign_coords cost about 1 ms each.
    values = {str(n): da.variable for n, da in data.data_vars.items()}
    return xr.Dataset(values, coords=in_reading_order(coords), attrs=data.attrs)


def _instant(text: str) -> np.datetime64:
    return pd.Timestamp(text.rstrip("Z")).to_datetime64()


def _shared(coords: dict[str, xr.Variable], data: xr.Dataset) -> dict[str, xr.Variable]:
    """Each coordinate of ``USED`` once when every variable that has it has the same values;
    else each variable's own (``<id>_depth`` …) stay."""
    for quantity in USED:
        owned = [f"{n}_{quantity}" for n in data.data_vars if f"{n}_{quantity}" in coords]
        if not owned or quantity in data.variables:
            continue
        first = coords[owned[0]]
        if all(_same(first, coords[name]) for name in owned[1:]):
            coords = {n: c for n, c in coords.items() if n not in owned} | {quantity: first}
    return coords


def _same(a: xr.Variable, b: xr.Variable) -> bool:
    return a.dims == b.dims and bool(np.array_equal(a.values, b.values, equal_nan=True))


def in_reading_order(coords: dict[str, xr.Variable]) -> dict[str, xr.Variable]:
    """The time, depth and place coordinates a reader looks for first, in that order: what was
    asked (longitude, latitude), then what was used (cell_…), then the rest."""
    first = ["time", "depth", "longitude", "latitude", "cell_longitude", "cell_latitude"]
    order = [n for n in first if n in coords] + [n for n in coords if n not in first]
    return {n: coords[n] for n in order}
