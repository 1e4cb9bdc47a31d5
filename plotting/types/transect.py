"""transect: a vertical section along a path, distance (or longitude, latitude) against depth,
seabed shaded, with a locator map of the path."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.collections import QuadMesh
from matplotlib.colors import Colormap
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory
from pydantic import Field

from catalog import query
from catalog.dataset import OpenDataset
from catalog.query import QueryResult
from catalog.query.convert import convert_units
from plotting import colormaps, panels
from plotting.common import (
    RenderContext,
    choose_variable,
    colormap,
    colour_range,
    finish,
    is_speed,
    label,
    pick,
    plot_units,
    shade,
    subtitle,
    used_in,
)
from plotting.compare import (
    CompareParams,
    Comparison,
    Side,
    comparison,
    difference_label,
    difference_range,
    onto_levels,
)
from plotting.figure import new_figure
from plotting.layout import EDGE, canvas_size, colour_bar_axes, reserve
from plotting.panels import DIFFERENCE_CMAP
from plotting.params import Path, PathType, Samples, Time
from plotting.paths import draw_locator, path_axis, path_words
from plotting.plot_type import PlotType
from schemas import patterns

NEEDS = ("vertical",)
SEABED = "#6b5a4a"
Floats = npt.NDArray[np.float64]
LOCATOR_POINTS = 90.0
"""The locator map's width (points) beside the colour bar."""
LOCATOR_GAP = 16.0
"""Between the colour bar's labels (which the layout measures) and the locator (points)."""
"""The locator map's column, as a share of the section's (beside the colour bar, not over data)."""


class TransectParams(CompareParams):
    """Parameters of a vertical section."""

    path: Path
    path_type: PathType = "rhumb"
    n: Samples = 200
    time: Time = None
    depth_max: float | None = Field(
        default=None,
        gt=0,
        le=patterns.DEPTH_MAX_M,
        allow_inf_nan=False,
        description="Deepest depth shown (m); default: the deepest level with data.",
        examples=[1000],
    )


def render(ctx: RenderContext, p: TransectParams) -> Figure:
    """Draw the section (runs in a worker)."""
    compared = comparison(ctx, p, NEEDS, "transect", "path")
    if compared is not None:
        return difference(ctx, p, compared)
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, NEEDS, "transect")
    result = query.transect(
        opened,
        [name],
        p.path,
        p.n,
        p.time,
        None,
        max_values=ctx.max_values,
        path_type=p.path_type,
    )
    result = convert_units(result, plot_units(p, info))
    field = pick(result.data, name).transpose("depth", "distance")
    along = path_axis(result.data)
    depth = result.data["depth"].values

    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    reserve(ax, right=LOCATOR_POINTS + LOCATOR_GAP)
    ax.set_facecolor(SEABED)  # cells without data below the sea floor show the seabed colour
    wet = np.isfinite(field.values).any(axis=1)
    deepest = float(depth[wet].max()) if wet.any() else float(depth.max())
    bottom = p.depth_max or deepest * 1.05
    shade(fig, ax, along.values, depth, field, p, info, name, shown=field.values[depth <= bottom])
    ax.set_ylim(bottom, 0)
    along.apply(ax)
    ax.set_ylabel("Depth (m)")
    draw_locator(_locator(fig), result.data["longitude"].values, result.data["latitude"].values)
    ends = path_words(p.path_type, len(p.path) - 1, result.selection["length_km"])
    return finish(fig, p, info, name, opened, subtitle(used_in(result), info, ends))


COMPARE_SIZE = (800, 900)
"""A difference section's default size: three sections stacked."""


def size(opened: OpenDataset, p: TransectParams) -> tuple[int, int]:
    """The image size: as asked, else 4:3, or 8:9 for three stacked sections."""
    if not p.compares:
        return canvas_size(p.width, p.height, p.dpi, None)
    return panels.shaped(p.width, p.height, COMPARE_SIZE)


def _section(ctx: RenderContext, p: TransectParams, side: Side, units: str | None) -> QueryResult:
    """One side's section along the path, in the units drawn."""
    result = query.transect(
        side.opened,
        [side.name],
        p.path,
        p.n,
        side.time,
        None,
        max_values=ctx.max_values,
        path_type=p.path_type,
    )
    return convert_units(result, units)


