"""Fields drawn on a map's axes as their grid says to draw them (``catalog.grids`` drawings).

A regular grid gives a ``Raster`` (an image when evenly spaced, else a mesh of rectangles), a
curvilinear grid a ``QuadMesh`` (quadrilaterals around its centres), a UGRID mesh a ``TriMesh``
(its triangles: shaded linearly between nodes, or one colour per face). Longitudes are
unwrapped from the map's west edge ``x0`` so that maps across the antimeridian are continuous.

On a projected map (cartopy ``GeoAxes``) the same drawings are given ``transform``, the CRS of
their longitudes and latitudes: a raster is then always drawn as cells (an image would be
resampled), and its polar rows reach the pole when they are within a cell of it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.tri import Triangulation

from catalog.grids import Drawing, QuadMesh, Raster, TriMesh

Floats = npt.NDArray[np.float64]


def unwrap(lon: npt.ArrayLike, x0: float) -> Floats:
    """Longitudes moved into [x0, x0 + 360)."""
    return (np.asarray(lon, dtype=np.float64) - x0) % 360.0 + x0


def draw(
    ax: Axes, drawing: Drawing, x0: float, style: dict[str, Any], transform: Any = None
) -> Any:
    """The field as colours (``style``: cmap, vmin, vmax, zorder); returns the mappable.

    ``transform``: the CRS of longitude/latitude on a projected (cartopy) axes, else None."""
    if transform is not None:
        style = {**style, "transform": transform}
        if isinstance(drawing, Raster):
            return _cells(ax, drawing, x0, style)
    if isinstance(drawing, Raster):
        return _raster(ax, drawing, x0, style)
    if isinstance(drawing, QuadMesh):
        return _quads(ax, drawing, x0, style)
    return _triangles(ax, drawing, x0, style)


def contour(
    ax: Axes, drawing: Drawing, x0: float, levels: int, transform: Any = None
) -> Any | None:
    """Labelled contour lines of the field (None when there is too little to contour)."""
    style: dict[str, Any] = {"levels": levels, "colors": "k", "linewidths": 0.6, "zorder": 4}
    if transform is not None:
        style["transform"] = transform
    if isinstance(drawing, TriMesh):
        lon, lat = drawing.points()
        values = drawing.values
        if np.isfinite(values).sum() < 4:
            return None
        finite = np.isfinite(values)
        if drawing.on == "node":  # triangles with a node without a value are left out
            mesh = _projected(ax, triangulation(drawing, x0), style.pop("transform", None))
            mesh.set_mask(~finite[drawing.triangles].all(axis=1))
            if mesh.mask is not None and mesh.mask.all():
                return None
            values = np.where(finite, values, 0.0)
        else:  # values at the faces' centres: contoured on their own triangulation
            mesh = Triangulation(unwrap(lon[finite], x0), lat[finite])
            mesh = _projected(ax, mesh, style.pop("transform", None))
            values = values[finite]
        return ax.tricontour(mesh, values, **style)
    x, y, values = _grid(drawing, x0)
    if np.isfinite(values).sum() < 4:
        return None
    return ax.contour(x, y, np.ma.masked_invalid(values), **style)


def points(drawing: Drawing, x0: float) -> tuple[Floats, Floats, Floats]:
    """Every value with its place, flattened: x (unwrapped), y, value."""
    if isinstance(drawing, TriMesh):
        lon, lat = drawing.points()
        return unwrap(lon, x0), lat, drawing.values
    x, y, values = _grid(drawing, x0)
    if x.ndim == 1:
        x, y = np.meshgrid(x, y)
    return x.ravel(), y.ravel(), values.ravel()


def _grid(drawing: Raster | QuadMesh, x0: float) -> tuple[Floats, Floats, Floats]:
    """x (unwrapped from x0), y and values; a raster sorted to increase along both axes, a
    curvilinear grid's longitudes kept continuous across its cells (``continuous``)."""
    if isinstance(drawing, QuadMesh):
        return continuous(drawing.lon, drawing.values, x0), drawing.lat, drawing.values
    x = unwrap(drawing.lon, x0)
    xi, yi = np.argsort(x, kind="stable"), np.argsort(drawing.lat, kind="stable")
    return x[xi], drawing.lat[yi], drawing.values[np.ix_(yi, xi)]


