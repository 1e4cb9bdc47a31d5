"""A T-S diagram drawn: σ0 isopycnals over the SA-CT range drawn, the depth colours of its
dots, and the columns on them (``plotting.types.ts`` finds the columns: of a gridded dataset
or observed profiles)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gsw
import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.collections import LineCollection
from matplotlib.colors import Colormap, ListedColormap, LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from plotting import colormaps
from plotting.common import no_data_note
from plotting.figure import annotate, new_figure
from plotting.layout import colour_bar
from plotting.params import PlotParams
from schemas.params import ScaleSpec

TS = "T–S"  # noqa: RUF001 - the diagram's name, with its en dash
FEW_COLUMNS = 50
"""Up to this many columns of a box, their lines are drawn darker."""
DEPTH_COLOURS = "deep"
ISOPYCNAL_COLOUR = "0.55"
MIN_SPAN = (0.2, 1.0)
"""The narrowest SA (g kg⁻¹) and CT (°C) ranges drawn."""


def default_colours() -> Colormap:
    """The depth colours: cmocean's deep from pale to dark, its near-white end left out."""
    deep = colormaps.get(DEPTH_COLOURS)
    return ListedColormap(deep(np.linspace(1 / 6, 1.0, 256)), name=f"{DEPTH_COLOURS}-cropped")


def depth_norm(scale: ScaleSpec | None, depths: npt.NDArray[np.float64]) -> Normalize:
    """The depth colours: the range asked (``scale``) or the depths drawn; logarithmic above
    0 m, so that the upper ocean's levels are told apart."""
    low, high = scale if isinstance(scale, tuple) else (depths.min(), depths.max())
    if low == high:
        low, high = low * 0.9, high * 1.1 + 1.0
    if low > 0:
        return LogNorm(low, high)
    return Normalize(low, high)


LEVEL_TICKS = 8
"""Up to this many levels drawn, the depth colour bar is ticked at each level."""


def depth_ticks(axis: Axis, norm: Normalize, levels: npt.NDArray[np.float64]) -> None:
    """The colour bar's ticks: at the levels drawn when they are few, else at round depths;
    in metres as plain numbers (not powers of ten), without minor labels."""
    low, high = float(norm.vmin or 0.0), float(norm.vmax or 1.0)
    shown = levels[(levels >= low) & (levels <= high)]
    if 0 < shown.size <= LEVEL_TICKS:
        axis.set_major_locator(FixedLocator(shown.tolist()))
    axis.set_major_formatter(FuncFormatter(lambda z, _: f"{z:,.0f}"))
    axis.set_minor_formatter(NullFormatter())


def isopycnals(ax: Axes) -> None:
    """σ0 contours over the axes' SA-CT range, labelled in kg m⁻³ (gsw.sigma0 on a grid)."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    sa, ct = np.meshgrid(np.linspace(max(x0, 0.0), x1, 160), np.linspace(y0, y1, 160))
    sigma = np.asarray(gsw.sigma0(sa, ct), dtype=np.float64)
    finite = sigma[np.isfinite(sigma)]
    if finite.size == 0:
        return
    levels = np.asarray(
        MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]).tick_values(finite.min(), finite.max())
    )
    lines = ax.contour(
        sa, ct, sigma, levels=levels, colors=ISOPYCNAL_COLOUR, linewidths=0.7, zorder=1
    )
    decimals = next(d for d in range(4) if np.allclose(np.round(levels, d), levels) or d == 3)
    ax.clabel(lines, fmt=f"%.{decimals}f", fontsize="x-small", inline=True, inline_spacing=2)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)


def at_least(ax: Axes, spans: tuple[float, float] = MIN_SPAN) -> None:
    """Widen an axis whose range is under its span (a single dot, a well-mixed column) about
    its middle, so that the isopycnals around the data are a few, not a blur or none."""
    for get, put, span in (
        (ax.get_xlim, ax.set_xlim, spans[0]),
        (ax.get_ylim, ax.set_ylim, spans[1]),
    ):
        low, high = get()
        if high - low < span:
            middle = (low + high) / 2
            put(middle - span / 2, middle + span / 2)


@dataclass
class Columns:
    """The water columns drawn: SA and CT (column, level), the levels' depths, and where."""

    sa: npt.NDArray[np.float64]
    ct: npt.NDArray[np.float64]
    depth: npt.NDArray[np.float64]
    """The levels' depths (level), or each column's (column, level: observed profiles)."""
    names: list[str]
    """One per column at points; none for a box."""
    used: dict[str, Any]
    where: str


