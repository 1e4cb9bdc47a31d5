"""The axes of a T-S diagram: σ0 isopycnals over the SA-CT range drawn, and the depth colours
of its dots (``plotting.types.ts`` draws the data on them)."""

from __future__ import annotations

import gsw
import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.colors import Colormap, ListedColormap, LogNorm, Normalize
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter

from plotting import colormaps
from schemas.params import ScaleSpec

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