def continuous(lon: Floats, values: Floats, x0: float) -> Floats:
    """A curvilinear grid's longitudes without jumps of 360° between neighbouring cells,
    moved by whole turns so that the cells with values lie in [x0, x0 + 360).

    Unwrapping each centre on its own from x0 splits the grid wherever a centre lies west of
    x0 (a cell just outside the map's box, or one rounded off the dataset's own extent): that
    centre moves 360° east, and the cell corners averaged from it stretch the quadrilaterals
    around it across the whole map, a band of one colour.
    """
    x = np.asarray(lon, dtype=np.float64)
    if x.ndim != 2 or min(x.shape) < 2 or not np.isfinite(x).all():
        return unwrap(x, x0)
    x = np.unwrap(x, period=360.0, axis=1)
    first = np.unwrap(x[:, 0], period=360.0)
    x = x + (first - x[:, 0])[:, None]
    valued = np.isfinite(values)
    anchor = float(x[valued][0] if valued.any() else x[0, 0])
    turns = np.floor((anchor - x0) / 360.0)
    out: Floats = x - 360.0 * turns
    return out


def _raster(ax: Axes, drawing: Raster, x0: float, style: dict[str, Any]) -> Any:
    """An image when both axes are evenly spaced (the fast path), else rectangles; every
    cell drawn its full width, a global grid's edge columns repeated a turn away."""
    x, y, raw = _grid(drawing, x0)
    x, raw = wrap_columns(x, raw)
    values = np.ma.masked_invalid(raw)
    if _even(x) and _even(y):
        dx = (x[-1] - x[0]) / max(x.size - 1, 1) or 1.0
        dy = (y[-1] - y[0]) / max(y.size - 1, 1) or 1.0
        edges = (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)
        return ax.imshow(
            values, extent=edges, origin="lower", interpolation="nearest", aspect="auto", **style
        )
    return ax.pcolormesh(x, y, values, shading="nearest", **style)


def _cells(ax: Axes, drawing: Raster, x0: float, style: dict[str, Any]) -> Any:
    """A raster as a mesh of its cells, for projection: polar rows reach the pole, and a
    column across the seam (``x0``, ``x0`` + 360) is split in two, one half at each side."""
    x, y, raw = _grid(drawing, x0)
    lat = np.clip(_edges(y), -90.0, 90.0)
    if y.size > 1:
        step = abs(y[-1] - y[0]) / (y.size - 1)
        lat[0] = -90.0 if lat[0] - step < -90.0 else lat[0]
        lat[-1] = 90.0 if lat[-1] + step > 90.0 else lat[-1]
    lon = _edges(x)
    if lon[0] < x0:  # the first column's west half, drawn at the east side
        lon, raw = np.append(lon, lon[1] + 360.0), np.hstack([raw, raw[:, :1]])
    elif lon[-1] > x0 + 360.0:  # the last column's east half, drawn at the west side
        lon, raw = np.insert(lon, 0, lon[-2] - 360.0), np.hstack([raw[:, -1:], raw])
    # Exactly at the seam a longitude could be taken for either side: kept a hair inside.
    lon = np.clip(lon, x0 + 1e-6, x0 + 360.0 - 1e-6)
    return ax.pcolormesh(lon, lat, np.ma.masked_invalid(raw), shading="flat", **style)


def _edges(centres: Floats) -> Floats:
    """Cell edges of a sorted axis: midway between centres, the outer ones extrapolated."""
    if centres.size < 2:
        return np.array([centres[0] - 0.5, centres[0] + 0.5]) if centres.size else centres
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]])


