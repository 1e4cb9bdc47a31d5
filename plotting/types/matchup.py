"""matchup: model against observed profiles (the matchup engine's pairs), one panel per
variable, depth down, with each variable's bias, RMSE and N."""

from __future__ import annotations

from typing import Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, NullLocator
from pydantic import Field, field_validator

from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.observations import matchup as engine
from catalog.observations.collection import ObservationCollection
from catalog.store import Catalog
from plotting import colormaps, data_worker, panels
from plotting.common import RenderContext
from plotting.errors import PlotTypeNotFound
from plotting.figure import CREDIT_POINTS
from plotting.labels import with_units
from plotting.layout import EDGE, attach_canvas, canvas_size, points
from plotting.params import PlotParams
from plotting.plot_type import PlotType
from schemas import params, patterns

MAX_DRAWN = 20
MINUS = "\N{MINUS SIGN}"
LEGEND_COLUMNS = 6
LEGEND_LINE_POINTS = 11.0
"""A line of the legend in small type, in points."""
NAMES = {"temperature": "temperature", "salinity": "salinity"}


class MatchupParams(PlotParams):
    """Parameters of a matchup plot: the collection, the search and the matching."""

    variable: str | None = Field(
        default=None,
        description="One model variable to draw; default: every sea water temperature and "
        "salinity with depth levels (by CF standard name), one panel each.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["thetao"],
    )
    units: str | None = Field(
        default=None,
        description="Not taken: values are drawn in the matchup's units (°C, and the model's "
        "salinity units); any value is refused.",
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
    )
    scale: params.ScaleParam | None = Field(
        default=None,
        description="Not taken: each panel's value axis fits its values; any value is refused.",
    )
    colormap: str | None = Field(
        default=None,
        description="Colour map the profiles' colours are taken from (GET /api/v1/colormaps); "
        "default: matplotlib's tab10.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["thermal"],
    )
    observations: str = Field(
        description="The observation collection to compare with (GET /api/v1/observations).",
        pattern=patterns.DATASET_ID,
        max_length=64,
        examples=["glorys-matchup"],
    )
    bbox: params.BBoxParam | None = Field(
        default=None,
        description="minlon,minlat,maxlon,maxlat: profiles positioned inside (minlon > maxlon "
        "crosses the antimeridian).",
        examples=["-20,45,10,72"],
    )
    start: params.InstantParam | None = Field(
        default=None, description="Profiles at or after this instant.", examples=["2021-06-01"]
    )
    end: params.InstantParam | None = Field(
        default=None, description="Profiles at or before this instant.", examples=["2021-07-31"]
    )
    platform: str | None = Field(
        default=None,
        description="Profiles of this platform only.",
        pattern=patterns.NAME,
        max_length=64,
        examples=["9990001"],
    )
    tolerance: str = Field(
        default="P1D",
        description="How far a profile's time may be from the model's step (ISO 8601 "
        "duration, at most P366D), as the matchups query takes it.",
        pattern=engine.TOLERANCE_PATTERN,
        max_length=32,
        examples=["P1D"],
    )
    qc: Literal["good", "all"] = Field(
        default="good",
        description="'good': observed values flagged other than 1, 2, 5 or 8 left out; 'all'.",
        examples=["good"],
    )
    max_profiles: int = Field(
        default=10,
        ge=1,
        le=MAX_DRAWN,
        description="Profiles drawn, the first by time (the statistics are over every pair).",
        examples=[10],
    )

    @field_validator("units")
    @classmethod
    def _no_units(cls, units: str | None) -> str | None:
        if units is not None:
            raise ValueError("a matchup is drawn in its own units; leave units out")
        return units

    @field_validator("scale")
    @classmethod
    def _no_scale(cls, scale: Any) -> Any:
        if scale is not None:
            raise ValueError("each panel fits its values; leave scale out")
        return scale

    @field_validator("tolerance")
    @classmethod
    def _tolerance(cls, text: str) -> str:
        engine.parse_tolerance(text)
        return text


def applies(opened: OpenDataset) -> bool:
    """Whether the dataset has a variable a matchup compares (``engine.pairing_of``)."""
    return any(engine.pairing_of(info) is not None for info in opened.variables.values())