def difference(ctx: RenderContext, p: TransectParams, cmp: Comparison) -> Figure:
    """Three sections stacked: A, B (on A's levels) and A − B (runs in a worker)."""
    a, b = cmp.a, cmp.b
    read_a, read_b = (_section(ctx, p, side, cmp.units_for(side)) for side in (a, b))
    field_a = pick(read_a.data, a.name).transpose("depth", "distance")
    field_b = pick(read_b.data, b.name).transpose("depth", "distance")
    depth = read_a.data["depth"].values
    values_b, levels_moved = onto_levels(
        np.asarray(field_b.values, dtype=np.float64), read_b.data["depth"].values, depth
    )
    values_a = np.asarray(field_a.values, dtype=np.float64)
    delta = values_a - values_b
    wet = np.isfinite(values_a).any(axis=1)
    bottom = p.depth_max or (float(depth[wet].max()) if wet.any() else float(depth.max())) * 1.05
    within = depth <= bottom
    speed = is_speed(field_a, a.name)
    low, high = colour_range(p, a.info, [values_a[within], values_b[within]], speed)
    width, height = size(a.opened, p)
    fig, axes = panels.figure(width, height, p.dpi, "rows", share="x", compress=False)
    along = path_axis(read_a.data)
    cmap = colormap(p, a.info, speed)
    shown = []
    for ax, values in zip(axes[:2], (values_a, values_b), strict=True):
        ax.set_facecolor(SEABED)
        shown.append(_cells(ax, along.values, depth, values, cmap, low, high))
    bound = difference_range(p, delta[within])
    diverging = colormaps.get(DIFFERENCE_CMAP).with_extremes(bad=(0, 0, 0, 0))
    axes[2].set_facecolor(SEABED)
    drawn = _cells(axes[2], along.values, depth, delta, diverging, *bound)
    for k, ax in enumerate(axes):
        ax.set_ylim(bottom, 0)
        ax.set_ylabel("Depth (m)")
        along.apply(ax)
        if k < 2:
            ax.set_xlabel("")
    labels = (label(a.info, field_a, a.name), difference_label(field_a, a.info))
    panels.bars(fig, axes, shown[0], drawn, labels)
    ends = path_words(p.path_type, len(p.path) - 1, read_a.selection["length_km"])
    moved = levels_moved or b.info.grid is not a.info.grid
    titles = cmp.titles(
        subtitle(used_in(read_a), a.info, ends), subtitle(used_in(read_b), b.info), moved
    )
    return panels.finish(fig, axes, cmp.title(p), titles, cmp.credit())


def _cells(
    ax: Axes, x: Floats, y: Floats, values: Floats, cmap: Colormap, low: float, high: float
) -> QuadMesh:
    """A section's values (depth, along) as cells."""
    masked = np.ma.masked_invalid(values)
    return ax.pcolormesh(x, y, masked, shading="nearest", cmap=cmap, vmin=low, vmax=high)


def _locator(fig: Figure) -> Axes:
    """The locator map's axes: at the canvas' right edge, in the room the layout left beside
    the colour bar's labels, over the bar's upper half; an inset of the bar, so it follows
    where the layout puts the bar vertically."""
    bar = colour_bar_axes(fig)
    assert bar is not None
    width = LOCATOR_POINTS * fig.dpi / 72 / fig.bbox.width
    edge = EDGE * fig.dpi / 72 / fig.bbox.width
    where = blended_transform_factory(fig.transFigure, bar.transAxes)
    return bar.inset_axes((1.0 - edge - width, 0.5, width, 0.5), transform=where)


PLOT_TYPE = PlotType(
    name="transect",
    summary="Vertical section along a path",
    description="A variable along a path (the rhumb lines or geodesics joining the vertices, "
    "`path_type`, sampled at `n` points) over every depth level, with the seabed shaded and a "
    "locator map of the path: longitude against depth along a parallel, latitude along a "
    "meridian, else distance (km).",
    params=TransectParams,
    render=render,
    needs=NEEDS,
    location="path",
    sizer=size,
)
