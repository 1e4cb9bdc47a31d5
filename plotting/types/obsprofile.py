"""obsprofile: one or more observed profiles of temperature or salinity against pressure (or
depth), with the values flagged bad marked when they are asked for (``qc=all``)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from pydantic import Field, field_validator

from catalog.observations import argo
from catalog.observations.collection import ObservationCollection
from plotting import colormaps
from plotting.common import LAT_FORMAT, LON_FORMAT, no_data_note
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
    Platform,
    ProfileIds,
    QCParam,
    VerticalParam,
    choose,
    date_ticks,
    finish,
    naive_times,
    profile_name,
    read,
    span,
)
from plotting.params import PlotParams
from plotting.plot_type import ObservationDrawing, PlotType
from schemas import patterns

MAX_PROFILES = 100
"""At most this many profiles in one plot (a 400 beyond, naming the parameter)."""
FEW = 8
"""Up to this many profiles, each has its own colour and legend entry; more are coloured by
their time, with a colour bar of dates."""
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf")
"""Matplotlib's tab10 without its red (the flags' colour) and olive."""
FLAG_COLOUR = "#d62728"
GOOD = list(argo.GOOD_FLAGS)


class ObsProfileParams(PlotParams):
    """Parameters of an observed-profile plot."""

    variable: MeasuredParam = "temperature"
    units: str | None = Field(
        default=None,
        description="Not taken: temperature is drawn in °C (ITS-90), salinity on the practical "
        "salinity scale (PSS-78), as measured; any value is refused.",
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
    )
    colormap: str | None = Field(
        default=None,
        description=f"With more than {FEW} profiles, the colour map of their times (GET "
        f"/api/v1/colormaps); default viridis. Up to {FEW}, each has its own colour.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["viridis"],
    )
    profile_id: ProfileIds
    platform: Platform = None
    start: ObsStart = None
    end: ObsEnd = None
    qc: QCParam = "good"
    vertical: VerticalParam = "pressure"

    @field_validator("units")
    @classmethod
    def _no_units(cls, units: str | None) -> str | None:
        if units is not None:
            raise ValueError("observed profiles are drawn in their measured units; leave it out")
        return units


def check(collection: ObservationCollection, p: ObsProfileParams) -> None:
    """The profiles exist and are not too many (the index only)."""
    choose(collection, p.profile_id, p.platform, p.start, p.end, MAX_PROFILES)


def good_levels(profile: argo.Profile, flags: np.ndarray) -> np.ndarray:
    """Where a value is good: its flag and its level's pressure flag in ``argo.GOOD_FLAGS``
    (the rule ``qc=good`` applies)."""
    good: np.ndarray = np.isin(flags, GOOD) & np.isin(profile.pressure_qc, GOOD)
    return good


def render(ctx: ObservationContext, p: ObsProfileParams) -> Figure:
    """Draw the profiles (runs in a worker)."""
    collection = ctx.collection
    rows = choose(collection, p.profile_id, p.platform, p.start, p.end, MAX_PROFILES)
    profiles = read(collection, rows, p.qc)
    measured = MEASURED[p.variable]
    fig = new_figure(p.width, p.height, p.dpi)
    ax = fig.add_subplot()
    few = len(profiles) <= FEW
    times = date2num(naive_times(rows))  # type: ignore[no-untyped-call]
    cmap = colormaps.get(p.colormap or "viridis")
    norm = Normalize(times.min(), max(times.max(), times.min() + 1.0))
    handles: list[Any] = []
    flagged_count, unvalued, flags_seen = 0, 0, set()
    for k, profile in enumerate(profiles):
        values = measured.values(profile)
        flags = measured.flags(profile)
        vertical = profile.pressure if p.vertical == "pressure" else profile.depth
        good = good_levels(profile, flags)
        colour = PALETTE[k % len(PALETTE)] if few else cmap(norm(times[k]))
        (line,) = ax.plot(
            np.where(good, values, np.nan),
            vertical,
            color=colour,
            lw=1.2 if few else 0.8,
            marker="." if few else None,
            ms=3,
            label=profile_name(profile),
            zorder=3,
        )
        handles.append(line)
        bad = np.isfinite(values) & np.isfinite(vertical) & ~good
        unvalued += int((~np.isfinite(values) & np.isfinite(vertical) & ~good).sum())
        if p.qc == "all" and bad.any():
            ax.scatter(
                values[bad],
                vertical[bad],
                marker="x",
                color=FLAG_COLOUR,
                s=40,
                linewidths=1.5,
                zorder=5,
                label="flagged",
            )
            flagged_count += int(bad.sum())
            flags_seen |= set(flags[bad].tolist())
    drawn = [
        np.where(good_levels(pr, measured.flags(pr)), measured.values(pr), np.nan)
        for pr in profiles
    ]
    where = profiles[0].profile_id if len(profiles) == 1 else f"{len(profiles)} profiles"
    if not no_data_note(ax, drawn, where):
        ax.invert_yaxis()
        ax.set_ylim(bottom=ax.get_ylim()[0], top=0.0)
    if isinstance(p.scale, tuple):
        ax.set_xlim(*p.scale)
    ax.set_xlabel(measured.label)
    ax.set_ylabel(VERTICAL_LABELS[p.vertical])
    ax.grid(True, linewidth=0.4, alpha=0.5)
    legend = handles if few else []
    if flagged_count:
        codes = ", ".join(sorted(flags_seen))
        legend.append(
            Line2D(
                [],
                [],
                ls="none",
                marker="x",
                color=FLAG_COLOUR,
                markersize=7,
                markeredgewidth=1.5,
                label=f"flagged (QC {codes}): {_values(flagged_count)}",
            )
        )
    if legend:
        ax.legend(handles=legend, fontsize="small", loc="best", framealpha=0.85)
    if not few:
        bar = colour_bar(fig, ScalarMappable(norm, cmap), "Time of the profile (UTC)")
        date_ticks(bar.ax.yaxis, float(np.ptp(times)))
    title = p.title or f"{measured.title} profile{'s' if len(profiles) > 1 else ''}"
    return finish(fig, title, collection, _what(profiles, rows, p, flagged_count, unvalued))


def _values(n: int) -> str:
    return f"{n} value{'s' if n != 1 else ''}"


def _what(
    profiles: list[argo.Profile], rows: Any, p: ObsProfileParams, flagged: int, unvalued: int
) -> str:
    """'5900865_034 · 2006-07-05 · 11.2°S 113.1°E · qc=all: 2 flagged values marked'."""
    if len(profiles) == 1:
        one = profiles[0]
        parts = [one.profile_id, span(rows)]
        if np.isfinite(one.lat) and np.isfinite(one.lon):
            parts.append(
                f"{LAT_FORMAT(round(one.lat, 2), None)} {LON_FORMAT(round(one.lon, 2), None)}"
            )
    else:
        platforms = sorted(set(rows["platform"]))
        whose = f"platform {platforms[0]}" if len(platforms) == 1 else f"{len(platforms)} platforms"
        parts = [f"{len(profiles)} profiles of {whose}", span(rows)]
    if p.qc == "all":
        if flagged:
            parts.append(f"qc=all: {_values(flagged)} flagged, marked {CROSS}")
        elif unvalued:  # delayed mode sets a bad adjusted value to the fill
            parts.append(
                f"qc=all: {unvalued} flagged level{'s' if unvalued != 1 else ''}, without a value"
            )
        else:
            parts.append("qc=all: no value flagged")
    else:
        parts.append("good values (qc=good)")
    return " · ".join(parts)


PLOT_TYPE = PlotType(
    name="obsprofile",
    summary="Observed profiles of temperature or salinity",
    description="One or more profiles of an observation collection (`profile_id`, repeated; "
    f"or a `platform`'s between `start` and `end`, at most {MAX_PROFILES}) of temperature or "
    "salinity (`variable`) against pressure or depth (`vertical`), the adjusted values where "
    "the profile's data mode is A or D (a delayed-mode operator leaves a bad adjusted value "
    "empty: nothing to mark). `qc=good` (the default) draws the values flagged 1, "
    f"2, 5 or 8 at levels whose pressure is too; `qc=all` marks the others {CROSS} in red, with "
    f"their flags in the legend. Up to {FEW} profiles are named in the legend; more are "
    "coloured by their time.",
    params=ObsProfileParams,
    render=None,
    location="observations",
    observed=ObservationDrawing(render=render, check=check),
)