def check(opened: OpenDataset, p: MatchupParams) -> None:
    """The variable (if named) can be matched, or the dataset has one (no data read)."""
    if not applies(opened):
        raise PlotTypeNotFound(
            f"Plot type 'matchup' needs a sea water temperature or salinity with depth levels "
            f"(by CF standard name); dataset '{opened.id}' has none."
        )
    if p.variable is None:
        return
    (info,) = opened.resolve([p.variable])  # 404 for an unknown id
    if engine.pairing_of(info) is None:
        valid = ", ".join(q.info.id for q in engine.pairings(opened, None))
        raise InvalidParameters.single(
            "variable",
            f"'{p.variable}' is not a sea water temperature or salinity with depth levels; "
            f"choose from: {valid}",
        )


def worker_catalog() -> tuple[Catalog, int]:
    """The plot worker's catalog (``data_worker.warm``), where the collection is indexed: a
    render context carries gridded datasets only."""
    try:
        return data_worker.opened()
    except KeyError:
        raise RuntimeError("the matchup plot renders in a warmed plot worker") from None


def collection_of(catalog: Catalog, collection_id: str) -> ObservationCollection:
    """The worker catalog's collection (indexed once per process); a 400 naming
    ``observations`` for an unknown id."""
    if collection_id not in catalog.collection_ids:
        raise InvalidParameters.single(
            "observations",
            f"no observation collection '{collection_id}' (valid: "
            f"{', '.join(catalog.collection_ids) or 'none'})",
        )
    return catalog.collection(collection_id)


def statistics_text(stats: engine.Statistics) -> str:
    """'bias −0.5 °C · RMSE 0.5 °C · N 47': four significant digits, as printed."""
    units = with_units("", stats.pairing.units, stats.pairing.info.standard_name).strip()
    shown = units.removeprefix("(").removesuffix(")")
    if stats.bias is None or stats.rmse is None:
        return "no pairs"
    bias = f"{stats.bias:.4g}".replace("-", MINUS)
    return f"bias {bias} {shown} · RMSE {stats.rmse:.4g} {shown} · N {stats.n}"


def render(ctx: RenderContext, p: MatchupParams) -> Figure:
    """Draw the panels (runs in a worker)."""
    catalog, max_values = worker_catalog()
    collection = collection_of(catalog, p.observations)
    found = engine.matchup(
        ctx.opened,
        collection,
        [p.variable] if p.variable else None,
        bbox=p.bbox,
        start=None if p.start is None else pd.Timestamp(p.start),
        end=None if p.end is None else pd.Timestamp(p.end),
        platform=p.platform,
        tolerance=engine.parse_tolerance(p.tolerance),
        qc=p.qc,
        max_values=min(max_values, ctx.max_values),
    )
    pairs = found.pairs
    drawn = list(dict.fromkeys(pairs["profile_id"]))[: p.max_profiles]
    colours = _colours(p.colormap, len(drawn))
    width, height = canvas_size(p.width, p.height, p.dpi, None)
    handles = _handles(drawn, colours)
    columns = LEGEND_COLUMNS if width >= 640 else LEGEND_COLUMNS - 2
    rows = -(-len(handles) // columns)
    fig, axes, key = _figure(width, height, p.dpi, len(found.statistics), rows)
    deepest = float(pairs["depth"].max()) if len(pairs) else 1.0
    for ax, stats in zip(axes, found.statistics, strict=True):
        info = stats.pairing.info
        mine = pairs[pairs["variable"] == info.id]
        for pid, colour in zip(drawn, colours, strict=True):
            one = mine[mine["profile_id"] == pid]
            ax.plot(one["model"], one["depth"], color=colour, lw=1.3, zorder=2)
            ax.scatter(
                one["observed"],
                one["depth"],
                color=colour,
                s=16,
                zorder=3,
                edgecolors="0.15",
                linewidths=0.4,
            )
        ax.set_xlabel(with_units(_quantity(stats), stats.pairing.units, info.standard_name))
        ax.grid(True, linewidth=0.4, alpha=0.5)
        ax.set_yscale("symlog", linthresh=100.0, linscale=1.0)
    axes[0].set_ylim(deepest * 1.15, 0.0)
    _depth_ticks(axes[0], deepest)
    axes[0].set_ylabel("Depth (m)")
    key.legend(
        handles=handles,
        loc="center",
        ncols=min(len(handles), columns),
        fontsize="small",
        title=matched_words(found, len(drawn)),
        title_fontsize="small",
        frameon=False,
        borderaxespad=0.0,
    )
    titles = [
        f"{with_units(_quantity(s), None)}: {s.pairing.info.id}\n{statistics_text(s)}"
        for s in found.statistics
    ]
    title = p.title or f"Model\N{EN DASH}observation matchup: {ctx.opened.id} and {collection.id}"
    credits = dict.fromkeys([ctx.opened.entry.attribution, collection.entry.attribution])
    credit = " · ".join(credits)
    return panels.finish(fig, axes, title, titles, credit)


def _quantity(stats: engine.Statistics) -> str:
    """What a panel's values are: the model variable's kind."""
    kind = stats.pairing.kind.replace("_", "-")
    return f"{kind.capitalize()} {NAMES[stats.pairing.observed]}"


def _colours(name: str | None, count: int) -> list[Any]:
    """A colour per profile: tab10's, or spread over the colour map asked for."""
    if name is None:
        qualitative = mpl.colormaps["tab10" if count <= 10 else "tab20"]
        return [qualitative(k % qualitative.N) for k in range(count)]
    cmap = colormaps.get(name)
    return [cmap(x) for x in np.linspace(0.1, 0.9, max(count, 1))][:count]


def _figure(
    width: int, height: int, dpi: int, count: int, legend_rows: int
) -> tuple[Figure, list[Any], Any]:
    """Panels side by side sharing depth, and a row below them for the legend, laid out by
    constrained layout above the credit line."""
    credit = points(CREDIT_POINTS * 1.5 + EDGE, dpi) / height
    engine_ = ConstrainedLayoutEngine(rect=(0.0, credit, 1.0, 1.0 - credit), h_pad=4 / 72)
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi, layout=engine_)
    attach_canvas(fig)
    legend_height = points(LEGEND_LINE_POINTS * (legend_rows + 1) + 4, dpi)
    share = legend_height / max(height * (1 - 2 * credit) - legend_height, 1.0)
    grid = fig.add_gridspec(2, count, height_ratios=[1.0, share])
    first = fig.add_subplot(grid[0, 0])
    axes = [first] + [fig.add_subplot(grid[0, k], sharey=first) for k in range(1, count)]
    for ax in axes[1:]:
        ax.tick_params(labelleft=False)
    key = fig.add_subplot(grid[1, :])
    key.set_axis_off()
    return fig, axes, key


