"""track: an observation collection's profile positions on a map, coloured by time, each
platform's track drawn as a line split where it crosses the antimeridian."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke
from pydantic import Field, field_validator

from catalog.errors import InvalidParameters, NoData
from catalog.observations import index
from catalog.observations.collection import ObservationCollection
from plotting import basemap, colormaps
from plotting.common import LAT_FORMAT, LON_FORMAT, aspect_for
from plotting.figure import new_figure
from plotting.layout import canvas_size, colour_bar
from plotting.observed import (
    ObsEnd,
    ObservationContext,
    ObsStart,
    Platform,
    date_ticks,
    finish,
    naive_times,
    platform_param,
    span,
)
from plotting.params import PlotParams
from plotting.plot_type import ObservationDrawing, PlotType
from plotting.types.map import box_ratio, plate_carree_frame
from schemas import params, patterns

MAX_POSITIONS = 50_000
"""At most this many profiles on one map (a 400 naming ``bbox`` beyond)."""
MIN_SPAN = 4.0
"""The narrowest map, degrees each way (a float that barely moved)."""
MARGIN = 0.1
"""Room around the positions: this share of their span each side (at least 1°)."""
MAX_RATIO = 1.5
"""The map's height / width is kept within 1/MAX_RATIO and MAX_RATIO (a float drifting
north-south still gets a readable map, not a ribbon)."""
NAMED_PLATFORMS = 10
"""Up to this many platforms, each track is named at its last position."""
WATER = "#e9eff4"
TRACK_COLOUR = "0.35"


class TrackParams(PlotParams):
    """Parameters of a track plot: the search of ``GET …/observations``."""

    variable: str | None = Field(
        default=None,
        description="Not taken: a track draws positions, coloured by time; any value is refused.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
    )
    units: str | None = Field(
        default=None,
        description="Not taken: a track has no values to convert; any value is refused.",
        pattern=patterns.UNITS,
        max_length=patterns.UNITS_MAX,
    )
    scale: params.ScaleParam | None = Field(
        default=None,
        description="Not taken: the colours span the times drawn; any value is refused.",
    )
    colormap: str | None = Field(
        default=None,
        description="Colour map of the time (GET /api/v1/colormaps; append _r to reverse). "
        "Default: viridis (earliest dark, latest yellow).",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["viridis"],
    )
    bbox: params.BBoxParam | None = Field(
        default=None,
        description="minlon,minlat,maxlon,maxlat: profiles positioned inside (inclusive; "
        "minlon > maxlon crosses the antimeridian). The map fits the positions found, not "
        "the box.",
        examples=["105,-15,120,-5"],
    )
    start: ObsStart = None
    end: ObsEnd = None
    platform: Platform = None

    @field_validator("variable", "units", "scale")
    @classmethod
    def _not_taken(cls, value: object) -> object:
        if value is not None:
            raise ValueError("a track draws positions coloured by time; leave it out")
        return value


def found(collection: ObservationCollection, p: TrackParams) -> pd.DataFrame:
    """The profiles the search finds that have a time and a position, in time order."""
    if p.platform is not None:
        platform_param(collection, p.platform)
    rows = index.search(
        collection.table, bbox=index.box(p.bbox), start=p.start, end=p.end, platform=p.platform
    )
    placed = rows["time"].notna().to_numpy() & np.isfinite(rows["lon"].to_numpy(dtype=float))
    rows = rows.loc[placed & np.isfinite(rows["lat"].to_numpy(dtype=float))]
    if rows.empty:
        raise NoData(f"No profile of '{collection.id}' with a position matches the search.")
    if len(rows) > MAX_POSITIONS:
        raise InvalidParameters.single(
            "bbox",
            f"{len(rows):,} profiles match; at most {MAX_POSITIONS:,} on one map: narrow the "
            "box, the time range or give a platform",
        )
    placed_rows: pd.DataFrame = rows
    return placed_rows


def check(collection: ObservationCollection, p: TrackParams) -> None:
    """The platform known, the search valid and finding something (the index only)."""
    found(collection, p)


def frame(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> basemap.Extent:
    """The map's extent around the positions: the shortest span of longitude holding them all
    (across the antimeridian when that is shorter: the map is then centred near 180°, with
    x past 180), a margin, at least ``MIN_SPAN`` and within the aspect bounds."""
    unique = np.unique(lon)
    gaps = np.diff(np.append(unique, unique[0] + 360.0))  # after each, to the next round
    widest = int(np.argmax(gaps))
    if widest == unique.size - 1:  # the largest gap wraps round ±180: no crossing
        x0, x1 = float(unique[0]), float(unique[-1])
    else:
        x0, x1 = float(unique[widest + 1]), float(unique[widest]) + 360.0
    south, north = float(lat.min()), float(lat.max())
    pad_x = max(MARGIN * (x1 - x0), 1.0)
    pad_y = max(MARGIN * (north - south), 1.0)
    x0, x1, south, north = x0 - pad_x, x1 + pad_x, south - pad_y, north + pad_y
    x0, x1 = _at_least(x0, x1, MIN_SPAN)
    south, north = _at_least(south, north, MIN_SPAN)
    ratio = aspect_for(south, north) * (north - south) / (x1 - x0)
    if ratio > MAX_RATIO:  # too tall: wider
        x0, x1 = _at_least(x0, x1, (x1 - x0) * ratio / MAX_RATIO)
    elif ratio < 1 / MAX_RATIO:  # too wide: taller
        south, north = _at_least(south, north, (north - south) / (ratio * MAX_RATIO))
    if x1 - x0 > 360.0:
        middle = (x0 + x1) / 2
        x0, x1 = middle - 180.0, middle + 180.0
    south, north = max(south, -90.0), min(north, 90.0)
    if x0 < -180.0:  # the same map, from the other side of the antimeridian
        x0, x1 = x0 + 360.0, x1 + 360.0
    return x0, x1, south, north


def _at_least(low: float, high: float, span: float) -> tuple[float, float]:
    """The range widened about its middle to ``span`` if narrower."""
    if high - low >= span:
        return low, high
    middle = (low + high) / 2
    return middle - span / 2, middle + span / 2


def on_map(lon: npt.ArrayLike, x0: float) -> npt.NDArray[np.float64]:
    """Longitudes as the map's x: in [x0, x0 + 360)."""
    return x0 + np.mod(np.asarray(lon, dtype=np.float64) - x0, 360.0)