def draw(
    columns: Columns,
    p: PlotParams,
    labels: tuple[str, str],
    dataset: str,
    what: str,
    credit: str,
) -> Figure:
    """The diagram of the columns (SA, CT and depth by column and level): dots coloured by
    depth, on σ0 isopycnals; named columns as lines in the legend, else faint lines."""
    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    depths = columns.depth[np.isfinite(columns.depth)]
    norm = depth_norm(p.scale, depths)
    cmap = colormaps.get(p.colormap) if p.colormap else default_colours()
    depth = np.broadcast_to(columns.depth, columns.sa.shape)
    box = not columns.names
    handles: list[Any] = []
    if columns.names:  # points: a line each, named in the legend
        for sa, ct, name in zip(columns.sa, columns.ct, columns.names, strict=True):
            (line,) = ax.plot(sa, ct, lw=1.1, label=name, zorder=2)
            handles.append(line)
        size = 30.0
    else:  # a box: the columns as faint lines
        segments = [
            np.column_stack([sa, ct]) for sa, ct in zip(columns.sa, columns.ct, strict=True)
        ]
        faint = 0.35 if len(segments) > FEW_COLUMNS else 0.7  # a few: each one followed
        ax.add_collection(LineCollection(segments, colors="0.5", linewidths=0.5, alpha=faint))
        size = 10.0 if columns.sa.size < 4000 else 5.0
    points = ax.scatter(  # level by level, so that the deeper dots are drawn over
        columns.sa.T.ravel(),
        columns.ct.T.ravel(),
        c=depth.T.ravel(),
        cmap=cmap,
        norm=norm,
        s=size,
        edgecolors="0.2",
        linewidths=0.0 if box else 0.4,
        zorder=3,
    )
    if no_data_note(ax, [columns.sa, columns.ct], columns.where):
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        ax.margins(0.06)
        ax.autoscale_view()
        at_least(ax)
        isopycnals(ax)
        handles.append(
            Line2D([], [], color=ISOPYCNAL_COLOUR, lw=0.7, label="σ₀ isopycnals (kg m⁻³)")
        )
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.grid(True, linewidth=0.4, alpha=0.4)
    if handles:
        ax.legend(handles=handles, fontsize="small", loc="best", framealpha=0.85)
    bar = colour_bar(fig, points, "Depth (m)")
    bar.ax.invert_yaxis()  # shallow at the top, as in the sea
    if columns.depth.ndim > 1:  # observed profiles: many levels, ticked at round depths
        round_depth_ticks(bar.ax.yaxis, norm)
    else:
        depth_ticks(bar.ax.yaxis, norm, depths)
    annotate(fig, p.title or f"{TS} diagram", dataset, what, credit)
    return fig


def round_depth_ticks(axis: Axis, norm: Normalize) -> None:
    """A logarithmic depth bar ticked at 1, 2 and 5 times powers of ten (m) within its
    range, so that a profile's hundreds of levels get more than a tick a decade."""
    if isinstance(norm, LogNorm):
        low, high = float(norm.vmin or 1.0), float(norm.vmax or 1.0)
        ticks = [m * 10.0**e for e in range(-1, 5) for m in (1, 2, 5)]
        axis.set_major_locator(FixedLocator([t for t in ticks if low <= t <= high]))
    axis.set_major_formatter(FuncFormatter(lambda z, _: f"{z:,.0f}"))
    axis.set_minor_formatter(NullFormatter())


def depth_words(columns: Columns) -> str:
    """'6 levels, 6 to 3,840 m': the levels with data in some column (observed profiles:
    '568 levels, 5 to 1,980 m', the levels with data of all of them)."""
    if columns.depth.ndim > 1:
        measured = np.isfinite(columns.sa) & np.isfinite(columns.ct)
        found = columns.depth[measured & np.isfinite(columns.depth)]
        if found.size == 0:
            return "no level with good values"
        return f"{found.size:,} levels, {found.min():,.0f} to {found.max():,.0f} m"
    wet = np.isfinite(columns.sa).any(axis=0) & np.isfinite(columns.ct).any(axis=0)
    levels = columns.depth[wet] if wet.any() else columns.depth
    if levels.size == 1:
        return f"1 level, {levels[0]:,.0f} m"
    return f"{levels.size} levels, {levels.min():,.0f} to {levels.max():,.0f} m"
