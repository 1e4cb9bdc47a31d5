"""ts: a T-S diagram, Conservative Temperature against Absolute Salinity with σ0 isopycnals,
coloured by depth, for the columns at one or more points or in a box."""

from __future__ import annotations

from typing import Annotated, Any

import gsw
import numpy as np
from matplotlib.figure import Figure
from pydantic import Field, field_validator

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters, NoData
from catalog.geo import BBox
from catalog.observations.collection import ObservationCollection
from catalog.selection import depth_range
from catalog.variables import VariableInfo
from plotting.common import (
    LAT_FORMAT,
    LON_FORMAT,
    RenderContext,
    subtitle,
    used_in,
)
from plotting.labels import with_units
from plotting.observed import (
    ObsEnd,
    ObservationContext,
    ObsStart,
    Platform,
    ProfileIds,
    choose,
    profile_name,
    read,
    span,
)
from plotting.params import DepthMax, DepthMin, PlotParams, Time
from plotting.plot_type import ObservationDrawing, PlotType
from plotting.ts_axes import DEPTH_COLOURS, TS, Columns, depth_words, draw
from schemas import params, patterns

SA, CT = "absolute_salinity", "conservative_temperature"
MAX_POINTS = 10
POINT_BUDGET = 20_000
NAMED_POINTS = 3
"""Up to this many points are named in the subtitle too (always in the legend)."""
MAX_PROFILES = 100
"""At most this many observed profiles in one diagram."""


class TSParams(PlotParams):
    """Parameters of a T-S diagram."""

    variable: str | None = Field(
        default=None,
        description=f"Not taken: a {TS} diagram draws absolute_salinity against "
        "conservative_temperature (derived with TEOS-10 from the dataset's salinity and "
        "temperature); any value is refused.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
    )
    units: str | None = Field(
        default=None,
        description="Not taken: the diagram is drawn in g kg⁻¹ and °C, the units of the "
        "TEOS-10 functions its isopycnals come from; any value is refused.",
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
    )
    colormap: str | None = Field(
        default=None,
        description="Colour map of the depth (GET /api/v1/colormaps; append _r to reverse). "
        f"Default: {DEPTH_COLOURS} without its palest sixth (so that the shallowest dots "
        "stand out from the white background).",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["haline_r"],
    )
    scale: params.ScaleParam | None = Field(
        default=None,
        description="Depth range of the colours, 'min,max' (m); default, and 'auto': the "
        "depths drawn. A logarithmic scale when min is above 0, so that the upper ocean's "
        "levels are told apart.",
        examples=["5,4000"],
    )
    lon: list[Annotated[float, Field(ge=-360, le=360, allow_inf_nan=False)]] = Field(
        default_factory=list,
        description=f"Longitude of each point, degrees east (repeat for up to {MAX_POINTS} "
        "points, in the same order as lat); or give a bbox instead.",
        max_length=MAX_POINTS,
        examples=[[-20.0]],
    )
    lat: list[Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]] = Field(
        default_factory=list,
        description="Latitude of each point, degrees north (repeat, as lon).",
        max_length=MAX_POINTS,
        examples=[[50.0]],
    )
    bbox: params.BBoxParam | None = Field(
        default=None,
        description="minlon,minlat,maxlon,maxlat, instead of points: every column with data "
        "in the box (minlon > maxlon crosses the antimeridian), thinned to `max_points`.",
        examples=["-20,45,0,60"],
    )
    max_points: int = Field(
        default=POINT_BUDGET,
        ge=100,
        le=100_000,
        description="With a bbox, about this many points at most (columns x levels): the "
        "box's cells are thinned as the area query's max_cells thins them, to every k-th cell "
        "along each grid direction (every k²-th node of a mesh), k = ceil(sqrt(cells / "
        "(max_points / levels))); the subtitle says k.",
        examples=[POINT_BUDGET],
    )
    time: Time = None
    depth_min: DepthMin = None
    depth_max: Annotated[DepthMax, Field(examples=[2000])] = None
    profile_id: ProfileIds
    platform: Platform = None
    start: ObsStart = None
    end: ObsEnd = None

    @field_validator("variable")
    @classmethod
    def _no_variable(cls, name: str | None) -> str | None:
        if name is not None:
            raise ValueError(f"a {TS} diagram draws {SA} against {CT}; leave variable out")
        return name

    @field_validator("units")
    @classmethod
    def _no_units(cls, units: str | None) -> str | None:
        if units is not None:
            raise ValueError(f"a {TS} diagram is drawn in g kg-1 and degC; leave units out")
        return units


