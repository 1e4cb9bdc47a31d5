"""Horizontal grid adapters, chosen by recognising a variable's coordinates.

A grid kind is one module with one class and one line in ``GRID_KINDS``. Each adapter knows its
coordinates and footprint, and answers the questions of ``Grid`` (``base``): the nearest cell,
the cells and weights for linear interpolation, the cells inside a box, the coordinates an area
answer carries and how to draw it. Nothing outside this package asks which kind a grid is.
"""

from __future__ import annotations

from typing import Protocol

import xarray as xr

from catalog.grids.base import (
    Cells,
    Drawing,
    Grid,
    GridKind,
    Index,
    OutsideFootprint,
    QuadMesh,
    Raster,
    Stencil,
    TriMesh,
    cell_count,
    thin,
    thinned_stride,
)
from catalog.grids.curvilinear import CurvilinearGrid
from catalog.grids.regular import RegularGrid
from catalog.grids.ugrid import MeshGrid

__all__ = [
    "GRID_KINDS",
    "Cells",
    "CurvilinearGrid",
    "Drawing",
    "Grid",
    "GridKind",
    "Index",
    "MeshGrid",
    "OutsideFootprint",
    "QuadMesh",
    "Raster",
    "RegularGrid",
    "Stencil",
    "TriMesh",
    "cell_count",
    "recognize_grid",
    "thin",
    "thinned_stride",
]


class GridAdapter(Protocol):
    """A grid kind: recognises the coordinates it can serve."""

    def recognize(self, ds: xr.Dataset, lat: xr.DataArray, lon: xr.DataArray) -> Grid | None: ...


GRID_KINDS: tuple[GridAdapter, ...] = (RegularGrid, CurvilinearGrid, MeshGrid)


def recognize_grid(ds: xr.Dataset, lat: xr.DataArray, lon: xr.DataArray) -> Grid | None:
    """The first grid adapter that recognises these coordinates of ``ds``."""
    for kind in GRID_KINDS:
        grid = kind.recognize(ds, lat, lon)
        if grid is not None:
            return grid
    return None
