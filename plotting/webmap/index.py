"""Index tables: which source cell lights each pixel of a target (nearest neighbour).

A table holds, for each pixel, 1 + the flat index of its cell in the drawing's values (0: no
cell there: off the grid's footprint), so that colouring a warm image is one gather
(``np.take``) from the cells' palette indices with a "no data" entry in front.

- A raster (rectilinear grid): the nearest row by latitude and the nearest column by longitude,
  each within its cell's edges (half-way to the neighbours; a global grid's columns wrap round
  the antimeridian, so no seam at ±180°).
- A quadrilateral mesh (curvilinear grid): the cell centre nearest on the sphere (a KD-tree on
  unit vectors), if the pixel is within that cell (three quarters of the largest step to its
  neighbours): every wet cell larger than a pixel has a pixel whose centre is nearest to it, so
  none is lost.
- A triangle mesh: the face holding the pixel (values on faces), or the nearest node (values
  on nodes) within three quarters of its longest edge.

Tables are built once per (grid, target) and kept in a per-process LRU cache bounded in bytes.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from functools import singledispatch
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from catalog.geo import lonlat_to_xyz, wrap180
from catalog.grids import Drawing
from catalog.grids.base import QuadMesh, Raster, TriMesh
from plotting.drawing import triangulation
from plotting.webmap.targets import Floats, Target, pixel_lonlat

Table = npt.NDArray[np.int32]
CACHE_BYTES = 128 * 2**20


def fingerprint(drawing: Drawing) -> str:
    """A digest of where a drawing's cells are (its kind and coordinates): drawings of the
    same grid share index tables, whatever the variable, time or depth."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(type(drawing).__name__.encode())
    for array in (drawing.lon, drawing.lat):
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    if isinstance(drawing, TriMesh):
        digest.update(drawing.on.encode())
        digest.update(np.ascontiguousarray(drawing.triangles).tobytes())
    return digest.hexdigest()


class TableCache:
    """Index tables by (grid fingerprint, target), least recently used dropped first."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._tables: OrderedDict[tuple[str, Target], Table] = OrderedDict()

    def table(self, drawing: Drawing, grid: str, target: Target) -> Table:
        """The table of ``drawing`` (fingerprint ``grid``) for ``target``, built if missing."""
        key = (grid, target)
        table = self._tables.get(key)
        if table is not None:
            self._tables.move_to_end(key)
            return table
        lon, lat = pixel_lonlat(target)
        table = build(drawing, lon, lat, grid)
        self._tables[key] = table
        self.size += table.nbytes
        while self.size > self.max_bytes and len(self._tables) > 1:
            _, dropped = self._tables.popitem(last=False)
            self.size -= dropped.nbytes
        return table


_PREPARED: OrderedDict[str, Any] = OrderedDict()
PREPARED = 16
"""Grids whose search structures (KD-trees, triangle finders) are kept per process."""


def prepared(grid: str, make: Callable[[], Any]) -> Any:
    """A grid's search structure, made once per process (the last ``PREPARED`` grids kept)."""
    found = _PREPARED.get(grid)
    if found is None:
        found = _PREPARED[grid] = make()
        while len(_PREPARED) > PREPARED:
            _PREPARED.popitem(last=False)
    _PREPARED.move_to_end(grid)
    return found


@singledispatch
def build(drawing: Drawing, lon: Floats, lat: Floats, grid: str) -> Table:
    """The table (height x width) of pixels at column longitudes ``lon``, row latitudes
    ``lat``; ``grid`` is the drawing's fingerprint (its search structures are kept by it)."""
    raise TypeError(f"no index table for {type(drawing).__name__}")


@build.register
def _raster(drawing: Raster, lon: Floats, lat: Floats, grid: str) -> Table:
    rows = _nearest_on_axis(drawing.lat, lat, circular=False)
    cols = _nearest_on_axis(drawing.lon, lon, circular=True)
    ncols = drawing.lon.size
    table = rows[:, None].astype(np.int64) * ncols + cols[None, :] + 1
    table[(rows[:, None] < 0) | (cols[None, :] < 0)] = 0
    return table.astype(np.int32)


