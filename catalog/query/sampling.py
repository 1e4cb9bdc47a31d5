"""Reading values at stencils (nearest or interpolation weights), NaN-aware, and size guards."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import xarray as xr

from catalog.errors import InvalidParameters, SelectionTooLarge
from catalog.grids import Grid, OutsideFootprint, Stencil

_NEIGHBOUR = "_neighbour"


def stencil_at(grid: Grid, lon: float, lat: float, interp: str, name: str = "lon") -> Stencil:
    """The cells and weights for a value at (lon, lat); outside the footprint is a 400."""
    try:
        return grid.linear(lon, lat) if interp == "linear" else grid.nearest(lon, lat)
    except OutsideFootprint:
        west, south, east, north = grid.bbox()
        raise InvalidParameters(
            [
                (
                    name,
                    f"({lon:g}, {lat:g}) is outside the grid's footprint "
                    f"[{west:g}, {south:g}, {east:g}, {north:g}] (west, south, east, north)",
                    "query",
                )
            ]
        ) from None


def stack(
    stencils: list[Stencil],
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Stencils as (points, neighbours) arrays of rows, columns and weights (padded with 0)."""
    k = max(s.w.size for s in stencils)
    rows = np.zeros((len(stencils), k), dtype=np.intp)
    cols = np.zeros((len(stencils), k), dtype=np.intp)
    weights = np.zeros((len(stencils), k))
    for p, s in enumerate(stencils):
        w = np.where(s.w > 1e-12, s.w, 0.0)
        rows[p, : s.j.size], cols[p, : s.i.size], weights[p, : s.w.size] = s.j, s.i, w
    return rows, cols, weights


def read_stencils(
    da: xr.DataArray, dims: tuple[str, str], rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """Values at stacked stencil cells (see ``stack``): shape (*other dims, points, neighbours).

    ``dims`` are the grid's (y, x) dimensions; ``da`` already has its other selections.
    """
    y, x = dims
    picked = da.isel(
        {
            y: xr.DataArray(rows.ravel(), dims=_NEIGHBOUR),
            x: xr.DataArray(cols.ravel(), dims=_NEIGHBOUR),
        }
    )
    picked = picked.transpose(..., _NEIGHBOUR)
    values = np.asarray(picked.values, dtype=np.float64)
    return values.reshape(*values.shape[:-1], *rows.shape)


def combine(
    values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Weighted mean over the last axis ignoring NaN cells (their weight is dropped and the rest
    renormalised); NaN where every weighted cell is NaN (land)."""
    valid = np.isfinite(values) & (weights > 0)
    total = np.where(valid, weights, 0.0).sum(axis=-1)
    summed = np.where(valid, np.nan_to_num(values) * weights, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, summed / total, np.nan)


def guard(estimate: int, limit: int, advice: str) -> None:
    """413 before reading when a request would touch more than ``limit`` values."""
    if estimate > limit:
        raise SelectionTooLarge(
            f"This request would read about {estimate:,} values; the limit is {limit:,}. {advice}",
            estimate=estimate,
            limit=limit,
        )
