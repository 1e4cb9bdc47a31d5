"""Reading values at stencils (nearest or interpolation weights), NaN-aware, and size guards."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from catalog.errors import InvalidParameters, SelectionTooLarge
from catalog.grids import Grid, Index, OutsideFootprint, Stencil

_NEIGHBOUR = "_neighbour"


def stencil_at(grid: Grid, lon: float, lat: float, interp: str, name: str = "lon") -> Stencil:
    """The cells and weights for a value at (lon, lat); outside the footprint is a 400."""
    stencil = stencil_or_none(grid, lon, lat, interp)
    if stencil is None:
        raise outside(grid, lon, lat, name)
    return stencil


def stencil_or_none(grid: Grid, lon: float, lat: float, interp: str) -> Stencil | None:
    """The cells and weights for a value at (lon, lat); None outside the footprint."""
    try:
        return grid.linear(lon, lat) if interp == "linear" else grid.nearest(lon, lat)
    except OutsideFootprint:
        return None


def outside(grid: Grid, lon: float, lat: float, name: str) -> InvalidParameters:
    """The 400 naming ``name``: (lon, lat) is outside the grid's footprint, which it gives."""
    west, south, east, north = grid.bbox()
    return InvalidParameters(
        [
            (
                name,
                f"({lon:g}, {lat:g}) is outside the grid's footprint "
                f"[{west:g}, {south:g}, {east:g}, {north:g}] (west, south, east, north)",
                "query",
            )
        ]
    )


def stack(stencils: list[Stencil]) -> tuple[tuple[Index, ...], npt.NDArray[np.float64]]:
    """Stencils as (points, neighbours) arrays: one index array per grid dimension, and the
    weights (padded with cell 0 and weight 0)."""
    k = max(s.w.size for s in stencils)
    ndim = len(stencils[0].cells)
    cells = tuple(np.zeros((len(stencils), k), dtype=np.intp) for _ in range(ndim))
    weights = np.zeros((len(stencils), k))
    for p, s in enumerate(stencils):
        weights[p, : s.w.size] = np.where(s.w > 1e-12, s.w, 0.0)
        for d in range(ndim):
            cells[d][p, : s.w.size] = s.cells[d]
    return cells, weights


HYPERSLAB_MAX = 1_000_000
"""Values of the box around a stencil set read whole (one contiguous read) rather than picked
cell by cell from the file; a larger box is picked."""


def read_stencils(
    da: xr.DataArray, dims: tuple[str, ...], cells: tuple[Index, ...]
) -> npt.NDArray[np.float64]:
    """Values at stacked stencil cells (see ``stack``): shape (*other dims, points, neighbours).

    ``dims`` are the grid's dimensions; ``da`` already has its other selections. The cells'
    bounding box is read in one piece when it is small (a file then decompresses each chunk
    once, instead of once per picked cell), and the cells are taken from it in memory.
    """
    lows = [int(c.min()) for c in cells]
    spans = [int(c.max()) - low + 1 for c, low in zip(cells, lows, strict=True)]
    other = math.prod(int(n) for d, n in da.sizes.items() if d not in dims)
    if other * math.prod(spans) <= HYPERSLAB_MAX:
        box = da.isel(
            {d: slice(low, low + span) for d, low, span in zip(dims, lows, spans, strict=True)}
        )
        block = np.asarray(box.transpose(..., *dims).values, dtype=np.float64)
        local = tuple((c - low).ravel() for c, low in zip(cells, lows, strict=True))
        where: tuple[Any, ...] = (Ellipsis, *local)
        values: npt.NDArray[np.float64] = block[where]
        return values.reshape(*values.shape[:-1], *cells[0].shape)
    picked = da.isel(
        {dim: xr.DataArray(c.ravel(), dims=_NEIGHBOUR) for dim, c in zip(dims, cells, strict=True)}
    )
    picked = picked.transpose(..., _NEIGHBOUR)
    values = np.asarray(picked.values, dtype=np.float64)
    return values.reshape(*values.shape[:-1], *cells[0].shape)


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
