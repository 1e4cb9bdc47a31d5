"""Area queries: the cells inside a box (which may cross the antimeridian) at one time and level,
on whatever grid: the grid chooses the cells and says which of them are inside."""

from __future__ import annotations

import math
from typing import Any

import xarray as xr

from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters, NoData
from catalog.geo import BBox
from catalog.query.common import (
    bottom_values,
    depth_choice,
    finish,
    indexer,
    level_count,
    named,
    time_isel,
)
from catalog.query.result import DEFAULT_MAX_VALUES, QueryResult
from catalog.query.sampling import guard
from catalog.selection import Instant


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
        isel, used = time_isel(info, time)
        choice = depth_choice(info, depth)
        guard(
            rows.size * cols.size * level_count(info, choice),
            max_values,
            "Ask for a smaller box, or thin it with stride or max_cells.",
        )
        isel.update({y: indexer(rows, y), x: indexer(cols, x)})
        if choice.index is not None and info.vertical is not None:
            isel[info.vertical.dim] = choice.index
        block = opened.array(info).isel(isel)
        if choice.bottom and info.vertical is not None:
            block, bottom = bottom_values(block, info)
            used["depth"] = "bottom"
            used["bottom_depths"] = None  # per cell: see the bottom_depth variable
            values["bottom_depth"] = bottom
        elif info.vertical is not None and choice.index is not None:
            used["depth"] = float(info.vertical.depths[choice.index])
        block = block.transpose(..., y, x)
        if inside is not None:
            block = block.where(inside)
        per_var[info.id] = used
        values[info.id] = named(block.reset_coords(drop=True), info)
    data = finish(xr.Dataset(values), per_var)
    data = grid.located(data, rows, cols)
    selection = {"stride": stride, "cells": int(rows.size * cols.size), "variables": per_var}
    return QueryResult("area", opened.id, data, selection)


def thinned_stride(rows: int, cols: int, stride: int, max_cells: int | None) -> int:
    """The stride an area query takes: ``stride``, or larger until at most ``max_cells``."""
    if max_cells is not None and rows * cols > max_cells:
        return max(stride, math.ceil(math.sqrt(rows * cols / max_cells)))
    return stride
