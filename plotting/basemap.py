"""Land and coastlines from the bundled Natural Earth GeoJSON, clipped once per extent."""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.patches import PathPatch
from matplotlib.path import Path as MplPath

NATURAL_EARTH = Path(__file__).resolve().parent.parent / "samples" / "naturalearth"
LAND_COLOUR = "#d9d4c7"
COAST_COLOUR = "#3b3b3b"
Extent = tuple[float, float, float, float]
"""(x0, x1, south, north): x0 in -180..180 and x0 < x1 <= x0 + 360 (x1 > 180 past the dateline)."""


@cache
def _layer(resolution: str, kind: str) -> npt.NDArray[np.object_]:
    """Every geometry of a Natural Earth layer, as a shapely array, with a copy shifted by 360°."""
    raw = json.loads((NATURAL_EARTH / f"ne_{resolution}_{kind}.json").read_text(encoding="utf-8"))
    geoms = np.array([shapely.geometry.shape(f["geometry"]) for f in raw["features"]])
    if kind == "land":
        geoms = shapely.orient_polygons(geoms)  # exteriors anticlockwise: holes stay holes
    shifted = shapely.transform(geoms, lambda xy: xy + np.array([360.0, 0.0]))
    return np.concatenate([geoms, shifted])


def resolution_for(extent: Extent) -> str:
    """1:110m for wide views, 1:50m for regional ones."""
    x0, x1, south, north = extent
    return "110m" if (x1 - x0) > 60 or (north - south) > 40 else "50m"


def preload() -> None:
    """Read every layer now (worker warm-up), not during the first render."""
    for resolution in ("110m", "50m"):
        for kind in ("land", "coastline"):
            _layer(resolution, kind)


@lru_cache(maxsize=64)
def _clipped(
    resolution: str, extent: Extent, tolerance: float = 0.0
) -> tuple[MplPath, list[npt.NDArray[np.float64]]]:
    """Land as one compound path and coastlines as line arrays, in the extent and a margin,
    simplified to ``tolerance`` degrees (less than half a pixel: the same picture, drawn from
    about half the vertices on a global map)."""
    x0, x1, south, north = extent
    pad_x, pad_y = 0.02 * (x1 - x0) + 0.5, 0.02 * (north - south) + 0.5
    box = (x0 - pad_x, max(south - pad_y, -90.0), x1 + pad_x, min(north + pad_y, 90.0))
    land = shapely.simplify(shapely.clip_by_rect(_layer(resolution, "land"), *box), tolerance)
    rings = shapely.get_rings(shapely.get_parts(land[~shapely.is_empty(land)]))
    coords, index = shapely.get_coordinates(rings, return_index=True)
    codes = np.full(len(coords), MplPath.LINETO, dtype=np.uint8)
    if len(coords):
        starts = np.flatnonzero(np.diff(index, prepend=-1))
        codes[starts] = MplPath.MOVETO
        codes[np.append(starts[1:], len(coords)) - 1] = MplPath.CLOSEPOLY
    land_path = MplPath(coords, codes)
    coast = shapely.simplify(shapely.clip_by_rect(_layer(resolution, "coastline"), *box), tolerance)
    lines = shapely.get_parts(coast[~shapely.is_empty(coast)])
    coast_coords, coast_index = shapely.get_coordinates(lines, return_index=True)
    breaks = np.flatnonzero(np.diff(coast_index)) + 1
    segments = [s for s in np.split(coast_coords, breaks) if len(s) > 1]
    return land_path, segments


def draw(ax: Axes, extent: Extent, zorder: float = 2.0, resolution: str | None = None) -> str:
    """Fill land and draw coastlines on a lon/lat axes (at ``resolution``, else the one suited to
    the extent); returns the resolution used."""
    resolution = resolution or resolution_for(extent)
    rounded = tuple(round(v, 3) for v in extent)
    # half a pixel of the figure's width: the axes are narrower, so less than half of theirs
    fig = ax.get_figure(root=True)
    pixel = (extent[1] - extent[0]) / (fig.bbox.width if fig is not None else 800.0)
    tolerance = float(f"{0.5 * pixel:.1g}")  # a few values, so the cache serves them
    land_path, segments = _clipped(resolution, rounded, tolerance)
    # add_artist, not add_patch: the caller sets the map's limits, and updating data limits
    # from thousands of land vertices cost more than drawing them.
    land = PathPatch(land_path, facecolor=LAND_COLOUR, edgecolor="none", zorder=zorder, lw=0)
    ax.add_artist(land)
    ax.add_collection(
        LineCollection(segments, colors=COAST_COLOUR, linewidths=0.5, zorder=zorder + 0.1),
        autolim=False,
    )
    return resolution


def geometries(resolution: str, kind: str) -> npt.NDArray[np.object_]:
    """A Natural Earth layer's geometries in -180..180 (without the copy shifted by 360°)."""
    layer = _layer(resolution, kind)
    return layer[: layer.size // 2]
