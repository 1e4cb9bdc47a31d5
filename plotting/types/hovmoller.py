"""hovmoller: time against distance along a path, at one depth."""

from __future__ import annotations

import numpy as np
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from catalog import queries
from catalog.dataset import OpenDataset
from catalog.formats import convert_units
from catalog.geo import parse_path
from catalog.selection import parse_depth
from plotting.common import (
    RenderContext,
    choose_variable,
    colormap,
    colour_range,
    default_title,
    is_speed,
    label,
    pick,
    subtitle,
)
from plotting.figure import annotate, new_figure
from plotting.params import Depth, End, PathText, PlotParams, Samples, Start
from plotting.types import PlotType

NEEDS = ("time",)


class HovmollerParams(PlotParams):
    """Parameters of a Hovmöller diagram."""

    path: PathText
    n: Samples = 200
    start: Start = None
    end: End = None
    depth: Depth = None


def check(opened: OpenDataset, p: HovmollerParams) -> None:
    """The path's form, before any data is read."""
    parse_path(p.path)


def render(ctx: RenderContext, p: HovmollerParams) -> Figure:
    """Draw the diagram (runs in a worker)."""
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, NEEDS, "hovmoller")
    result = queries.hovmoller(
        opened,
        name,
        parse_path(p.path),
        p.n,
        p.start,
        p.end,
        parse_depth(p.depth),
        max_values=ctx.max_values,
    )
    result = convert_units(result, p.units)
    field = pick(result.data, name).transpose("time", "distance")
    times = result.data["time"].values
    distance = result.data["distance"].values

    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    ax.set_facecolor("#d9d4c7")  # land along the path
    low, high = colour_range(p, info, [field.values], field.attrs.get("units"), is_speed(field))
    mesh = ax.pcolormesh(
        distance,
        times,
        np.ma.masked_invalid(field.values.astype(np.float64)),
        shading="nearest",
        cmap=colormap(p, info, is_speed(field)),
        vmin=low,
        vmax=high,
    )
    fig.colorbar(mesh, ax=ax, label=label(info, field, name), pad=0.02)
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.yaxis.set_major_locator(locator)
    ax.yaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.set_xlabel("Distance along path (km)")
    ax.set_ylabel("Time")
    used = next(iter(result.selection["variables"].values()))
    span = f"{str(times[0])[:10]} to {str(times[-1])[:10]}, {times.size} steps"
    annotate(
        fig,
        default_title(p, info, name, opened),
        opened.entry.title,
        subtitle(used, span),
        opened.entry.attribution,
    )
    return fig


PLOT_TYPE = PlotType(
    name="hovmoller",
    summary="Hovmöller diagram along a path",
    description="A variable along a path (sampled at `n` points) over a time range, at one "
    "depth: distance (km) across, time down the side.",
    params=HovmollerParams,
    render=render,
    needs=NEEDS,
    location="path",
    check=check,
)
