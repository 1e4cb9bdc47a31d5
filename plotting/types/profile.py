"""profile: value against depth at one or more points, overlaid with a legend."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from matplotlib.figure import Figure
from pydantic import Field

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.query.convert import convert_units
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
from plotting.figure import new_figure
from plotting.params import PlotParams, Time
from plotting.plot_type import PlotType
from schemas import patterns

NEEDS = ("vertical",)
MAX_POINTS = 10


class ProfileParams(PlotParams):
    """Parameters of a profile plot."""

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
    depth_min: float | None = Field(
        default=None,
        ge=0,
        le=patterns.DEPTH_MAX_M,
        allow_inf_nan=False,
        description="Shallowest depth (m).",
        examples=[0],
    )
    depth_max: float | None = Field(
        default=None,
        ge=0,
        le=patterns.DEPTH_MAX_M,
        allow_inf_nan=False,
        description="Deepest depth (m).",
        examples=[1000],
    )


def check(opened: OpenDataset, p: ProfileParams) -> None:
    """As many latitudes as longitudes, and not too many points."""
    if len(p.lon) != len(p.lat):
        raise InvalidParameters.single(
            "lat", f"give one lat per lon ({len(p.lon)} lon, {len(p.lat)} lat)"
        )
    if len(p.lon) > MAX_POINTS:
        raise InvalidParameters.single("lon", f"at most {MAX_POINTS} points")


def render(ctx: RenderContext, p: ProfileParams) -> Figure:
    """Draw the profiles (runs in a worker)."""
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
