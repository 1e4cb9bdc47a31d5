"""Horizontal grid adapters, chosen by recognising a variable's coordinates.

A grid kind is one module with one class and one line in ``GRID_KINDS``. Each adapter knows its
coordinates and footprint, and answers the query engine's questions: the nearest cell, the
cells and weights for linear interpolation, the cells inside a box and the coordinates an area
answer carries.
"""

from __future__ import annotations

import xarray as xr

from catalog.grids.base import GridKind, Index, OutsideFootprint, Stencil
from catalog.grids.curvilinear import CurvilinearGrid
from catalog.grids.regular import RegularGrid

__all__ = [
    "GRID_KINDS",
    "CurvilinearGrid",
    "Grid",
    "GridKind",
    "Index",
    "OutsideFootprint",
    "RegularGrid",
    "Stencil",
    "recognize_grid",
]

Grid = RegularGrid | CurvilinearGrid

GRID_KINDS: tuple[type[RegularGrid] | type[CurvilinearGrid], ...] = (RegularGrid, CurvilinearGrid)


def recognize_grid(lat: xr.DataArray, lon: xr.DataArray) -> Grid | None:
    """The first grid adapter that recognises these coordinates."""
    for kind in GRID_KINDS:
        grid = kind.recognize(lat, lon)
        if grid is not None:
            return grid
    return None
