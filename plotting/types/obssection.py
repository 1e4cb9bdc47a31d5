"""obssection: a platform's time-pressure section: each profile a column of cells at its
time, pressure (or depth) down, coloured by temperature or salinity; nothing drawn between
profiles farther apart than the float's usual cycle."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from matplotlib.collections import PolyCollection
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from pydantic import Field, field_validator

from catalog.observations import argo
from catalog.observations.collection import ObservationCollection
from plotting import colormaps
from plotting.common import date_axis, fitted_range, no_data_note
from plotting.figure import new_figure
from plotting.layout import colour_bar
from plotting.observed import (
    CROSS,
    MEASURED,
    VERTICAL_LABELS,
    MeasuredParam,
    ObsEnd,
    ObservationContext,
    ObsStart,
    QCParam,
    VerticalParam,
    choose,
    finish,
    naive_times,
    read,
    span,
)
from plotting.params import PlotParams
from plotting.plot_type import ObservationDrawing, PlotType
from plotting.types.obsprofile import FLAG_COLOUR, good_levels
from schemas import params, patterns

MAX_PROFILES = 300
"""At most this many profiles in one section (a 400 naming ``end`` beyond)."""
WIDEST = 1.5
"""A column is at most this many of the platform's median cycles wide: a longer gap between
two profiles is left blank (nothing is interpolated across it)."""
NO_DATA = "#f2f2f2"


class ObsSectionParams(PlotParams):
    """Parameters of an observed time-pressure section."""

    variable: MeasuredParam = "temperature"
    units: str | None = Field(
        default=None,
        description="Not taken: temperature is drawn in °C (ITS-90), salinity on the practical "
        "salinity scale (PSS-78), as measured; any value is refused.",
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
    )
    scale: params.ScaleParam | None = Field(
        default=None,
        description="Colour range 'min,max'; default, and 'auto': the 2nd to 98th percentile "
        "of the values drawn.",
        examples=["auto"],
    )
    platform: str = Field(
        description="Platform (float WMO number) whose profiles make the section.",
        pattern=patterns.NAME,
        max_length=64,
        examples=["5900865"],
    )
    start: ObsStart = None
    end: ObsEnd = None
    qc: QCParam = "good"
    vertical: VerticalParam = "pressure"

    @field_validator("units")
    @classmethod
    def _no_units(cls, units: str | None) -> str | None:
        if units is not None:
            raise ValueError("observed values are drawn in their measured units; leave it out")
        return units


def check(collection: ObservationCollection, p: ObsSectionParams) -> None:
    """The platform known, with profiles between start and end, not too many (the index)."""
    choose(collection, [], p.platform, p.start, p.end, MAX_PROFILES)


def columns(times: npt.NDArray[np.float64]) -> tuple[np.ndarray, np.ndarray, float]:
    """Each profile's column, (left, right) in days: halfway to its neighbours, but at most
    ``WIDEST`` / 2 median cycles each side; and the median cycle (days)."""
    steps = np.diff(times)
    cycle = float(np.median(steps)) if steps.size else 1.0
    cycle = cycle if cycle > 0 else 1.0
    half = WIDEST * cycle / 2
    before = np.minimum(np.concatenate([[half], steps / 2]), half)
    after = np.minimum(np.concatenate([steps / 2, [half]]), half)
    return times - before, times + after, cycle


def level_edges(levels: npt.NDArray[np.float64]) -> tuple[np.ndarray, np.ndarray]:
    """Each level's cell, (top, bottom): halfway to the levels above and below; the first
    and last as deep again as their half gap (the top not above 0)."""
    if levels.size == 1:
        return np.maximum(levels - 1.0, 0.0), levels + 1.0
    middles = (levels[:-1] + levels[1:]) / 2
    top = np.concatenate([[max(levels[0] - (middles[0] - levels[0]), 0.0)], middles])
    bottom = np.concatenate([middles, [levels[-1] + (levels[-1] - middles[-1])]])
    return top, bottom


def cells(
    profiles: list[argo.Profile],
    left: np.ndarray,
    right: np.ndarray,
    variable: str,
    vertical: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The section's cells as quadrilaterals (n, 4, 2) in (days, pressure or depth), their
    values, and whether each is flagged (profile by profile in time order, shallow to deep;
    only cells with a value)."""
    measured = MEASURED[variable]
    quads, values, flagged = [], [], []
    for k, profile in enumerate(profiles):
        y = profile.pressure if vertical == "pressure" else profile.depth
        v = measured.values(profile)
        placed = np.isfinite(y)
        order = np.argsort(y[placed], kind="stable")
        y, v = y[placed][order], v[placed][order]
        bad = ~good_levels(profile, measured.flags(profile))[placed][order]
        if y.size == 0:
            continue
        top, bottom = level_edges(y)
        keep = np.isfinite(v)
        n = int(keep.sum())
        quad = np.empty((n, 4, 2))
        quad[:, [0, 3], 0] = left[k]
        quad[:, [1, 2], 0] = right[k]
        quad[:, [0, 1], 1] = top[keep, None]
        quad[:, [2, 3], 1] = bottom[keep, None]
        quads.append(quad)
        values.append(v[keep])
        flagged.append(bad[keep])
    if not quads:
        return np.empty((0, 4, 2)), np.empty(0), np.empty(0, dtype=bool)
    return np.concatenate(quads), np.concatenate(values), np.concatenate(flagged)