def _depth_ticks(ax: Any, deepest: float) -> None:
    """Round depths on the symlog axis, as many as the depth reached calls for."""
    ticks = [t for t in (0, 25, 50, 75, 100, 200, 500, 1000, 2000, 5000) if t <= deepest * 1.15]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:,.0f}")


def _handles(drawn: list[str], colours: list[Any]) -> list[Any]:
    """What dots and lines are, then each profile's colour."""
    handles: list[Any] = [
        Line2D([], [], color="0.3", marker="o", ls="none", ms=4, label="observed"),
        Line2D([], [], color="0.3", lw=1.3, label="model"),
    ]
    return handles + [
        Line2D([], [], color=c, lw=3, label=pid) for pid, c in zip(drawn, colours, strict=True)
    ]


def matched_words(found: engine.Matchup, drawn: int) -> str:
    """'10 of 11 profiles matched, 1 skipped: no model time step within P1D'."""
    words = f"{found.matched} of {found.found} profiles matched"
    skipped = sum(len(ids) for ids in found.skipped.values())
    if len(found.skipped) == 1:
        words += f", {skipped} skipped: {next(iter(found.skipped))}"
    elif skipped:
        reasons = ", ".join(f"{reason} ({len(ids)})" for reason, ids in found.skipped.items())
        words += f", {skipped} skipped: {reasons}"
    if drawn < found.matched:
        words += f"; the first {drawn} drawn"
    return words


PLOT_TYPE = PlotType(
    name="matchup",
    summary="Model against observed profiles (matchups)",
    description="The matchups query drawn: the model sampled at an observation collection's "
    "profiles (`observations`, searched with `bbox`, `start`, `end`, `platform`; `tolerance`, "
    "`qc` as the query takes them), one panel per sea water temperature or salinity, depth "
    "down: each profile's observed values as dots and the model's at the same depths as a "
    "line of the same colour, up to `max_profiles` profiles; each panel's title gives the "
    "bias (model − observation), RMSE and N over every pair.",
    params=MatchupParams,
    render=render,
    needs=("vertical",),
    location="none",
    check=check,
    applies=applies,
)
