"""map: a variable over a box at one time and depth, on land and coastlines."""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from catalog import query
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters, NoData
from catalog.geo import BBox, in_lon_range, normalise_lon
from catalog.query.convert import convert_units
from catalog.variables import VariableInfo
from plotting import basemap, colormaps, drawing, map_layers, panels, projected, projections
from plotting.common import (
    LAT_FORMAT,
    LON_FORMAT,
    RenderContext,
    aspect_for,
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
from plotting.compare import (
    Comparison,
    comparison,
    difference_label,
    difference_range,
    onto_cells,
)
from plotting.figure import new_figure
from plotting.layout import canvas_size, colour_bar
from plotting.map_params import MapParams
from plotting.panels import DIFFERENCE_CMAP
from plotting.plot_type import PlotType
from plotting.projections import PLATE_CARREE


def check(opened: OpenDataset, p: MapParams) -> None:
    """Quiver pair and contour variable, before any data is read (the bbox is parsed)."""
    pairs = [pair.id for pair in opened.entry.vectors]
    if p.quiver is not None and p.quiver not in pairs:
        raise InvalidParameters.single(
            "quiver",
            f"'{p.quiver}' is not a vector pair of '{opened.id}'; "
            f"valid: {', '.join(pairs) or 'none (this dataset has no vector pairs)'}",
        )
    box = p.bbox if p.bbox is not None else opened.bbox
    if p.projection != PLATE_CARREE and box is not None:
        projections.view(p.projection, box)  # 400 when the projection shows none of the box
    if p.compares:
        _check_difference(p)
    if p.contour is not None and p.contour not in opened.variables:
        raise InvalidParameters.single(
            "contour",
            f"'{p.contour}' is not a variable of '{opened.id}'; "
            f"valid: {', '.join(opened.variables)}",
        )


def _check_difference(p: MapParams) -> None:
    """A difference map is drawn in plate carrée, without overlays."""
    for name, value in (("projection", p.projection != PLATE_CARREE), ("quiver", p.quiver)):
        if value:
            raise InvalidParameters.single(
                name, "a difference map (compare_*) is drawn in plate-carree without overlays"
            )
    if p.contour:
        raise InvalidParameters.single("contour", "a difference map draws no contours")


def plot_extent(bbox: BBox) -> basemap.Extent:
    """(x0, x1, south, north) with x1 > x0, continuing past 180 for antimeridian boxes."""
    west, south, east, north = bbox
    if (west, east) == (-180.0, 180.0) or east - west >= 360:
        return -180.0, 180.0, south, north
    x0 = normalise_lon(west)
    x0 = -180.0 if x0 == 180.0 else x0
    x1 = normalise_lon(east)
    if x1 <= x0:
        x1 += 360.0
    return x0, x1, south, north


def box_ratio(extent: basemap.Extent) -> float:
    """Height / width of a plate carrée map of the extent, right at its middle latitude."""
    x0, x1, south, north = extent
    return aspect_for(south, north) * (north - south) / (x1 - x0)


def size(opened: OpenDataset, p: MapParams) -> tuple[int, int]:
    """The image size: as asked, a missing side following the box's aspect (no data read)."""
    bbox = p.bbox if p.bbox is not None else opened.bbox
    if bbox is None:
        return canvas_size(p.width, p.height, p.dpi, None)
    if p.compares:
        return panels.canvas(p.width, p.height, p.dpi, box_ratio(plot_extent(bbox)))
    if p.projection != PLATE_CARREE:
        return canvas_size(
            p.width, p.height, p.dpi, projections.shape(projections.view(p.projection, bbox))
        )
    return canvas_size(p.width, p.height, p.dpi, box_ratio(plot_extent(bbox)))


def render(ctx: RenderContext, p: MapParams) -> Figure:
    """Draw the map (runs in a worker)."""
    compared = comparison(ctx, p, (), "map", "box")
    if compared is not None:
        return difference(ctx, p, compared)
    if p.projection != PLATE_CARREE:
        return projected.render(ctx, p)
    opened = ctx.opened
    name, info = choose_variable(opened, p.variable, (), "map")
    bbox = p.bbox if p.bbox is not None else opened.bbox
    if bbox is None:
        raise NoData(f"Dataset '{opened.id}' has no horizontal extent to map.")
    extent = plot_extent(bbox)
    fig = new_figure(p.width, p.height, p.dpi, box_ratio(extent))
    pixels = int(fig.bbox.width * fig.bbox.height)
    result = convert_units(
        map_layers.read_box(ctx, p, name, bbox, max(pixels // 2, 1)), plot_units(p, info)
    )
    field = pick(result.data, name)
    ax = fig.add_subplot()
    mappable = plate_carree_field(ax, ctx, p, info, name, field, bbox, extent)
    colour_bar(fig, mappable, label(info, field, name))
    if p.contour:
        map_layers.contours(ax, ctx, p, bbox, extent[0], pixels)
    if p.quiver:
        map_layers.arrows(ax, ctx, p, bbox, extent[0])
    plate_carree_frame(ax, extent)
    return finish(fig, p, info, name, opened, subtitle(used_in(result), info))


def difference(ctx: RenderContext, p: MapParams, cmp: Comparison) -> Figure:
    """Three maps: A, B (on A's cells) and A − B (runs in a worker)."""
    a, b = cmp.a, cmp.b
    bbox = p.bbox if p.bbox is not None else a.opened.bbox
    if bbox is None:
        raise NoData(f"Dataset '{a.opened.id}' has no horizontal extent to map.")
    extent = plot_extent(bbox)
    width, height = panels.canvas(p.width, p.height, p.dpi, box_ratio(extent))
    arranged = panels.arrangement(box_ratio(extent))
    cells = max(width * height // 6, 1)  # a panel takes about a third of the canvas
    read_a = convert_units(
        query.area(
            a.opened, [a.name], bbox, a.time, p.depth, max_cells=cells, max_values=ctx.max_values
        ),
        cmp.units,
    )
    used_a = used_in(read_a)
    depth_b = used_a["depth"] if isinstance(used_a.get("depth"), float) else p.depth
    read_b = convert_units(
        query.area(
            b.opened, [b.name], bbox, b.time, depth_b, max_cells=cells, max_values=ctx.max_values
        ),
        cmp.units_b,
    )
    field_a = pick(read_a.data, a.name)
    values_b, moved = onto_cells(field_a, pick(read_b.data, b.name))
    field_b = field_a.copy(data=values_b)
    delta = field_a.copy(data=np.asarray(field_a.values, dtype=np.float64) - values_b)
    speed = is_speed(field_a, a.name)
    low, high = colour_range(p, a.info, [_inside(field_a, bbox), _inside(field_b, bbox)], speed)
    style = {"cmap": colormap(p, a.info, speed), "vmin": low, "vmax": high, "zorder": 1}
    bound_low, bound_high = difference_range(p, _inside(delta, bbox))
    fig, axes = panels.figure(width, height, p.dpi, arranged)
    grid = a.info.grid
    shown = []
    for ax, field in zip(axes[:2], (field_a, field_b), strict=True):
        ax.set_facecolor("#f2f2f2")
        shown.append(drawing.draw(ax, grid.drawing(field), extent[0], dict(style)))
    diverging = colormaps.get(DIFFERENCE_CMAP).with_extremes(bad=(0, 0, 0, 0))
    diff_style = {"cmap": diverging, "vmin": bound_low, "vmax": bound_high, "zorder": 1}
    axes[2].set_facecolor("#f2f2f2")
    drawn = drawing.draw(axes[2], grid.drawing(delta), extent[0], diff_style)
    for k, ax in enumerate(axes):
        plate_carree_frame(ax, extent)
        if k < 2 and arranged == "rows":
            ax.tick_params(labelbottom=False)
        if arranged == "columns":  # a third of the width: as many longitudes as fit
            ax.set_xticks(panels.column_ticks(extent[0], extent[1], width, p.dpi))
        if k > 0 and arranged == "columns":
            ax.tick_params(labelleft=False)
    units = label(a.info, field_a, a.name)
    panels.bars(fig, axes, shown[0], drawn, (units, difference_label(field_a, a.info)))
    what_b = subtitle(used_in(read_b), b.info)
    titles = cmp.titles(subtitle(used_a, a.info), what_b, moved)
    return panels.finish(fig, axes, cmp.title(p), titles, cmp.credit())


def plate_carree_field(
    ax: Axes,
    ctx: RenderContext,
    p: MapParams,
    info: VariableInfo,
    name: str,
    field: xr.DataArray,
    bbox: BBox,
    extent: basemap.Extent,
) -> Any:
    """The field on plate carrée axes, coloured by the plot's map and range; the mappable."""
    ax.set_facecolor("#f2f2f2")
    shown = _inside(field, bbox)
    low, high = colour_range(p, info, [shown], is_speed(field, name))
    style = {
        "cmap": colormap(p, info, is_speed(field, name)),
        "vmin": low,
        "vmax": high,
        "zorder": 1,
    }
    return drawing.draw(ax, map_layers.drawing_of(ctx, name, field), extent[0], style)


def plate_carree_frame(ax: Axes, extent: basemap.Extent) -> None:
    """Land, coastlines, the extent at its middle latitude's aspect, a labelled graticule."""
    x0, x1, south, north = extent
    basemap.draw(ax, extent)
    ax.set_xlim(x0, x1)
    ax.set_ylim(south, north)
    ax.set_aspect(aspect_for(south, north), adjustable="box")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(LON_FORMAT)
    ax.yaxis.set_major_formatter(LAT_FORMAT)
    ax.grid(True, linewidth=0.4, color="0.35", alpha=0.5, zorder=3)


def _inside(field: xr.DataArray, bbox: BBox) -> np.ndarray:
    """The field's values at places inside the box: what a fitted scale fits (a curvilinear
    grid's window of rows and columns holds cells outside it)."""
    lon = field["longitude"].broadcast_like(field).transpose(*field.dims).values
    lat = field["latitude"].broadcast_like(field).transpose(*field.dims).values
    west, south, east, north = bbox
    inside = in_lon_range(lon, west, east) & (lat >= south) & (lat <= north)
    values: np.ndarray = np.asarray(field.values)[inside]
    return values


PLOT_TYPE = PlotType(
    name="map",
    summary="Map of a variable over a box",
    description="A variable over a box (default: the whole dataset) at one time and depth, "
    "with land and coastlines (Natural Earth), a labelled graticule and a colour bar. Regular "
    "grids are drawn as an image, curvilinear grids as a mesh of quadrilaterals, UGRID meshes "
    "as their triangles (shaded linearly between nodes, or one colour per face). Optional "
    "arrows of a vector pair (`quiver`) and contours of another variable (`contour`).",
    params=MapParams,
    render=render,
    location="box",
    check=check,
    sizer=size,
)
