"""A map in a projection other than plate carrée, drawn by cartopy.

Cartopy's ``GeoAxes`` projects the field (``drawing.draw`` with ``transform``), the arrows and
contours, the Natural Earth land and coastlines bundled with the service (``basemap``: shapely
geometries handed to ``add_geometries``; cartopy's own downloader is never reached), and draws
the labelled graticule. Plate carrée stays on the plain axes of ``plotting.types.map``: it is
the fast path, and a ``GeoAxes`` costs more.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import cartopy
import numpy as np
import numpy.typing as npt
import shapely
from cartopy.mpl.geoaxes import GeoAxes
from cartopy.mpl.ticker import LatitudeLocator, LongitudeLocator
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.path import Path as MplPath

from catalog.errors import NoData
from catalog.query.convert import convert_units
from plotting import basemap, drawing, map_layers
from plotting.common import (
    RenderContext,
    choose_variable,
    colormap,
    colour_range,
    finish,
    is_speed,
    label,
    pick,
    plot_units,
    subtitle,
    used_in,
)
from plotting.figure import new_figure
from plotting.layout import colour_bar, reserve
from plotting.map_params import MapParams
from plotting.projections import LONLAT, View, shape, view

# Cartopy downloads Natural Earth into data_dir when a feature of its own is drawn; none is
# (land and coastlines are the bundled shapes), and an empty directory of our own makes sure
# nothing is found or written elsewhere.
cartopy.config["data_dir"] = Path(tempfile.gettempdir()) / "oceanapi-cartopy-unused"
cartopy.config["downloaders"] = {}

Geometries = npt.NDArray[np.object_]


def render(ctx: RenderContext, p: MapParams) -> Figure:
    """Draw the map in ``p.projection`` (runs in a worker)."""
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, (), "map")
    bbox = p.bbox if p.bbox is not None else opened.bbox
    if bbox is None:
        raise NoData(f"Dataset '{opened.id}' has no horizontal extent to map.")
    shown = view(p.projection, bbox)
    fig = new_figure(p.width, p.height, p.dpi, shape(shown))
    pixels = int(fig.bbox.width * fig.bbox.height)
    result = convert_units(
        map_layers.read_box(ctx, p, name, shown.box, max(pixels // 2, 1)), plot_units(p, info)
    )
    field = pick(result.data, name)

    ax: GeoAxes = fig.add_subplot(projection=shown.crs)
    ax.set_facecolor("#f2f2f2")
    low, high = colour_range(p, info, [field.values], is_speed(field, name))
    style = {
        "cmap": colormap(p, info, is_speed(field, name)),
        "vmin": low,
        "vmax": high,
        "zorder": 1,
    }
    mappable = drawing.draw(
        ax, map_layers.drawing_of(ctx, name, field), shown.x0, style, transform=LONLAT
    )
    if p.contour:
        map_layers.contours(ax, ctx, p, shown.box, shown.x0, pixels, transform=LONLAT)
    if p.quiver:
        map_layers.arrows(ax, ctx, p, shown.box, shown.x0, transform=LONLAT)
    _frame(ax, shown)
    footprint = _footprint(ax, shown)
    _land(ax, shown, footprint)
    _graticule(ax, shown, footprint)
    colour_bar(fig, mappable, label(info, field, name))  # laid out beside the map, as tall
    return finish(fig, p, info, name, opened, subtitle(used_in(result), info))


def _frame(ax: GeoAxes, shown: View) -> None:
    """The part of the projection shown: the whole globe, a disc around the pole, or the
    box's projected bounding rectangle."""
    west, south, east, north = shown.box
    if shown.frame == "globe":
        ax.set_global()
        return
    if shown.frame == "cap":
        edge = south if shown.pole > 0 else north
        ax.set_extent((-180.0, 180.0, min(edge, shown.pole), max(edge, shown.pole)), crs=LONLAT)
        theta = np.linspace(0, 2 * np.pi, 200)
        circle = MplPath(np.column_stack([np.sin(theta), np.cos(theta)]) * 0.5 + 0.5)
        ax.set_boundary(circle, transform=ax.transAxes)
        return
    # The box in longitudes relative to the central one (its middle): never across the seam.
    span = 360.0 if shown.all_longitudes else ((east - west) % 360.0 or 360.0)
    frame_crs = type(LONLAT)(central_longitude=shown.central_longitude)
    ax.set_extent((-span / 2, span / 2, south, north), crs=frame_crs)