def _nearest_on_axis(centres: Floats, at: Floats, circular: bool) -> npt.NDArray[np.int64]:
    """For each of ``at``, the index of the centre whose cell holds it, or -1.

    A cell reaches half-way to its neighbours and, at either end, half its one step. Circular
    (longitudes): centres in any order and convention; when they go all the way round, the
    cells at the two ends meet across the seam."""
    given = wrap180(centres) if circular else np.asarray(centres, dtype=np.float64)
    order = np.argsort(given, kind="stable")
    c = given[order]
    if c.size == 1:
        edges = np.array([c[0] - 0.5, c[0] + 0.5])
    else:
        if circular:
            gaps = np.diff(np.append(c, c[0] + 360.0))
            start = (int(np.argmax(gaps)) + 1) % c.size  # after the largest gap
            order = np.roll(order, -start)
            c = np.roll(c, -start)
            c = c[0] + (c - c[0]) % 360.0  # increasing from the first
        mid = 0.5 * (c[1:] + c[:-1])
        first, last = c[0] - 0.5 * (c[1] - c[0]), c[-1] + 0.5 * (c[-1] - c[-2])
        if circular and (c[0] + 360.0 - c[-1]) <= 1.5 * float(np.median(np.diff(c))):
            seam = 0.5 * (c[-1] + c[0] + 360.0)  # round the world: the end cells meet
            first, last = seam - 360.0, seam
        edges = np.concatenate([[first], mid, [last]])
    x = np.asarray(at, dtype=np.float64)
    if circular:
        x = edges[0] + (x - edges[0]) % 360.0
    k = np.searchsorted(edges, x, side="right") - 1
    inside = (k >= 0) & (k < c.size) & (x <= edges[-1])
    found = np.where(inside, order[np.clip(k, 0, c.size - 1)], -1)
    return found.astype(np.int64)


@build.register
def _quads(drawing: QuadMesh, lon: Floats, lat: Floats, grid: str) -> Table:
    tree, flat, reach = prepared(grid, lambda: _quad_tree(drawing))
    points = lonlat_to_xyz(*np.meshgrid(lon, lat))
    distance, found = tree.query(points.reshape(-1, 3), k=1)
    cell = flat[found]
    ok = distance <= reach[found]
    table = np.where(ok, cell + 1, 0).reshape(lat.size, lon.size)
    return table.astype(np.int32)


def _quad_tree(drawing: QuadMesh) -> tuple[cKDTree, npt.NDArray[np.intp], Floats]:
    """The centres' KD-tree, the flat index of each tree point, and how far from each centre a
    pixel still belongs to it (chord distance)."""
    xyz = lonlat_to_xyz(drawing.lon, drawing.lat)
    steps = np.zeros(drawing.lon.shape)
    for axis in (0, 1):
        step = np.linalg.norm(np.diff(xyz, axis=axis), axis=-1)
        step = np.where(np.isfinite(step), step, 0.0)
        before = [slice(None)] * 2
        after = [slice(None)] * 2
        before[axis] = slice(1, None)
        after[axis] = slice(None, -1)
        steps[tuple(before)] = np.maximum(steps[tuple(before)], step)
        steps[tuple(after)] = np.maximum(steps[tuple(after)], step)
    valid = np.isfinite(xyz).all(axis=-1).ravel()
    flat = np.flatnonzero(valid)
    reach = 0.75 * steps.ravel()[flat]
    return cKDTree(xyz.reshape(-1, 3)[flat]), flat, reach


@build.register
def _triangles(drawing: TriMesh, lon: Floats, lat: Floats, grid: str) -> Table:
    if drawing.on == "node":
        tree, reach = prepared(grid, lambda: _node_tree(drawing))
        points = lonlat_to_xyz(*np.meshgrid(lon, lat)).reshape(-1, 3)
        distance, node = tree.query(points, k=1)
        table = np.where(distance <= reach[node], node + 1, 0).reshape(lat.size, lon.size)
        return table.astype(np.int32)
    x0, finder = prepared(grid, lambda: _face_finder(drawing))
    x = x0 + (np.asarray(lon) - x0) % 360.0
    face = finder(*np.meshgrid(x, lat))
    return np.where(face >= 0, face + 1, 0).astype(np.int32)


def _node_tree(drawing: TriMesh) -> tuple[cKDTree, Floats]:
    """The nodes' KD-tree on the sphere and how far from each node a pixel still takes its
    value: three quarters of its longest edge (a node's value holds half-way to its
    neighbours, and beyond the mesh's edge as far as a cell centre's would); a node of no
    triangle, the median of the others'."""
    xyz = lonlat_to_xyz(drawing.lon, drawing.lat)
    reach = np.zeros(drawing.lon.size)
    for a, b in ((0, 1), (1, 2), (2, 0)):
        ends = drawing.triangles[:, a], drawing.triangles[:, b]
        length = np.linalg.norm(xyz[ends[0]] - xyz[ends[1]], axis=-1)
        for end in ends:
            np.maximum.at(reach, end, length)
    lone = reach == 0  # a node of no triangle: as far as a typical node's
    reach[lone] = float(np.median(reach[~lone])) if (~lone).any() else 0.0
    return cKDTree(xyz), 0.75 * reach


def _face_finder(drawing: TriMesh) -> tuple[float, Any]:
    """Where the mesh's longitudes start (its seam, opposite its middle) and its triangle
    finder in those longitudes."""
    middle = float(np.degrees(np.angle(np.mean(np.exp(1j * np.radians(drawing.lon))))))
    x0 = middle - 180.0
    return x0, triangulation(drawing, x0).get_trifinder()
