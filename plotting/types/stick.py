"""stick: a vector pair's time series at one or more points, as sticks from a time axis.

Each stick starts on its row's baseline at its time and points where the vector points, north
up; its length is the speed in the units of the y axis (matplotlib ``quiver`` with
``angles='uv'`` and ``scale_units='y'``), whatever the figure's shape. One row per point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.quiver import Quiver
from matplotlib.ticker import MaxNLocator
from pydantic import Field

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.query.convert import convert_units
from catalog.variables import VariableInfo
from plotting.common import (
    LAT_FORMAT,
    LON_FORMAT,
    RenderContext,
    choose_variable,
    date_axis,
    finish,
    no_data_note,
    plot_units,
    subtitle,
    time_span,
    used_in,
)
from plotting.figure import new_figure
from plotting.labels import display_units, with_units
from plotting.layout import points
from plotting.params import Depth, End, PlotParams, Start
from plotting.plot_type import PlotType
from schemas import patterns

NEEDS = ("pair", "time")
MAX_POINTS = 4
KEY_BAND = 24.0
"""The band above the sticks kept for the speed key and the note of missing times, points."""
EDGE_SHARE = 0.02
"""Room between the outermost sticks (or marks) and the axes' sides, a share of the span."""
MAX_REACH = 0.25
"""The most of the axes' width one stick may take across (see ``_fit_times``)."""
KEY_INSET = 8.0
"""Between the axes' left side and the key's stick, in points."""
STICK_POINTS = 1.1
"""A stick's width, in points."""
STICKS: dict[str, Any] = {
    "angles": "uv",  # the direction on the page is the vector's, whatever the axes' shape
    "scale_units": "y",  # the length is the speed on the y axis's scale
    "scale": 1.0,
    "units": "dots",  # the width (in pixels)
    "headwidth": 0.0,
    "headlength": 0.0,
    "headaxislength": 0.0,
    "pivot": "tail",
    "color": "#16365c",
    "zorder": 3,
}
MISSING_MARK: dict[str, Any] = {
    "ls": "none",
    "marker": "x",
    "ms": 5,
    "mew": 1.0,
    "color": "#b2182b",
    "zorder": 4,
}
"""The mark on the baseline at a time without data."""


@dataclass(frozen=True)
class Row:
    """One point's series: where, and the east and north components over time."""

    where: str
    east: xr.DataArray
    north: xr.DataArray

    @property
    def drawn(self) -> npt.NDArray[np.bool_]:
        """The times with both components."""
        return np.asarray(np.isfinite(self.east.values) & np.isfinite(self.north.values))

    @property
    def speed(self) -> npt.NDArray[np.float64]:
        """The speed at each time (NaN without data)."""
        return np.asarray(np.hypot(self.east.values, self.north.values), dtype=np.float64)

    @property
    def largest(self) -> float:
        """The largest speed, 0 without data."""
        return float(np.nanmax(self.speed)) if self.drawn.any() else 0.0


class StickParams(PlotParams):
    """Parameters of a stick plot."""

    variable: str | None = Field(
        default=None,
        description="Vector pair id (GET /api/v1/datasets/{id}/variables lists them). "
        "Default: the dataset's first pair with a time axis.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["surface-current"],
    )
    lon: list[Annotated[float, Field(ge=-360, le=360, allow_inf_nan=False)]] = Field(
        description=f"Longitude of each point, degrees east (repeat for up to {MAX_POINTS} "
        "points, one row of sticks each, in the same order as lat).",
        max_length=MAX_POINTS,
        examples=[[-124.8]],
    )
    lat: list[Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]] = Field(
        description="Latitude of each point, degrees north (repeat, as lon).",
        max_length=MAX_POINTS,
        examples=[[44.6]],
    )
    start: Start = None
    end: End = None
    depth: Depth = None


def check(opened: OpenDataset, p: StickParams) -> None:
    """As many latitudes as longitudes, and not too many points."""
    if len(p.lon) != len(p.lat):
        raise InvalidParameters.single(
            "lat", f"give one lat per lon ({len(p.lon)} lon, {len(p.lat)} lat)"
        )
    if len(p.lon) > MAX_POINTS:
        raise InvalidParameters.single("lon", f"at most {MAX_POINTS} points")