OBSERVATION_PARAMS = ("profile_id", "platform", "start", "end")
GRIDDED_PARAMS = ("lon", "lat", "bbox", "time", "max_points")


def check(opened: OpenDataset, p: TSParams) -> None:
    """Points or a box, not both nor neither; one lat per lon; no observation parameter."""
    for name in OBSERVATION_PARAMS:
        if name in p.model_fields_set:
            raise InvalidParameters.single(
                name, f"only for observation collections; '{opened.id}' is a gridded dataset"
            )
    if p.bbox is not None and (p.lon or p.lat):
        raise InvalidParameters.single("bbox", "give lon/lat points or a bbox, not both")
    if p.bbox is None and not (p.lon or p.lat):
        raise InvalidParameters.single(
            "lon", f"give lon and lat (repeat for up to {MAX_POINTS} points), or a bbox"
        )
    if len(p.lon) != len(p.lat):
        raise InvalidParameters.single(
            "lat", f"give one lat per lon ({len(p.lon)} lon, {len(p.lat)} lat)"
        )


def at_points(ctx: RenderContext, p: TSParams) -> Columns:
    """SA and CT over the levels at each point (the profile query)."""
    sa, ct, names = [], [], []
    result = None
    for lon, lat in zip(p.lon, p.lat, strict=True):
        result = query.profile(
            ctx.opened,
            [SA, CT],
            lon,
            lat,
            p.time,
            p.depth_min,
            p.depth_max,
            max_values=ctx.max_values,
        )
        sa.append(np.atleast_1d(result.data[SA].values))
        ct.append(np.atleast_1d(result.data[CT].values))
        names.append(f"{LAT_FORMAT(lat, None)} {LON_FORMAT(lon, None)}")
    assert result is not None  # check: at least one point
    depth = np.atleast_1d(result.data["depth"].values)
    return Columns(
        np.asarray(sa, dtype=np.float64),
        np.asarray(ct, dtype=np.float64),
        depth.astype(np.float64),
        names,
        used_in(result),
        ", ".join(names) if len(names) <= NAMED_POINTS else f"{len(names)} points",
    )


