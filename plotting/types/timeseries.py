"""timeseries: value against time at a point, at one or several depths."""

from __future__ import annotations

from typing import Any

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
    date_axis,
    finish,
    label,
    level_label,
    no_data_note,
    pick,
    plot_units,
    time_span,
    used_in,
)
from plotting.figure import new_figure
from plotting.params import End, PlotParams, Start
from plotting.plot_type import PlotType
from schemas import params
from schemas.params import DepthSpec

NEEDS = ("time",)
MAX_DEPTHS = 10


class TimeseriesParams(PlotParams):
    """Parameters of a time-series plot."""

    lon: float = Field(
        ge=-360,
        le=360,
        allow_inf_nan=False,
        description="Longitude, degrees east (-180..180 or 0..360).",
        examples=[-140.0],
    )
    lat: float = Field(
        ge=-90, le=90, allow_inf_nan=False, description="Latitude, degrees north.", examples=[0.5]
    )
    start: Start = None
    end: End = None
    depth: list[params.DepthParam] = Field(
        default_factory=list,
        max_length=MAX_DEPTHS,
        description=f"Depth in metres, 'surface' or 'bottom'; repeat for up to {MAX_DEPTHS} "
        "lines. Default: the surface.",
        examples=[["surface"]],
    )


def check(opened: OpenDataset, p: TimeseriesParams) -> None:
    """Not too many depths (each is parsed)."""
    if len(p.depth) > MAX_DEPTHS:
        raise InvalidParameters.single("depth", f"at most {MAX_DEPTHS} depths")


def render(ctx: RenderContext, p: TimeseriesParams) -> Figure:
    """Draw the series (runs in a worker)."""
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, NEEDS, "timeseries")
    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    axis_label = ""
    drawn: list[Any] = []
    depths: list[DepthSpec | None] = list(p.depth) or [None]
    for depth in depths:
        result = query.timeseries(
            opened,
            [name],
            p.lon,
            p.lat,
            p.start,
            p.end,
            depth,
            max_values=ctx.max_values,
        )
        result = convert_units(result, plot_units(p, info))
        field = pick(result.data, name)
        used = used_in(result)
        line = "surface"
        if used.get("depth") is not None:
            line = level_label(info, float(used["depth"]))
        if used.get("depth_rule") == "bottom":
            line = f"bottom ({line})"
        times = result.data["time"].values
        style: dict[str, Any] = {"marker": "o", "ms": 3} if times.size < 50 else {}
        ax.plot(times, field.values, lw=1.2, label=line, **style)
        drawn.append(field.values)
        axis_label = label(info, field, name)
    date_axis(ax.xaxis, info, times)
    if isinstance(p.scale, tuple):  # 'auto' (and no scale): the whole range of the lines
        ax.set_ylim(*p.scale)
    ax.set_ylabel(axis_label)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    if info.vertical is not None:
        ax.legend(fontsize="small", title="Depth", title_fontsize="small")
    where = f"{LAT_FORMAT(p.lat, None)} {LON_FORMAT(p.lon, None)}"
    if no_data_note(ax, drawn, where) and times.size >= 2:
        ax.set_xlim(times[0], times[-1])  # the times asked, not matplotlib's 1970 default
    span = time_span(info, times)
    return finish(fig, p, info, name, opened, f"{where} · {span}")


PLOT_TYPE = PlotType(
    name="timeseries",
    summary="Time series at a point",
    description="A variable against time at a point over a time range (the whole axis by "
    "default), one line per depth (repeat `depth`). `scale` sets the value axis range.",
    params=TimeseriesParams,
    render=render,
    needs=NEEDS,
    location="points",
    check=check,
)