def wrap_columns(x: Floats, values: Floats) -> tuple[Floats, Floats]:
    """A raster going all the way round (the gap from its last column to its first, a turn
    on, is one step) with its last column repeated 360° west and its first 360° east.

    Unwrapped from the map's west edge, the cell centred there (180° on a 0..360 grid drawn
    from -180) is drawn once at the west edge, half of it outside the map; the repeats draw
    it again at the east edge, so no column at either edge is left blank.
    """
    if x.size < 3:
        return x, values
    step = float(np.median(np.diff(x)))
    gap = float(x[0] + 360.0 - x[-1])
    if step <= 0 or not (0.5 * step <= gap <= 1.5 * step):
        return x, values
    xs = np.concatenate([x[-1:] - 360.0, x, x[:1] + 360.0])
    return xs, np.concatenate([values[:, -1:], values, values[:, :1]], axis=1)


def _quads(ax: Axes, drawing: QuadMesh, x0: float, style: dict[str, Any]) -> Any:
    x, y, raw = _grid(drawing, x0)
    values = np.ma.masked_invalid(raw)
    if min(x.shape) < 2:
        return ax.pcolormesh(x, y, values, shading="nearest", **style)
    return ax.pcolormesh(corners(x), corners(y), values, shading="flat", **style)


def _triangles(ax: Axes, drawing: TriMesh, x0: float, style: dict[str, Any]) -> Any:
    """Triangles: Gouraud shading between node values (the mesh's linear interpolation), or
    one colour per face. Triangles without a value (a NaN node or face) are left out."""
    style = dict(style)
    mesh = _projected(ax, triangulation(drawing, x0), style.pop("transform", None))
    values = drawing.values
    if drawing.on == "node":
        missing = ~np.isfinite(values)
        mesh.set_mask(missing[drawing.triangles].any(axis=1))
        return ax.tripcolor(mesh, np.where(missing, 0.0, values), shading="gouraud", **style)
    mesh.set_mask(~np.isfinite(values))
    return ax.tripcolor(mesh, facecolors=np.ma.masked_invalid(values), **style)


def triangulation(drawing: TriMesh, x0: float) -> Triangulation:
    """The mesh's triangles; a triangle across the map's seam is shifted whole by 360°."""
    x = unwrap(drawing.lon, x0)
    corners_x = x[drawing.triangles]
    split = corners_x.max(axis=1) - corners_x.min(axis=1) > 180.0
    if not split.any():
        return Triangulation(x, drawing.lat, drawing.triangles)
    # Nodes of split triangles duplicated 360° east, so every triangle is drawn whole.
    extra = np.unique(drawing.triangles[split][corners_x[split] < x0 + 180.0])
    position = np.full(x.size, -1, dtype=np.intp)
    position[extra] = x.size + np.arange(extra.size)
    triangles = drawing.triangles.copy()
    low = split[:, None] & (corners_x < x0 + 180.0)
    triangles[low] = position[triangles[low]]
    return Triangulation(
        np.concatenate([x, x[extra] + 360.0]),
        np.concatenate([drawing.lat, drawing.lat[extra]]),
        triangles,
    )


def _projected(ax: Axes, mesh: Triangulation, transform: Any) -> Triangulation:
    """The triangles with their nodes moved into the axes' data coordinates from
    ``transform``'s (a triangle mesh is drawn with an affine transform only)."""
    if transform is None:
        return mesh
    if hasattr(transform, "_as_mpl_transform"):  # a cartopy CRS
        transform = transform._as_mpl_transform(ax)
    xy = (transform - ax.transData).transform(np.column_stack([mesh.x, mesh.y]))
    projected = Triangulation(xy[:, 0], xy[:, 1], mesh.triangles)
    if mesh.mask is not None:
        projected.set_mask(mesh.mask)
    return projected


def corners(centres: Floats) -> Floats:
    """Cell corners of a curvilinear grid from its centres (edges extrapolated linearly)."""
    rows = np.vstack([2 * centres[:1] - centres[1:2], centres, 2 * centres[-1:] - centres[-2:-1]])
    full = np.hstack([2 * rows[:, :1] - rows[:, 1:2], rows, 2 * rows[:, -1:] - rows[:, -2:-1]])
    out: Floats = 0.25 * (full[:-1, :-1] + full[1:, :-1] + full[:-1, 1:] + full[1:, 1:])
    return out


def _even(axis: Floats) -> bool:
    if axis.size < 3:
        return True
    steps = np.diff(axis)
    return bool(np.allclose(steps, steps.mean(), rtol=1e-3, atol=1e-6))