def in_box(ctx: RenderContext, p: TSParams, bbox: BBox) -> Columns:
    """SA and CT of the box's cells at each level (the area query, one level at a time), the
    cells thinned so that cells x levels stays within ``max_points``."""
    opened = ctx.opened
    vertical = opened.variables[SA].vertical
    assert vertical is not None  # derived from variables with levels
    levels = depth_range(vertical, p.depth_min, p.depth_max)
    max_cells = max(p.max_points // levels.size, 1)
    sa, ct = [], []
    selection: dict[str, Any] = {}
    used: dict[str, Any] = {}
    for level in levels:
        result = query.area(
            opened,
            [SA, CT],
            bbox,
            p.time,
            float(vertical.depths[level]),
            max_cells=max_cells,
            max_values=ctx.max_values,
        )
        sa.append(np.ravel(result.data[SA].values))
        ct.append(np.ravel(result.data[CT].values))
        selection = result.selection
        used = {k: v for k, v in used_in(result).items() if k != "depth"}
    stride = int(selection["stride"])
    sa_columns = np.asarray(sa, dtype=np.float64).T
    ct_columns = np.asarray(ct, dtype=np.float64).T
    wet = np.isfinite(sa_columns).any(axis=1) & np.isfinite(ct_columns).any(axis=1)
    west, south, east, north = bbox
    if not wet.any():
        raise NoData(f"No cell of '{opened.id}' in the box has data at these depths (land).")
    box = (
        f"{LON_FORMAT(west, None)} to {LON_FORMAT(east, None)}, "
        f"{LAT_FORMAT(south, None)} to {LAT_FORMAT(north, None)}"
    )
    thinned = ""
    if stride > 1 and len(opened.variables[SA].grid.dims) == 1:  # a mesh: every stride²-th
        thinned = f", every {_ordinal(stride * stride)} node"
    elif stride > 1:
        thinned = f", every {_ordinal(stride)} cell each way"
    where = f"{int(wet.sum()):,} columns in {box}{thinned}"
    return Columns(
        sa_columns[wet],
        ct_columns[wet],
        vertical.depths[levels].astype(np.float64),
        [],
        used,
        where,
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def render(ctx: RenderContext, p: TSParams) -> Figure:
    """Draw the diagram of a gridded dataset's columns (runs in a worker)."""
    opened = ctx.opened
    sa_info, ct_info = opened.variables[SA], opened.variables[CT]
    columns = in_box(ctx, p, p.bbox) if p.bbox is not None else at_points(ctx, p)
    return draw(
        columns,
        p,
        (
            _axis_label("Absolute Salinity", sa_info),
            _axis_label("Conservative Temperature", ct_info),
        ),
        opened.entry.title,
        subtitle(columns.used, ct_info, f"{depth_words(columns)} · {columns.where}"),
        opened.entry.attribution,
    )


def _axis_label(title: str, info: VariableInfo) -> str:
    return with_units(title, info.units, info.standard_name)


def check_observed(collection: ObservationCollection, p: TSParams) -> None:
    """Profiles, not points or a box; they exist and are not too many (the index only)."""
    for name in GRIDDED_PARAMS:
        if name in p.model_fields_set:
            raise InvalidParameters.single(
                name,
                f"only for gridded datasets; '{collection.id}' is an observation collection: "
                "give profile_id, or platform with start/end",
            )
    choose(collection, p.profile_id, p.platform, p.start, p.end, MAX_PROFILES)


def observed_columns(ctx: ObservationContext, p: TSParams) -> tuple[Columns, list[str], str]:
    """SA and CT (TEOS-10, gsw) of each profile's good levels within depth_min/depth_max,
    from its in-situ temperature, practical salinity, pressure and position; the rows'
    platforms and time span."""
    rows = choose(ctx.collection, p.profile_id, p.platform, p.start, p.end, MAX_PROFILES)
    profiles = read(ctx.collection, rows, "good")
    width = max(pr.pressure.size for pr in profiles)
    sa, ct, depth = (np.full((len(profiles), width), np.nan) for _ in range(3))
    for k, pr in enumerate(profiles):
        inside = np.isfinite(pr.depth)
        if p.depth_min is not None:
            inside &= pr.depth >= p.depth_min
        if p.depth_max is not None:
            inside &= pr.depth <= p.depth_max
        salinity = np.where(inside, pr.salinity, np.nan)
        absolute = np.asarray(gsw.SA_from_SP(salinity, pr.pressure, pr.lon, pr.lat), dtype=float)
        conservative = np.asarray(gsw.CT_from_t(absolute, pr.temperature, pr.pressure), dtype=float)
        n = pr.pressure.size
        sa[k, :n], ct[k, :n] = absolute, conservative
        depth[k, :n] = np.where(inside, pr.depth, np.nan)
    names = [profile_name(pr) for pr in profiles]
    platforms = sorted(set(rows["platform"]))
    if len(names) <= NAMED_POINTS:
        where = f"{', '.join(pr.profile_id for pr in profiles)} ({span(rows)})"
    else:
        whose = f"platform {platforms[0]}" if len(platforms) == 1 else f"{len(platforms)} platforms"
        where = f"{len(names)} profiles of {whose}, {span(rows)}"
    columns = Columns(sa, ct, depth, names if len(names) <= MAX_POINTS else [], {}, where)
    return columns, platforms, where


def render_observed(ctx: ObservationContext, p: TSParams) -> Figure:
    """Draw the diagram of observed profiles (runs in a worker)."""
    columns, _, where = observed_columns(ctx, p)
    entry = ctx.collection.entry
    labels = (
        with_units("Absolute Salinity", "g kg-1", "sea_water_absolute_salinity"),
        with_units("Conservative Temperature", "degC", "sea_water_conservative_temperature"),
    )
    return draw(
        columns, p, labels, entry.title, f"{depth_words(columns)} · {where}", entry.attribution
    )


PLOT_TYPE = PlotType(
    name="ts",
    summary=f"{TS} diagram with σ0 isopycnals",
    description="Conservative Temperature against Absolute Salinity (TEOS-10, derived from "
    "the dataset's temperature and salinity: `conservative_temperature`, "
    "`absolute_salinity`) over the levels of the water column at one or more points (repeat "
    "`lon` and `lat`, one line each) or of every column with data in a `bbox` (thinned to "
    "`max_points`), each level a dot coloured by its depth, on labelled σ0 isopycnals "
    "(gsw.sigma0, kg m⁻³). The lines join a column's levels: between them nothing is "
    "known. From an observation collection: its profiles (`profile_id`, repeated; or a "
    f"`platform`'s between `start` and `end`, at most {MAX_PROFILES}), SA and CT computed "
    "with gsw (SA_from_SP, CT_from_t) from each level's good in-situ temperature, practical "
    "salinity and pressure at the profile's position.",
    params=TSParams,
    render=render,
    needs=("vertical",),
    location="points",
    check=check,
    draws=(SA, CT),
    observed=ObservationDrawing(render=render_observed, check=check_observed),
)
