"""What a map reads and draws over its field, the same on plain and projected axes: the box
read, the grid's drawing of a field, labelled contours and arrows with their key.

``transform`` is None on plate carrée axes, the CRS of longitude/latitude on cartopy's."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from catalog import query
from catalog.geo import BBox
from catalog.grids import Drawing
from catalog.query import QueryResult
from plotting import drawing
from plotting.common import RenderContext
from plotting.labels import display_units
from plotting.map_params import MapParams


def read_box(
    ctx: RenderContext, p: MapParams, name: str, bbox: BBox, max_cells: int
) -> QueryResult:
    """A variable (or vector pair) over the map's box at its time and depth."""
    return query.area(
        ctx.opened, [name], bbox, p.time, p.depth, max_cells=max_cells, max_values=ctx.max_values
    )


def drawing_of(ctx: RenderContext, name: str, field: xr.DataArray) -> Drawing:
    """How the grid the field was read from draws it."""
    return ctx.opened.resolve([name])[0].grid.drawing(field)


def contours(
    ax: Axes,
    ctx: RenderContext,
    p: MapParams,
    bbox: BBox,
    x0: float,
    pixels: int,
    transform: Any = None,
) -> None:
    """Labelled contour lines of ``p.contour`` over the box."""
    assert p.contour is not None
    field = read_box(ctx, p, p.contour, bbox, max(pixels // 8, 1)).data[p.contour]
    lines = drawing.contour(
        ax, drawing_of(ctx, p.contour, field), x0, p.contour_levels, transform=transform
    )
    if lines is not None:
        ax.clabel(lines, fontsize="x-small", inline=True, fmt="%g")


def arrows(
    ax: Axes, ctx: RenderContext, p: MapParams, bbox: BBox, x0: float, transform: Any = None
) -> None:
    """Arrows of the vector pair ``p.quiver`` (about ``quiver_density`` across), with a key
    of their 90th percentile speed."""
    assert p.quiver is not None
    result = read_box(ctx, p, p.quiver, bbox, p.quiver_density**2)
    east_field = result.data[f"{p.quiver}_east"]
    x, y, east = drawing.points(drawing_of(ctx, p.quiver, east_field), x0)
    north_field = result.data[f"{p.quiver}_north"]
    _, _, north = drawing.points(drawing_of(ctx, p.quiver, north_field), x0)
    ok = np.isfinite(east) & np.isfinite(north)
    if not ok.any():
        return
    style: dict[str, Any] = {"color": "k", "width": 0.0025, "zorder": 5, "pivot": "middle"}
    if transform is not None:
        style["transform"] = transform
    shown = ax.quiver(x[ok], y[ok], east[ok], north[ok], **style)
    reference = float(np.nanpercentile(np.hypot(east[ok], north[ok]), 90)) or 1.0
    units = display_units(east_field.attrs.get("units", ""))
    ax.quiverkey(
        shown,
        0.88,
        0.03,
        reference,
        f"{reference:.2g} {units}".strip(),
        labelpos="W",
        fontproperties={"size": "x-small"},
    )
