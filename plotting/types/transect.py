"""transect: a vertical section along a path, distance (or longitude, latitude) against depth,
seabed shaded, with a locator map of the path."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory
from pydantic import Field

from catalog import query
from catalog.query.convert import convert_units
from plotting.common import (
    RenderContext,
    choose_variable,
    finish,
    pick,
    plot_units,
    shade,
    subtitle,
    used_in,
)
from plotting.figure import new_figure
from plotting.layout import EDGE, colour_bar_axes, reserve
from plotting.params import Path, PathType, PlotParams, Samples, Time
from plotting.paths import draw_locator, path_axis, path_words
from plotting.plot_type import PlotType
from schemas import patterns

NEEDS = ("vertical",)
SEABED = "#6b5a4a"
LOCATOR_POINTS = 90.0
"""The locator map's width (points) beside the colour bar."""
LOCATOR_GAP = 16.0
"""Between the colour bar's labels (which the layout measures) and the locator (points)."""
"""The locator map's column, as a share of the section's (beside the colour bar, not over data)."""


class TransectParams(PlotParams):
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
)