def track_lines(rows: pd.DataFrame, x0: float) -> list[npt.NDArray[np.float64]]:
    """Each platform's track (``index.track``: split where it crosses the antimeridian) as
    lines of map coordinates, split again where one would cross the map's own edge."""
    lines = []
    for platform, its in rows.groupby("platform", sort=True):
        for line in index.track(its, str(platform)):
            xy = np.asarray(line, dtype=np.float64)
            xy[:, 0] = on_map(xy[:, 0], x0)
            breaks = np.flatnonzero(np.abs(np.diff(xy[:, 0])) > 180.0) + 1
            lines += [piece for piece in np.split(xy, breaks) if len(piece) > 1]
    return lines


def name_platforms(ax: Axes, rows: pd.DataFrame, x0: float) -> None:
    """Each platform's number beside its last position, on a pale halo."""
    for platform, its in rows.groupby("platform", sort=True):
        last = its.iloc[-1]  # rows are in time order
        ax.annotate(
            str(platform),
            (float(on_map([float(last["lon"])], x0)[0]), float(last["lat"])),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize="x-small",
            color="0.1",
            zorder=5,
            path_effects=[withStroke(linewidth=2.5, foreground="white")],
        )


def size(collection: ObservationCollection, p: TrackParams) -> tuple[int, int]:
    """The image size: as asked, a missing side following the map's aspect (the index only)."""
    rows = found(collection, p)
    extent = frame(rows["lon"].to_numpy(dtype=float), rows["lat"].to_numpy(dtype=float))
    return canvas_size(p.width, p.height, p.dpi, box_ratio(extent))


def render(ctx: ObservationContext, p: TrackParams) -> Figure:
    """Draw the positions and tracks (runs in a worker)."""
    collection = ctx.collection
    rows = found(collection, p)
    lon, lat = rows["lon"].to_numpy(dtype=float), rows["lat"].to_numpy(dtype=float)
    extent = frame(lon, lat)
    fig = new_figure(p.width, p.height, p.dpi, box_ratio(extent))
    ax = fig.add_subplot()
    ax.set_facecolor(WATER)
    ax.add_collection(
        LineCollection(
            track_lines(rows, extent[0]),
            colors=TRACK_COLOUR,
            linewidths=0.8,
            zorder=3.5,
            label="tracks",
        ),
        autolim=False,
    )
    times = date2num(naive_times(rows))  # type: ignore[no-untyped-call]
    points = ax.scatter(
        on_map(lon, extent[0]),
        lat,
        c=times,
        cmap=colormaps.get(p.colormap or "viridis"),
        s=22,
        edgecolors="0.15",
        linewidths=0.4,
        zorder=4,
        label="positions",
    )
    plate_carree_frame(ax, extent)
    platforms = sorted(set(rows["platform"]))
    if 1 < len(platforms) <= NAMED_PLATFORMS:
        name_platforms(ax, rows, extent[0])
    bar = colour_bar(fig, points, "Time of the profile (UTC)")
    date_ticks(bar.ax.yaxis, float(np.ptp(times)))
    title = (
        f"Platform {platforms[0]}: profile positions"
        if len(platforms) == 1
        else f"Profile positions of {len(platforms)} platforms"
    )
    what = f"{len(rows)} profile{'s' if len(rows) != 1 else ''}, {span(rows)}"
    if p.bbox is not None:
        west, south, east, north = p.bbox
        what += (
            f" · in {LON_FORMAT(west, None)} to {LON_FORMAT(east, None)}, "
            f"{LAT_FORMAT(south, None)} to {LAT_FORMAT(north, None)}"
        )
    return finish(fig, p.title or title, collection, what)


PLOT_TYPE = PlotType(
    name="track",
    summary="Profile positions and platform tracks on a map",
    description="The positions of an observation collection's profiles found by the search "
    "of `GET …/observations` (`bbox`, `start`, `end`, `platform`; default: every profile), "
    "coloured by time, on land and coastlines (Natural Earth), each platform's track joining "
    "its positions in time order, split where it crosses the antimeridian (never drawn across "
    "the globe). The map fits the positions with a margin; positions on both sides of 180° "
    "give a map centred near 180°. Profiles whose time or position is flagged bad are left "
    "out, as a search leaves them out.",
    params=TrackParams,
    render=None,
    location="observations",
    observed=ObservationDrawing(render=render, check=check, sizer=size),
)