def key_speed(largest: float) -> float:
    """The speed of the key: the largest of 1, 2 or 5 times a power of ten not above the
    largest speed drawn (1 when nothing was drawn)."""
    if not math.isfinite(largest) or largest <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(largest))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= largest * (1 + 1e-9))


def render(ctx: RenderContext, p: StickParams) -> Figure:
    """Draw the sticks (runs in a worker)."""
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, NEEDS, "stick")
    assert info.vector is not None  # a pair's first component
    rows: list[Row] = []
    used: dict[str, Any] = {}
    for lon, lat in zip(p.lon, p.lat, strict=True):
        result = query.timeseries(
            opened, [name], lon, lat, p.start, p.end, p.depth, max_values=ctx.max_values
        )
        result = convert_units(result, plot_units(p, info))
        where = f"{LAT_FORMAT(lat, None)} {LON_FORMAT(lon, None)}"
        rows.append(Row(where, result.data[f"{name}_east"], result.data[f"{name}_north"]))
        used = used_in(result)
    times = rows[0].east["time"].values
    x = np.asarray(date2num(times), dtype=np.float64)  # type: ignore[no-untyped-call]
    units = str(rows[0].east.attrs.get("units") or "")

    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    largest = max((r.largest for r in rows), default=0.0)
    reach = largest * 1.08 if largest > 0 else 1.0  # each row's half height, in speed units
    sticks, gaps = None, 0
    for i, row in enumerate(rows):
        base = -2.0 * reach * i
        ax.axhline(base, color="0.6", lw=0.6, zorder=1)
        ok = row.drawn
        if ok.any():
            sticks = ax.quiver(
                x[ok],
                np.full(ok.sum(), base),
                row.east.values[ok],
                row.north.values[ok],
                **STICKS,
                width=points(STICK_POINTS, fig.dpi),
            )
        if (~ok).any():
            ax.plot(x[~ok], np.full((~ok).sum(), base), **MISSING_MARK)
            gaps += int((~ok).sum())
    ax.set_ylim(-2.0 * reach * (len(rows) - 1) - reach, reach)  # the key's band: _band
    if len(rows) == 1:
        ax.set_ylabel(with_units("Northward", units))
        ax.set_yticks(_speed_ticks(reach))
    else:
        labels = [r.where.replace(" ", "\n") for r in rows]  # narrow: latitude over longitude
        ax.set_yticks([-2.0 * reach * i for i in range(len(rows))], labels)
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    date_axis(ax.xaxis, info, times)
    wheres = ", ".join(r.where for r in rows)
    empty = no_data_note(ax, [r.speed for r in rows], wheres)
    if empty and len(rows) == 1:
        ax.set_yticks([0.0])  # no speeds to scale
    if gaps and not empty:
        mark = Line2D([], [], **MISSING_MARK, label=f"no data ({gaps} of {times.size * len(rows)})")
        ax.legend(
            handles=[mark], loc="upper right", fontsize="small", frameon=False, borderaxespad=0.2
        )
    extra = _span(info, times)
    if len(rows) == 1:
        extra = f"{wheres} · {extra}"
    titled = p.model_copy(update={"title": p.title or info.vector.title})
    finish(fig, titled, info, name, opened, subtitle(used, info, extra))
    east = np.concatenate([r.east.values for r in rows])
    _band(ax)
    _fit_times(ax, x, east, _step(info))
    if sticks is not None:
        _key(ax, sticks, key_speed(largest), units)
    return fig


def _band_share(ax: Axes) -> float:
    """The key's band as a share of the axes' height (at most a third)."""
    return min(points(KEY_BAND, ax.figure.dpi) / ax.get_window_extent().height, 1 / 3)


def _band(ax: Axes) -> None:
    """Room above the sticks for the key: KEY_BAND points (after the layout)."""
    y0, y1 = ax.get_ylim()
    share = _band_share(ax)
    ax.set_ylim(y0, y0 + (y1 - y0) / (1 - share))


