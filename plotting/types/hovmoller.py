"""hovmoller: time against distance (or longitude, latitude) along a path, at one depth."""

from __future__ import annotations

from matplotlib.figure import Figure

from catalog import query
from catalog.query.convert import convert_units
from plotting.basemap import LAND_COLOUR
from plotting.common import (
    RenderContext,
    choose_variable,
    date_axis,
    finish,
    pick,
    plot_units,
    shade,
    subtitle,
    time_span,
    used_in,
)
from plotting.figure import new_figure
from plotting.params import Depth, End, Path, PathType, PlotParams, Samples, Start
from plotting.paths import path_axis, path_words
from plotting.plot_type import PlotType

NEEDS = ("time",)


class HovmollerParams(PlotParams):
    """Parameters of a Hovmöller diagram."""

    path: Path
    path_type: PathType = "rhumb"
    n: Samples = 200
    start: Start = None
    end: End = None
    depth: Depth = None


def render(ctx: RenderContext, p: HovmollerParams) -> Figure:
    """Draw the diagram (runs in a worker)."""
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, NEEDS, "hovmoller")
    result = query.hovmoller(
        opened,
        name,
        p.path,
        p.n,
        p.start,
        p.end,
        p.depth,
        max_values=ctx.max_values,
        path_type=p.path_type,
    )
    result = convert_units(result, plot_units(p, info))
    field = pick(result.data, name).transpose("time", "distance")
    times = result.data["time"].values
    along = path_axis(result.data)

    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    ax.set_facecolor(LAND_COLOUR)  # land along the path
    shade(fig, ax, along.values, times, field, p, info, name)
    date_axis(ax.yaxis, info, times)
    along.apply(ax)
    ax.set_ylabel("Time")
    span = f"{time_span(info, times)}, {times.size} steps"
    path = path_words(p.path_type, len(p.path) - 1, result.selection["length_km"])
    return finish(fig, p, info, name, opened, subtitle(used_in(result), info, f"{span} · {path}"))


PLOT_TYPE = PlotType(
    name="hovmoller",
    summary="Hovmöller diagram along a path",
    description="A variable along a path (the rhumb lines or geodesics joining the vertices, "
    "`path_type`, sampled at `n` points) over a time range, at one depth: across, longitude "
    "along a parallel, latitude along a meridian, else distance (km); time down the side.",
    params=HovmollerParams,
    render=render,
    needs=NEEDS,
    location="path",
)
