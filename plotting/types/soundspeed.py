"""soundspeed: sound-speed profiles at one or more points, with the sonic layer depth and the
sound channel axis marked where the column has them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from pydantic import Field, field_validator

from catalog import query
from catalog.query.convert import convert_units
from plotting.common import (
    LAT_FORMAT,
    LON_FORMAT,
    RenderContext,
    label,
    no_data_note,
    plot_units,
    subtitle,
    used_in,
)
from plotting.figure import annotate, new_figure
from plotting.params import DepthMax, DepthMin
from plotting.plot_type import PlotType
from plotting.types.profile import ProfilePoints, check
from schemas import patterns

VARIABLE = "sound_speed"
SONIC_LAYER = {"marker": "v", "label": "Sonic layer depth"}
CHANNEL_AXIS = {"marker": "D", "label": "Sound channel axis"}


class SoundSpeedParams(ProfilePoints):
    """Parameters of a sound-speed profile plot: a profile plot's, of sound speed only."""

    variable: str | None = Field(
        default=None,
        description="Always sound_speed (the TEOS-10 speed of sound derived from the "
        "dataset's temperature and salinity); any other value is refused.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=[VARIABLE],
    )
    depth_min: Annotated[
        DepthMin,
        Field(
            description="Shallowest depth (m). The sonic layer and the channel axis are looked "
            "for within the levels drawn."
        ),
    ] = None
    depth_max: Annotated[DepthMax, Field(examples=[4000])] = None

    @field_validator("variable")
    @classmethod
    def _sound_speed_only(cls, name: str | None) -> str | None:
        if name not in (None, VARIABLE):
            raise ValueError(f"a sound-speed plot draws {VARIABLE} only; leave variable out")
        return name


@dataclass(frozen=True)
class SoundChannel:
    """Where a sound-speed profile has its sonic layer and its channel axis (m), if at all."""

    sonic_layer_depth: float | None
    """The depth of the near-surface maximum: sound speed rises from the shallowest level
    down to it (the surface duct) and falls below it. None when it falls from the shallowest
    level, or rises all the way down."""
    channel_axis: float | None
    """The depth of the minimum below the sonic layer (below the shallowest level when there
    is none), when sound speed rises again below it within the column. None when the
    minimum is the deepest (or the shallowest) level: the channel is not within the column."""


def sound_channel(depths: npt.ArrayLike, speed: npt.ArrayLike) -> SoundChannel:
    """The sonic layer depth and the sound channel axis of one profile, at its levels.

    Only the levels with a value count (land below the sea floor is NaN). Both are levels of
    the profile, not interpolated between them: on a coarse column they are as coarse."""
    z = np.asarray(depths, dtype=np.float64)
    c = np.asarray(speed, dtype=np.float64)
    valid = np.isfinite(z) & np.isfinite(c)
    z, c = z[valid], c[valid]
    order = np.argsort(z)
    z, c = z[order], c[order]
    if z.size < 3:
        return SoundChannel(None, None)
    top = 0
    while top + 1 < z.size and c[top + 1] > c[top]:
        top += 1
    sonic = float(z[top]) if 0 < top < z.size - 1 else None
    start = top if sonic is not None else 0
    low = start + int(np.argmin(c[start:]))
    axis = float(z[low]) if 0 < low < z.size - 1 else None
    return SoundChannel(sonic, axis)


def _mark(ax: Axes, x: float, depth: float, style: dict[str, str], colour: Any) -> None:
    """A marker on the profile at ``depth`` with its depth written beside it."""
    ax.plot(
        [x],
        [depth],
        linestyle="none",
        marker=style["marker"],
        ms=7,
        color=colour,
        mec="black",
        mew=0.8,
        zorder=4,
    )
    ax.annotate(
        f"{depth:,.0f} m",
        (x, depth),
        xytext=(7, 0),
        textcoords="offset points",
        va="center",
        fontsize="x-small",
        color="0.15",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        zorder=5,
    )