def _key(ax: Axes, sticks: Quiver, speed: float, units: str) -> None:
    """The speed key at the top left, in the band above the sticks (after the layout: its
    stick's length on the page follows the axes' height)."""
    box = ax.get_window_extent()
    y0, y1 = ax.get_ylim()
    length = speed / (y1 - y0) * box.height
    tip = (points(KEY_INSET, ax.figure.dpi) + length) / box.width  # 'E': the tip at X
    label = f"{speed:g} {display_units(units)}".strip()
    ax.quiverkey(
        sticks,
        tip,
        1 - _band_share(ax) / 2,
        speed,
        label,
        labelpos="E",
        coordinates="axes",
        fontproperties={"size": "small"},
    )


def _span(info: VariableInfo, times: npt.NDArray[np.datetime64]) -> str:
    """'2024-10-17 01:00 to 04:00 UTC': ``time_span`` without the repeated day."""
    span = time_span(info, times)
    first, _, last = span.partition(" to ")
    if first == last:
        return first
    day, _, clock = first.partition(" ")
    if clock and last.startswith(f"{day} ") and first.endswith(" UTC"):
        return f"{day} {clock.removesuffix(' UTC')} to {last.removeprefix(f'{day} ')}"
    return span


def _step(info: VariableInfo) -> float:
    """The time axis's usual step, in days (an hour when it has a single step)."""
    assert info.time is not None
    steps = np.diff(np.asarray(date2num(np.asarray(info.time.values)), dtype=np.float64))  # type: ignore[no-untyped-call]
    return float(np.median(steps)) if steps.size else 1 / 24


def _speed_ticks(reach: float) -> list[float]:
    """Ticks of a single row's speed axis, within the sticks' reach (none in the key's band)."""
    ticks = MaxNLocator(5, symmetric=True).tick_values(-reach, reach)
    return [float(t) for t in ticks if abs(t) <= reach * (1 + 1e-9)]


def _fit_times(ax: Axes, x: npt.NDArray[np.float64], east: npt.NDArray[Any], step: float) -> None:
    """Time limits that hold every stick (after the layout: a stick's width on the page follows
    the axes' shape in pixels). Where the longest would take more than MAX_REACH of the axes'
    width (a tall canvas, or a fast current), the speed axis is widened about its middle
    instead, so the sticks keep their true length on its scale and the times keep the room."""
    box = ax.get_window_extent()
    y0, y1 = ax.get_ylim()
    east = np.where(np.isfinite(east), east, 0.0).reshape(-1, x.size)  # one row per point
    per_unit = box.height / (y1 - y0) / box.width  # axes widths per speed unit across
    reach = float(np.abs(east).max(initial=0.0)) * per_unit
    if reach > MAX_REACH:
        middle, half = (y0 + y1) / 2, (y1 - y0) / 2 * reach / MAX_REACH
        ax.set_ylim(middle - half, middle + half)
        per_unit *= MAX_REACH / reach
    first, last = float(x.min()), float(x.max())
    if last <= first:  # one time: a step wide, the stick from its middle
        ax.set_xlim(first - step / 2, first + step / 2)
        return
    # Each side's room: what the sticks near it need beyond the first and last times, as a
    # share of the whole span; a few rounds settle it (each share is below MAX_REACH).
    west = np.minimum(east, 0.0).min(axis=0) * per_unit  # the furthest left reach at each time
    eastward = np.maximum(east, 0.0).max(axis=0) * per_unit
    left = right = 0.0
    for _ in range(8):
        total = (last - first) / max(1.0 - left - right, 0.05)
        left = max(float(np.max(-west - (x - first) / total)), 0.0) + EDGE_SHARE
        right = max(float(np.max(eastward - (last - x) / total)), 0.0) + EDGE_SHARE
    total = (last - first) / max(1.0 - left - right, 0.05)
    ax.set_xlim(first - left * total, last + right * total)


PLOT_TYPE = PlotType(
    name="stick",
    summary="Stick plot of a vector pair at one or more points",
    description="A vector pair (a current) over a time range at one or more points (repeat "
    "`lon` and `lat`: one row each) as sticks from the time axis: each points where the "
    "vector points, north up, and is as long as the speed on the y axis's scale, with a key. "
    "A time without data is marked on the baseline.",
    params=StickParams,
    render=render,
    needs=NEEDS,
    location="points",
    check=check,
)
