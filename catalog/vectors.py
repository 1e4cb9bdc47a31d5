"""Vector pairs as east/north components, on the grid where both are defined.

Earth-frame pairs (GLORYS ``uo``/``vo``) are east/north already. Grid-frame pairs on a ROMS
C-grid (WCOFS ``u_sur``/``v_sur``) are averaged from the u and v points to the rho points
(u along xi, v along eta; the outermost rho rows and columns, lacking a neighbour, are NaN)
and rotated by the grid angle: east = u cos(a) - v sin(a), north = u sin(a) + v cos(a).
"""

from __future__ import annotations

import dataclasses

import dask.array
import numpy as np
import xarray as xr

from catalog.axes import horizontal_coordinates
from catalog.grids import Grid, recognize_grid
from catalog.variables import VariableInfo
from schemas.catalog import VariableOverride, VectorPair


def speed_and_direction(
    east: xr.DataArray, north: xr.DataArray
) -> tuple[xr.DataArray, xr.DataArray]:
    """Speed (same units) and direction the vector points to, in degrees clockwise from north."""
    speed = xr.DataArray(np.hypot(east, north))
    direction = xr.DataArray((np.degrees(np.arctan2(east, north)) + 360.0) % 360.0)
    return speed, direction


def earth_components(
    ds: xr.Dataset, pair: VectorPair, x: VariableInfo, y: VariableInfo
) -> tuple[tuple[VariableInfo, xr.DataArray], tuple[VariableInfo, xr.DataArray]]:
    """(info, array) of the east and the north component of a pair."""
    east_info = _component(pair, x, "east")
    north_info = _component(pair, y, "north")
    if pair.frame == "earth":
        return (east_info, ds[pair.x]), (north_info, ds[pair.y])
    assert pair.angle is not None  # checked by the catalog schema
    angle = ds[pair.angle]
    coords = horizontal_coordinates(angle)
    grid = recognize_grid(ds, *coords) if coords else None
    if grid is None:
        raise ValueError(f"the angle variable '{pair.angle}' has no grid")
    u_rho = _to_centres(ds[pair.x], grid, axis=-1)
    v_rho = _to_centres(ds[pair.y], grid, axis=-2)
    cos, sin = np.cos(angle.values), np.sin(angle.values)
    east = (u_rho * cos - v_rho * sin).assign_attrs(units=x.units)
    north = (u_rho * sin + v_rho * cos).assign_attrs(units=y.units)
    coords_rho = {grid.lat_name: angle[grid.lat_name], grid.lon_name: angle[grid.lon_name]}
    east = east.assign_coords(coords_rho).rename(east_info.id)
    north = north.assign_coords(coords_rho).rename(north_info.id)
    dims = tuple(str(d) for d in east.dims)
    east_info = dataclasses.replace(east_info, grid=grid, dims=dims)
    north_info = dataclasses.replace(north_info, grid=grid, dims=dims)
    return (east_info, east), (north_info, north)


def _component(pair: VectorPair, source: VariableInfo, role: str) -> VariableInfo:
    return dataclasses.replace(
        source,
        id=f"{pair.id}_{role}",
        long_name=f"{pair.title}, {role}ward component",
        standard_name=None,
        override=VariableOverride(
            display_name=f"{pair.title} ({role})",
            display_units=source.override.display_units,
        ),
        vector=pair,
        role=role,
    )


def _to_centres(da: xr.DataArray, grid: Grid, axis: int) -> xr.DataArray:
    """Average a staggered component to the centres: neighbours along ``axis`` (-1: x, -2: y)."""
    data = da.chunk().data
    n = data.shape[axis]
    first = [slice(None)] * data.ndim
    second = [slice(None)] * data.ndim
    first[axis], second[axis] = slice(0, n - 1), slice(1, n)
    mean = 0.5 * (data[tuple(first)] + data[tuple(second)])
    pad = [(0, 0)] * data.ndim
    pad[axis] = (1, 1)
    centred = dask.array.pad(mean, pad, constant_values=np.nan)
    dims = [*da.dims[:-2], *grid.dims]
    other = {d: da.coords[d] for d in da.dims[:-2] if d in da.coords}
    scalar = {n: c for n, c in da.coords.items() if c.ndim == 0}
    return xr.DataArray(centred, dims=dims, coords={**other, **scalar})