def render(ctx: RenderContext, p: SoundSpeedParams) -> Figure:
    """Draw the profiles and their marks (runs in a worker)."""
    opened = ctx.opened
    info = opened.variables[VARIABLE]
    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    used: dict[str, Any] = {}
    axis_label = ""
    drawn: list[Any] = []
    depths: list[float] = []
    wet: list[float] = []
    wheres: list[str] = []
    found: dict[str, int] = {"sonic": 0, "axis": 0}
    for lon, lat in zip(p.lon, p.lat, strict=True):
        result = query.profile(
            opened,
            [VARIABLE],
            lon,
            lat,
            p.time,
            p.depth_min,
            p.depth_max,
            max_values=ctx.max_values,
        )
        result = convert_units(result, plot_units(p, info))
        field = result.data[VARIABLE]
        z = np.atleast_1d(result.data["depth"].values).astype(np.float64)
        c = np.atleast_1d(field.values).astype(np.float64)
        where = f"{LAT_FORMAT(lat, None)} {LON_FORMAT(lon, None)}"
        (line,) = ax.plot(c, z, marker="o", ms=3.5, lw=1.2, label=where, zorder=3)
        channel = sound_channel(z, c)
        for at, style, key in (
            (channel.sonic_layer_depth, SONIC_LAYER, "sonic"),
            (channel.channel_axis, CHANNEL_AXIS, "axis"),
        ):
            if at is not None:
                _mark(ax, float(c[z == at][0]), at, style, line.get_color())
                found[key] += 1
        drawn.append(c)
        depths.extend(z.tolist())
        wet.extend(z[np.isfinite(c)].tolist())
        wheres.append(where)
        used = used_in(result)
        axis_label = label(info, field, VARIABLE)
    if isinstance(p.scale, tuple):
        ax.set_xlim(*p.scale)
    if no_data_note(ax, drawn, ", ".join(wheres)) and len(depths) >= 2:
        ax.set_ylim(max(depths), min(depths))  # the depths asked, downwards
    elif wet:  # from the surface (or the depth asked) to the deepest level with data
        top = min(wet) if p.depth_min else 0.0
        pad = 0.04 * max(max(wet) - top, 1.0)
        ax.set_ylim(max(wet) + pad, top - pad if p.depth_min else top)
        ax.margins(x=0.12)  # room for the depth written beside a mark
    ax.set_xlabel(axis_label)
    ax.set_ylabel("Depth (m)")
    ax.grid(True, linewidth=0.4, alpha=0.5)
    handles, _ = ax.get_legend_handles_labels()
    for style, key in ((SONIC_LAYER, "sonic"), (CHANNEL_AXIS, "axis")):
        if found[key]:
            handles.append(_key(style))
    ax.legend(handles=handles, fontsize="small", title="Point", title_fontsize="small")
    annotate(
        fig,
        p.title or "Sound speed",
        opened.entry.title,
        subtitle(used, info, _none_found(found, len(p.lon))),
        opened.entry.attribution,
    )
    return fig


def _key(style: dict[str, str]) -> Line2D:
    """The legend entry of a kind of mark."""
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=style["marker"],
        mfc="white",
        mec="black",
        label=style["label"],
    )


def _none_found(found: dict[str, int], points: int) -> str | None:
    """What the marks leave unsaid: the marks no profile has."""
    where = "at this point" if points == 1 else "at any point"
    missing = [
        words
        for key, words in (("sonic", "no sonic layer"), ("axis", "no sound channel axis"))
        if not found[key]
    ]
    return f"{' and '.join(missing)} {where}" if missing else None


PLOT_TYPE = PlotType(
    name="soundspeed",
    summary="Sound-speed profiles with the sonic layer and the sound channel axis",
    description="The TEOS-10 speed of sound (`sound_speed`, derived from the dataset's "
    "temperature and salinity) against depth at one or more points (repeat `lon` and `lat`), "
    "one line each, its levels marked. Where a profile has them, a triangle marks the sonic "
    "layer depth (the near-surface maximum of sound speed: it rises from the shallowest level "
    "down to it and falls below) and a diamond the sound channel axis (the minimum below it, "
    "with sound speed rising again deeper in the column), each labelled with its depth. Both "
    "are levels of the data, not interpolated. `scale` sets the sound-speed axis range.",
    params=SoundSpeedParams,
    render=render,
    needs=("vertical",),
    location="points",
    check=check,
    draws=(VARIABLE,),
)
