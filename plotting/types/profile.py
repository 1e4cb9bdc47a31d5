"""profile: value against depth at one or more points, overlaid with a legend."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure
from pydantic import Field

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.query import QueryResult
from catalog.query.convert import convert_units
from plotting import panels
from plotting.common import (
    LAT_FORMAT,
    LON_FORMAT,
    RenderContext,
    choose_variable,
    finish,
    label,
    no_data_note,
    pick,
    plot_units,
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
from plotting.layout import canvas_size
from plotting.params import DepthMax, DepthMin, PlotParams, Time
from plotting.plot_type import PlotType

NEEDS = ("vertical",)
Floats = npt.NDArray[np.float64]
LINE_MARGIN = 1.05
"""The difference axis reaches this far past the largest |A − B|, so no line runs on the
frame."""
MAX_POINTS = 10


class ProfilePoints(PlotParams):
    """The points, time and depth range of profiles (the sound-speed plot's too)."""

    lon: list[Annotated[float, Field(ge=-360, le=360, allow_inf_nan=False)]] = Field(
        description=f"Longitude of each point, degrees east (repeat for up to {MAX_POINTS} "
        "points, in the same order as lat).",
        max_length=MAX_POINTS,
        examples=[[-20.0]],
    )
    lat: list[Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]] = Field(
        description="Latitude of each point, degrees north (repeat, as lon).",
        max_length=MAX_POINTS,
        examples=[[50.0]],
    )
    time: Time = None
    depth_min: DepthMin = None
    depth_max: DepthMax = None


class ProfileParams(ProfilePoints, CompareParams):
    """Parameters of a profile plot, which may be a difference plot."""


def check(opened: OpenDataset, p: ProfilePoints) -> None:
    """As many latitudes as longitudes, and not too many points."""
    if len(p.lon) != len(p.lat):
        raise InvalidParameters.single(
            "lat", f"give one lat per lon ({len(p.lon)} lon, {len(p.lat)} lat)"
        )
    if len(p.lon) > MAX_POINTS:
        raise InvalidParameters.single("lon", f"at most {MAX_POINTS} points")


def render(ctx: RenderContext, p: ProfileParams) -> Figure:
    """Draw the profiles (runs in a worker)."""
    compared = comparison(ctx, p, NEEDS, "profile", "points")
    if compared is not None:
        return difference(ctx, p, compared)
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, NEEDS, "profile")
    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    used: dict[str, Any] = {}
    axis_label = ""
    drawn: list[Any] = []
    depths: list[float] = []
    wheres: list[str] = []
    for lon, lat in zip(p.lon, p.lat, strict=True):
        result = query.profile(
            opened, [name], lon, lat, p.time, p.depth_min, p.depth_max, max_values=ctx.max_values
        )
        result = convert_units(result, plot_units(p, info))
        field = pick(result.data, name)
        where = f"{LAT_FORMAT(lat, None)} {LON_FORMAT(lon, None)}"
        ax.plot(field.values, result.data["depth"].values, marker=".", ms=3, lw=1.2, label=where)
        drawn.append(field.values)
        depths.extend(float(d) for d in np.atleast_1d(result.data["depth"].values))
        wheres.append(where)
        used = used_in(result)
        axis_label = label(info, field, name)
    if isinstance(p.scale, tuple):  # 'auto' (and no scale): the whole range of the lines
        ax.set_xlim(*p.scale)
    if no_data_note(ax, drawn, ", ".join(wheres)) and len(depths) >= 2:
        ax.set_ylim(max(depths), min(depths))  # the depths asked, downwards
    else:
        ax.invert_yaxis()
    ax.set_xlabel(axis_label)
    ax.set_ylabel("Depth (m)")
    ax.grid(True, linewidth=0.4, alpha=0.5)
    ax.legend(fontsize="small", title="Point", title_fontsize="small")
    return finish(fig, p, info, name, opened, subtitle(used, info))


def _column(
    ctx: RenderContext, p: ProfileParams, side: Side, units: str | None, lon: float, lat: float
) -> QueryResult:
    """One side's profile at a point, in the units drawn."""
    result = query.profile(
        side.opened,
        [side.name],
        lon,
        lat,
        side.time,
        p.depth_min,
        p.depth_max,
        max_values=ctx.max_values,
    )
    return convert_units(result, units)


def difference(ctx: RenderContext, p: ProfileParams, cmp: Comparison) -> Figure:
    """Three panels side by side sharing depth: A, B (on A's levels) and A − B, a line per
    point (runs in a worker)."""
    a, b = cmp.a, cmp.b
    width, height = canvas_size(p.width, p.height, p.dpi, None)
    fig, axes = panels.figure(width, height, p.dpi, "columns", share="y", compress=False)
    axes[1].sharex(axes[0])  # A and B on one value scale
    moved = b.info.grid is not a.info.grid
    deltas: list[Floats] = []
    drawn: list[Floats] = []
    depths: list[float] = []
    wheres: list[str] = []
    used: list[dict[str, Any]] = []
    for lon, lat in zip(p.lon, p.lat, strict=True):
        read_a, read_b = (_column(ctx, p, side, cmp.units_for(side), lon, lat) for side in (a, b))
        values_a = np.asarray(pick(read_a.data, a.name).values, dtype=np.float64)
        depth = np.asarray(read_a.data["depth"].values, dtype=np.float64)
        values_b, levels_moved = onto_levels(
            np.asarray(pick(read_b.data, b.name).values, dtype=np.float64),
            read_b.data["depth"].values,
            depth,
        )
        moved = moved or levels_moved
        where = f"{LAT_FORMAT(lat, None)} {LON_FORMAT(lon, None)}"
        for ax, values in zip(axes, (values_a, values_b, values_a - values_b), strict=True):
            ax.plot(values, depth, marker=".", ms=3, lw=1.2, label=where)
        deltas.append(values_a - values_b)
        drawn.append(values_a)
        depths.extend(float(d) for d in depth)
        wheres.append(where)
        used = [used_in(read_a), used_in(read_b)]
    if isinstance(p.scale, tuple):
        axes[0].set_xlim(*p.scale)
    low, high = difference_range(p, np.concatenate(deltas))
    axes[2].set_xlim(low * LINE_MARGIN, high * LINE_MARGIN)
    axes[2].axvline(0.0, color="0.3", lw=0.8, zorder=0)
    if no_data_note(axes[0], drawn, ", ".join(wheres)) and len(depths) >= 2:
        axes[0].set_ylim(max(depths), min(depths))
    else:
        axes[0].invert_yaxis()
    field = pick(read_a.data, a.name)
    axes[0].set_ylabel("Depth (m)")
    labels = (
        label(a.info, field, a.name),
        label(b.info, pick(read_b.data, b.name), b.name),
        difference_label(field, a.info),
    )
    for ax, text in zip(axes, labels, strict=True):
        ax.set_xlabel(text)
        ax.grid(True, linewidth=0.4, alpha=0.5)
    axes[0].legend(fontsize="small", title="Point", title_fontsize="small")
    titles = cmp.titles(subtitle(used[0], a.info), subtitle(used[1], b.info), moved)
    return panels.finish(fig, axes, cmp.title(p), titles, cmp.credit())


PLOT_TYPE = PlotType(
    name="profile",
    summary="Vertical profile at one or more points",
    description="A variable against depth at one or more points (repeat `lon` and `lat`), "
    "one line each with a legend, at one time. `scale` sets the value axis range.",
    params=ProfileParams,
    render=render,
    needs=NEEDS,
    location="points",
    check=check,
)