def render(ctx: ObservationContext, p: ObsSectionParams) -> Figure:
    """Draw the section (runs in a worker)."""
    collection = ctx.collection
    rows = choose(collection, [], p.platform, p.start, p.end, MAX_PROFILES)
    rows = rows.loc[rows["time"].notna()]
    profiles = read(collection, rows, p.qc)
    measured = MEASURED[p.variable]
    times = np.asarray(date2num(naive_times(rows)), dtype=np.float64)  # type: ignore[no-untyped-call]
    left, right, cycle = columns(times)
    quads, values, flagged = cells(profiles, left, right, p.variable, p.vertical)
    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    ax.set_facecolor(NO_DATA)
    low, high = p.scale if isinstance(p.scale, tuple) else fitted_range([values])
    cmap = colormaps.get(p.colormap or measured.colormap)
    mesh = PolyCollection(
        list(quads),
        array=values,
        cmap=cmap,
        clim=(low, high),
        edgecolors="face",
        linewidths=0.2,
        label="cells",
    )
    ax.add_collection(mesh)
    marked = flagged & (p.qc == "all")
    if marked.any():
        centres = quads[marked].mean(axis=1)
        ax.scatter(
            centres[:, 0],
            centres[:, 1],
            marker="x",
            color=FLAG_COLOUR,
            s=14,
            lw=1.0,
            zorder=4,
            label="flagged",
        )
        ax.legend(
            handles=[
                Line2D(
                    [],
                    [],
                    ls="none",
                    marker="x",
                    color=FLAG_COLOUR,
                    label="flagged, drawn (qc=all)",
                )
            ],
            fontsize="small",
            loc="lower right",
            framealpha=0.85,
        )
    if not no_data_note(ax, [values], f"platform {p.platform}"):
        ax.set_xlim(float(left.min()), float(right.max()))
        ax.set_ylim(float(quads[:, :, 1].max()), 0.0)
    date_axis(ax.xaxis)
    ax.set_ylabel(VERTICAL_LABELS[p.vertical])
    colour_bar(fig, mesh, measured.label)
    what = (
        f"platform {p.platform} · {len(profiles)} profiles, {span(rows)} · gaps over "
        f"{WIDEST * cycle:.3g} days ({WIDEST:g} cycles) left blank"
    )
    title = p.title or f"{measured.title} section along the float's track"
    return finish(fig, title, collection, what)


PLOT_TYPE = PlotType(
    name="obssection",
    summary="Time-pressure section of a platform's profiles",
    description="A platform's profiles (between `start` and `end`, at most "
    f"{MAX_PROFILES}) side by side in time, pressure (or depth, `vertical`) down, coloured "
    "by temperature or salinity (`variable`). Each profile is a column of cells at its "
    "time, each level's cell reaching halfway to the levels above and below, each column "
    "halfway to the profiles before and after it but at most "
    f"{WIDEST:g} times the platform's median cycle wide: a longer gap (a missed cycle, a "
    "float that stopped) stays blank, never interpolated across. `qc=good` (the default) "
    f"draws the good values only; `qc=all` draws every value and marks the flagged ones {CROSS}.",
    params=ObsSectionParams,
    render=None,
    location="observations",
    observed=ObservationDrawing(render=render, check=check),
)