def _footprint(ax: GeoAxes, shown: View) -> basemap.Extent:
    """(west, east, south, north) the axes show: longitudes unwrapped from ``shown.x0``."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    t = np.linspace(0.0, 1.0, 60)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full_like(t, x1), x0 + (x1 - x0) * t, [x0] * 60])
    ys = np.concatenate([np.full_like(t, y0), y0 + (y1 - y0) * t, np.full_like(t, y1)])
    ys = np.concatenate([ys, y0 + (y1 - y0) * t])
    lonlat = LONLAT.transform_points(ax.projection, xs, ys)[:, :2]
    lonlat = lonlat[np.isfinite(lonlat).all(axis=1)]
    lon = drawing.unwrap(lonlat[:, 0], shown.x0)
    south, north = float(lonlat[:, 1].min()), float(lonlat[:, 1].max())
    west, east = float(lon.min()), float(lon.max())
    for pole in (90.0, -90.0):  # a pole inside the frame: every longitude, up to the pole
        px, py = ax.projection.transform_point(0.0, pole, LONLAT)
        if min(x0, x1) <= px <= max(x0, x1) and min(y0, y1) <= py <= max(y0, y1):
            west, east = shown.x0, shown.x0 + 360.0
            south, north = min(south, pole), max(north, pole)
    if shown.all_longitudes or shown.frame == "globe":
        west, east = shown.x0, shown.x0 + 360.0
    return west, east, max(south, -90.0), min(north, 90.0)


def _graticule(ax: GeoAxes, shown: View, footprint: basemap.Extent) -> None:
    """Meridians and parallels, projected once here (cartopy's own gridlines are projected
    again at every draw, which cost more than the rest of the map), labelled by cartopy."""
    west, east, south, north = footprint
    lons = [v for v in LongitudeLocator().tick_values(west, east) if west <= v <= east]
    lats = [v for v in LatitudeLocator().tick_values(south, north) if south <= v <= north]
    if east - west >= 359.0:
        lons = [v for v in lons if v < west + 359.0]
    steps = np.linspace(0.0, 1.0, 181)
    lines = [
        np.column_stack([np.full_like(steps, v), south + (north - south) * steps]) for v in lons
    ]
    lines += [np.column_stack([west + (east - west) * steps, np.full_like(steps, v)]) for v in lats]
    segments = []
    for line in lines:
        xy = ax.projection.transform_points(LONLAT, line[:, 0], line[:, 1])[:, :2]
        good = np.isfinite(xy).all(axis=1)
        jump = np.hypot(*np.diff(xy, axis=0).T) > 0.25 * np.ptp(ax.get_xlim())  # the seam
        breaks = np.flatnonzero(~good[1:] | ~good[:-1] | jump) + 1
        segments += [s for s in np.split(np.where(good[:, None], xy, np.nan), breaks) if len(s) > 1]
    lines_artist = LineCollection(
        segments, colors="0.35", linewidths=0.4, alpha=0.5, zorder=3, clip_path=ax.patch
    )
    ax.add_collection(lines_artist, autolim=False)
    in_frame = shown.frame != "cap"  # a disc's parallels are labelled along a meridian
    labels = ax.gridlines(
        crs=LONLAT,
        draw_labels=True,
        xlocs=[(v + 180.0) % 360.0 - 180.0 for v in lons],
        ylocs=lats,
        x_inline=False if in_frame else None,
        y_inline=False if in_frame else None,
        rotate_labels=False,
    )
    labels.xlines = labels.ylines = False  # drawn above
    # Placed once, not again at each of the layout's and the drawing's passes (8 times, each
    # fitting every label against the others): the labels' places are in map coordinates,
    # so they follow the map when the layout moves it. (The keyword that said so is
    # deprecated since cartopy 0.23; its attribute stays.)
    labels._auto_update = False
    labels.xlabel_style = labels.ylabel_style = {"size": "small"}
    labels.top_labels = False  # the title is there
    if in_frame:  # the colour bar is on the right
        labels.right_labels = False
    # Room for the labels (placed at draw time, outside what the layout measures): a
    # parallel's '60°N' at the left, a meridian's at the bottom, a disc's all round.
    reserve(ax, left=30.0, bottom=14.0, right=0.0 if in_frame else 30.0)


def _land(ax: GeoAxes, shown: View, footprint: basemap.Extent) -> None:
    """Natural Earth land and coastlines over what the axes show."""
    west, east, south, north = footprint
    extent = (round(west, 1), round(east, 1), round(south, 1), round(north, 1))
    resolution = basemap.resolution_for(extent)
    land, coast = _clipped(resolution, extent)
    ax.add_geometries(land, crs=LONLAT, facecolor=basemap.LAND_COLOUR, edgecolor="none", zorder=2)
    ax.add_geometries(
        coast, crs=LONLAT, facecolor="none", edgecolor=basemap.COAST_COLOUR, lw=0.5, zorder=2.1
    )


@lru_cache(maxsize=64)
def _clipped(resolution: str, extent: basemap.Extent) -> tuple[Geometries, Geometries]:
    """Land and coastlines in the extent and a margin (kept: cartopy caches their projection
    per geometry object)."""
    west, east, south, north = extent
    pad = 2.0
    south, north = max(south - pad, -90.0), min(north + pad, 90.0)
    if east - west >= 360.0 - 2 * pad:
        rects = [(-180.0, south, 180.0, north)]
    else:
        west, east = west - pad, east + pad
        low, high = (west + 180.0) % 360.0 - 180.0, (east + 180.0) % 360.0 - 180.0
        if low < high:
            rects = [(low, south, high, north)]
        else:  # across the antimeridian
            rects = [(low, south, 180.0, north), (-180.0, south, high, north)]
    out = []
    for kind in ("land", "coastline"):
        geoms = basemap.geometries(resolution, kind)
        parts = []
        for rect in rects:
            clipped = shapely.clip_by_rect(geoms, *rect)
            parts.append(clipped[~shapely.is_empty(clipped)])
        out.append(np.concatenate(parts))
    return out[0], out[1]
