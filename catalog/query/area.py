"""Area queries: the cells inside a box (which may cross the antimeridian) at one time and level,
on whatever grid: the grid chooses the cells and says which of them are inside."""

from __future__ import annotations

from typing import Any

import xarray as xr

from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters, NoData
from catalog.geo import BBox
from catalog.grids import cell_count, thin, thinned_stride
from catalog.query.common import (
    USED_ATTRS,
    bottom_values,
    depth_choice,
    finish,
    indexer,
    level_count,
    named,
    own,
    time_isel,
)
from catalog.query.result import DEFAULT_MAX_VALUES, QueryResult
from catalog.query.sampling import guard
from catalog.selection import Instant
from schemas.params import DepthSpec


def area(
    opened: OpenDataset,
    names: list[str] | None,
    bbox: BBox,
    time: Instant = None,
    depth: DepthSpec | None = None,
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
    cells = grid.box(bbox)
    if cell_count(cells) == 0:
        west, south, east, north = grid.bbox()
        raise NoData(
            f"No cell centre of '{opened.id}' lies in the box; the data cover "
            f"[{west:g}, {south:g}, {east:g}, {north:g}].",
        )
    stride = thinned_stride(cells, stride, max_cells)
    cells = thin(cells, stride)
    count = cell_count(cells)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    inside = grid.inside(bbox, cells)  # one grid for every variable: one mask
    for info in infos:
        isel, used = time_isel(info, time)
        choice = depth_choice(info, depth)
        guard(
            count * level_count(info, choice),
            max_values,
            "Ask for a smaller box, or thin it with stride or max_cells.",
        )
        isel.update({d: indexer(c, d) for d, c in zip(grid.dims, cells, strict=True)})
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
        block = block.transpose(..., *grid.dims)
        if inside is not None:
            block = block.where(inside)
        per_var[info.id] = used
        values[info.id] = named(block.reset_coords(drop=True), info)
        if isinstance(used.get("depth"), float):  # the level used, as a coordinate
            level = ((), used["depth"], USED_ATTRS["depth"])
            values[info.id] = values[info.id].assign_coords({own(info, "depth"): level})
    data = finish(xr.Dataset(values), per_var)
    data = grid.located(data, cells)
    selection = {"stride": stride, "cells": count, "variables": per_var}
    return QueryResult("area", opened.id, data, selection)
