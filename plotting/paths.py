"""Plots along a path: which x axis shows where the samples are, and a locator map of the path.

Along one parallel the x axis is longitude (continuous across the antimeridian), along one
meridian latitude, otherwise the distance along the path. The decision is taken on the samples
drawn, so it holds for any path that keeps to a parallel (a rhumb line, or a geodesic on the
equator) and never for a geodesic that leaves it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.ticker import Formatter

from catalog.query.result import GEOD
from catalog.query.rhumb import parallel_radius
from plotting import basemap
from plotting.common import LAT_FORMAT, LON_FORMAT, aspect_for

SAME = 1e-9
"""Degrees within which every sample is on one parallel (or meridian)."""
LENGTH_MATCH = 1e-6
"""Relative agreement between the path's length and its span along the parallel or meridian
(so that an axis never shows a path that went round the other way)."""
PATH_COLOUR = "#c0392b"
LOCATOR_RESOLUTION = "110m"

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PathAxis:
    """The x axis of a plot along a path: a value per sample, its label and tick format."""

    values: Floats
    label: str
    formatter: Formatter | None = None

    def apply(self, ax: Axes) -> None:
        """Label, limits from the start (left) to the end, and the tick format."""
        ax.set_xlabel(self.label)
        ax.set_xlim(float(self.values[0]), float(self.values[-1]))
        if self.formatter is not None:
            ax.xaxis.set_major_formatter(self.formatter)


def unwrapped(lons: npt.ArrayLike) -> Floats:
    """Longitudes made continuous along the path (no jump of 360 at the antimeridian)."""
    return np.asarray(np.unwrap(np.asarray(lons, dtype=np.float64), period=360.0))


def _steady(values: Floats) -> bool:
    return bool(np.all(np.abs(values - values[0]) <= SAME))


def _monotonic(values: Floats) -> bool:
    steps = np.diff(values)
    return bool(np.all(steps > 0) or np.all(steps < 0))


def path_axis(data: xr.Dataset) -> PathAxis:
    """Longitude along a parallel, latitude along a meridian, else distance (km)."""
    lons = unwrapped(data["longitude"].values)
    lats = np.asarray(data["latitude"].values, dtype=np.float64)
    km = np.asarray(data["distance"].values, dtype=np.float64)
    length = float(km[-1])
    if length > 0 and _steady(lats) and _monotonic(lons):
        along = parallel_radius(float(lats[0])) * math.radians(abs(lons[-1] - lons[0])) / 1000
        if math.isclose(along, length, rel_tol=LENGTH_MATCH):
            return PathAxis(lons, "Longitude", LON_FORMAT)
    if length > 0 and _steady(lons) and _monotonic(lats):
        _, _, metres = GEOD.inv(0.0, float(lats[0]), 0.0, float(lats[-1]))
        if math.isclose(float(metres) / 1000, length, rel_tol=LENGTH_MATCH):
            return PathAxis(lats, "Latitude", LAT_FORMAT)
    return PathAxis(km, "Distance along path (km)")


def path_words(path_type: str, legs: int, length_km: float) -> str:
    """'rhumb line, 2,560 km' for the subtitle ('geodesics' for several legs)."""
    word = "rhumb line" if path_type == "rhumb" else "geodesic"
    return f"{word}{'s' if legs > 1 else ''}, {length_km:,.0f} km"


def locator_extent(lons: Floats, lats: Floats) -> tuple[basemap.Extent, float]:
    """(west, east, south, north) around the path (unwrapped longitudes) with a margin (half its
    span, at least 8 degrees: coasts to tell where it is), about
    square on the page, and the multiple of 360 degrees added to the longitudes to put west in
    -180..180 (east is past 180 when the path crosses the antimeridian)."""
    west, east = float(lons.min()), float(lons.max())
    south, north = float(lats.min()), float(lats.max())
    pad = max(0.5 * max(east - west, north - south), 8.0)  # enough around it to see where
    west, east, south, north = west - pad, east + pad, south - pad, north + pad
    across = (east - west) / aspect_for(max(south, -85.0), min(north, 85.0))
    if across < north - south:  # too tall: widen
        grow = ((north - south) - across) * aspect_for(max(south, -85), min(north, 85)) / 2
        west, east = west - grow, east + grow
    else:  # too wide: heighten
        grow = (across - (north - south)) / 2
        south, north = south - grow, north + grow
    south, north = max(south, -90.0), min(north, 90.0)
    if east - west > 360.0:
        middle = (west + east) / 2
        west, east = middle - 180.0, middle + 180.0
    shift = -360.0 * math.floor((west + 180.0) / 360.0)
    return (west + shift, east + shift, south, north), shift


def place(lon: float, lat: float) -> str:
    """'15°W, 48°N' (to 0.1 degree)."""
    return f"{LON_FORMAT(round(float(lon), 1))}, {LAT_FORMAT(round(float(lat), 1))}"


def draw_locator(ax: Axes, lons: npt.ArrayLike, lats: npt.ArrayLike) -> None:
    """A small map: land and coastlines (1:110m) around the path, the path, its start marked."""
    x, y = unwrapped(lons), np.asarray(lats, dtype=np.float64)
    (west, east, south, north), shift = locator_extent(x, y)
    x = x + shift
    basemap.draw(ax, (west, east, south, north), zorder=1.0, resolution=LOCATOR_RESOLUTION)
    ax.plot(x, y, color=PATH_COLOUR, linewidth=1.4, zorder=3, solid_capstyle="round")
    ax.plot(x[:1], y[:1], "o", color=PATH_COLOUR, markersize=4, zorder=4)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect_for(south, north), adjustable="box")
    ax.set_anchor("N")
    ax.set_xticks([])  # tick labels would cost as much as the map; the ends are written below
    ax.set_yticks([])
    ax.set_title("Path", fontsize=7, color="0.25", pad=2)
    ends = f"● {place(x[0], y[0])}\n→ {place(x[-1], y[-1])}"
    note = ax.text(0.0, -0.03, ends, transform=ax.transAxes, fontsize=6.5, color="0.25", va="top")
    note.set_in_layout(False)
