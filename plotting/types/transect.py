"""transect: a vertical section along a path, distance against depth, seabed shaded."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
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
from plotting.params import Path, PlotParams, Samples, Time
from plotting.plot_type import PlotType
from schemas import patterns

NEEDS = ("vertical",)
SEABED = "#6b5a4a"


class TransectParams(PlotParams):
    """Parameters of a vertical section."""

    path: Path
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
    result = query.transect(opened, [name], p.path, p.n, p.time, None, max_values=ctx.max_values)
    result = convert_units(result, plot_units(p, info))
    field = pick(result.data, name).transpose("depth", "distance")
    distance = result.data["distance"].values
    depth = result.data["depth"].values

    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    ax.set_facecolor(SEABED)  # cells without data below the sea floor show the seabed colour
    wet = np.isfinite(field.values).any(axis=1)
    deepest = float(depth[wet].max()) if wet.any() else float(depth.max())
    bottom = p.depth_max or deepest * 1.05
    shade(fig, ax, distance, depth, field, p, info, name, shown=field.values[depth <= bottom])
    ax.set_ylim(bottom, 0)
    ax.set_xlim(distance[0], distance[-1])
    ax.set_xlabel("Distance along path (km)")
    ax.set_ylabel("Depth (m)")
    ends = f"{result.selection['length_km']:.0f} km"
    return finish(fig, p, info, name, opened, subtitle(used_in(result), info, ends))


PLOT_TYPE = PlotType(
    name="transect",
    summary="Vertical section along a path",
    description="A variable along a path (the geodesics joining the vertices, sampled at `n` "
    "points) over every depth level: distance (km) against depth, with the seabed shaded.",
    params=TransectParams,
    render=render,
    needs=NEEDS,
    location="path",
)
