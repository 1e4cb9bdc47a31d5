"""Horizontal grid adapters, chosen by recognising the latitude/longitude coordinates.

A grid kind is one class with a ``recognize`` constructor. Each adapter knows its coordinates
and footprint, and answers the query engine's questions: the nearest cell, the cells and
weights for linear interpolation, and the cells inside a box.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import xarray as xr
from scipy.spatial import Delaunay, QhullError, cKDTree

from catalog.geo import (
    BBox,
    in_lon_range,
    longitude_extent,
    lonlat_to_xyz,
    typical_spacing,
    wrap180,
)

GridKind = Literal["regular", "curvilinear"]
Index = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Stencil:
    """Cells and weights that make one value: one cell with weight 1 for nearest."""

    j: Index
    i: Index
    w: npt.NDArray[np.float64]


class OutsideFootprint(Exception):
    """The location is outside the grid's footprint."""


@dataclass(frozen=True, eq=False)
class RegularGrid:
    """Rectilinear grid: 1-D latitude and longitude on their own dimensions."""

    kind: ClassVar[GridKind] = "regular"
    lat_name: str
    lon_name: str
    lat: npt.NDArray[np.float64] = field(repr=False)
    lon: npt.NDArray[np.float64] = field(repr=False)
    y_dim: str
    x_dim: str

    @classmethod
    def recognize(cls, lat: xr.DataArray, lon: xr.DataArray) -> RegularGrid | None:
        """This grid when latitude and longitude are 1-D on different dimensions."""
        if lat.ndim != 1 or lon.ndim != 1 or lat.dims == lon.dims:
            return None
        return cls(
            lat_name=str(lat.name),
            lon_name=str(lon.name),
            lat=np.asarray(lat.values, dtype=np.float64),
            lon=np.asarray(lon.values, dtype=np.float64),
            y_dim=str(lat.dims[0]),
            x_dim=str(lon.dims[0]),
        )

    @property
    def dims(self) -> tuple[str, str]:
        """(y, x) dimension names."""
        return self.y_dim, self.x_dim

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return self.lat.size, self.lon.size

    @cached_property
    def _dlat(self) -> float:
        return float(np.median(np.abs(np.diff(self.lat)))) if self.lat.size > 1 else 1.0

    @cached_property
    def _dlon(self) -> float:
        return typical_spacing(self.lon) or 1.0

    def bbox(self) -> BBox:
        """Footprint of the cell centres in -180..180 longitudes."""
        west, east = longitude_extent(self.lon, spacing=1.5 * self._dlon)
        return _rounded(west, float(np.nanmin(self.lat)), east, float(np.nanmax(self.lat)))

    def cell_lonlat(self, j: int, i: int) -> tuple[float, float]:
        """(lon, lat) of a cell centre, longitude in -180..180."""
        return float(wrap180(self.lon[i])), float(self.lat[j])

    def nearest(self, lon: float, lat: float) -> Stencil:
        """The cell whose centre is nearest in latitude and in longitude (index arithmetic)."""
        dlat = self.lat - lat
        dlon = wrap180(self.lon - lon)
        j = int(np.argmin(np.abs(dlat)))
        i = int(np.argmin(np.abs(dlon)))
        if abs(dlat[j]) > 0.5 * self._dlat + 1e-9 or abs(dlon[i]) > 0.5 * self._dlon + 1e-9:
            raise OutsideFootprint
        return Stencil(np.array([j]), np.array([i]), np.array([1.0]))

    def linear(self, lon: float, lat: float) -> Stencil:
        """Bilinear weights of the four cells around the point (in degrees of lat and lon)."""
        self.nearest(lon, lat)  # footprint check
        j0, j1, tj = _bracket(self.lat - lat)
        i0, i1, ti = _bracket(wrap180(self.lon - lon))
        return Stencil(
            np.array([j0, j0, j1, j1]),
            np.array([i0, i1, i0, i1]),
            np.array([(1 - tj) * (1 - ti), (1 - tj) * ti, tj * (1 - ti), tj * ti]),
        )

    def box(self, bbox: BBox) -> tuple[Index, Index]:
        """Row and column indices of the cells inside the box, west to east, in grid order."""
        west, south, east, north = bbox
        rows = np.flatnonzero((self.lat >= south) & (self.lat <= north))
        inside = in_lon_range(self.lon, west, east)
        cols = np.flatnonzero(inside)
        order = np.argsort((wrap180(self.lon[cols]) - west) % 360.0, kind="stable")
        return rows, cols[order]

    def inside(self, bbox: BBox, rows: Index, cols: Index) -> npt.NDArray[np.bool_] | None:
        """Which cells of the index box are inside the geographic box: all (None), as ``box``
        chose rows and columns by their own coordinates."""
        return None

    def located(self, data: xr.Dataset, rows: Index, cols: Index) -> xr.Dataset:
        """An index box of data (dims y, x of this grid) with its coordinates: 1-D latitude
        and longitude (-180..180) as its dimensions."""
        y, x = self.dims
        return data.rename({y: "latitude", x: "longitude"}).assign_coords(
            latitude=self.lat[rows], longitude=wrap180(self.lon[cols])
        )


@dataclass(frozen=True, eq=False)
class CurvilinearGrid:
    """Curvilinear grid: 2-D latitude and longitude sharing two dimensions."""

    kind: ClassVar[GridKind] = "curvilinear"
    lat_name: str
    lon_name: str
    lat: npt.NDArray[np.float64] = field(repr=False)
    lon: npt.NDArray[np.float64] = field(repr=False)
    y_dim: str
    x_dim: str

    @classmethod
    def recognize(cls, lat: xr.DataArray, lon: xr.DataArray) -> CurvilinearGrid | None:
        """This grid when latitude and longitude are 2-D on the same two dimensions."""
        if lat.ndim != 2 or lat.dims != lon.dims:
            return None
        return cls(
            lat_name=str(lat.name),
            lon_name=str(lon.name),
            lat=np.asarray(lat.values, dtype=np.float64),
            lon=np.asarray(lon.values, dtype=np.float64),
            y_dim=str(lat.dims[0]),
            x_dim=str(lat.dims[1]),
        )

    @property
    def dims(self) -> tuple[str, str]:
        """(y, x) dimension names."""
        return self.y_dim, self.x_dim

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return self.lat.shape[0], self.lat.shape[1]

    def bbox(self) -> BBox:
        """Footprint of the cell centres in -180..180 longitudes."""
        spacing = max(typical_spacing(self.lon, axis=0), typical_spacing(self.lon, axis=1))
        west, east = longitude_extent(self.lon, spacing=1.5 * spacing)
        return _rounded(west, float(np.nanmin(self.lat)), east, float(np.nanmax(self.lat)))

    def cell_lonlat(self, j: int, i: int) -> tuple[float, float]:
        """(lon, lat) of a cell centre, longitude in -180..180."""
        return float(wrap180(self.lon[j, i])), float(self.lat[j, i])

    @cached_property
    def _tree(self) -> tuple[cKDTree, npt.NDArray[np.intp], float]:
        """KD-tree of the cell centres on the unit sphere, built once per grid.

        Returns the tree, the flat index of each tree point, and the largest chord distance at
        which a point still belongs to the footprint (1.5 times the typical cell diagonal).
        """
        valid = np.isfinite(self.lat) & np.isfinite(self.lon)
        flat = np.flatnonzero(valid.ravel())
        xyz = lonlat_to_xyz(self.lon.ravel()[flat], self.lat.ravel()[flat])
        grid_xyz = lonlat_to_xyz(self.lon, self.lat)
        steps = [np.linalg.norm(np.diff(grid_xyz, axis=axis), axis=-1) for axis in (0, 1)]
        cell = float(np.hypot(float(np.nanmedian(steps[0])), float(np.nanmedian(steps[1]))))
        return cKDTree(xyz), flat, 1.5 * cell

    def nearest(self, lon: float, lat: float) -> Stencil:
        """The cell nearest on the sphere (KD-tree on 3-D unit vectors)."""
        js, is_ = self._nearest_cells(lon, lat, 1)
        return Stencil(js, is_, np.array([1.0]))

    def _nearest_cells(self, lon: float, lat: float, k: int) -> tuple[Index, Index]:
        """Rows and columns of the ``k`` nearest centres, nearest first (one tree query)."""
        tree, flat, limit = self._tree
        distances, found = tree.query(
            lonlat_to_xyz(np.array([lon]), np.array([lat]))[0], k=min(k, tree.n)
        )
        if np.atleast_1d(distances)[0] > limit:
            raise OutsideFootprint
        js, is_ = np.unravel_index(flat[np.atleast_1d(found)], self.shape)
        return js.astype(np.intp), is_.astype(np.intp)

    def linear(self, lon: float, lat: float) -> Stencil:
        """Barycentric weights in the triangle of surrounding cell centres.

        The 12 nearest centres are projected onto the plane tangent to the sphere at the point
        and triangulated (Delaunay); the point's barycentric coordinates in its triangle are the
        weights, so the interpolant is linear in the tangent plane. Outside every triangle (at
        the edge of the grid) the nearest cell is used.
        """
        js, is_ = self._nearest_cells(lon, lat, 12)
        nearest = Stencil(js[:1], is_[:1], np.array([1.0]))
        east, north = _tangent_plane(lon, lat, self.lon[js, is_], self.lat[js, is_])
        try:
            triangulation = Delaunay(np.column_stack([east, north]))
        except QhullError:
            return nearest
        simplex = int(triangulation.find_simplex(np.zeros(2)))
        if simplex < 0:
            return nearest
        transform = triangulation.transform[simplex]
        b = transform[:2] @ (np.zeros(2) - transform[2])
        weights = np.append(b, 1 - b.sum())
        vertices = triangulation.simplices[simplex]
        return Stencil(js[vertices], is_[vertices], weights)

    def box(self, bbox: BBox) -> tuple[Index, Index]:
        """Row and column ranges of the index box holding every cell inside the box."""
        west, south, east, north = bbox
        inside = (self.lat >= south) & (self.lat <= north) & in_lon_range(self.lon, west, east)
        rows = np.flatnonzero(inside.any(axis=1))
        cols = np.flatnonzero(inside.any(axis=0))
        if rows.size == 0:
            return rows, cols
        return np.arange(rows[0], rows[-1] + 1), np.arange(cols[0], cols[-1] + 1)

    def inside(self, bbox: BBox, rows: Index, cols: Index) -> npt.NDArray[np.bool_]:
        """Which cells of the index box are inside the geographic box."""
        west, south, east, north = bbox
        lat = self.lat[np.ix_(rows, cols)]
        lon = self.lon[np.ix_(rows, cols)]
        mask: npt.NDArray[np.bool_] = (
            (lat >= south) & (lat <= north) & in_lon_range(lon, west, east)
        )
        return mask

    def located(self, data: xr.Dataset, rows: Index, cols: Index) -> xr.Dataset:
        """An index box of data (dims y, x of this grid) with its coordinates: dims y and x,
        2-D latitude and longitude (-180..180) on them."""
        y, x = self.dims
        return data.rename({y: "y", x: "x"}).assign_coords(
            latitude=(("y", "x"), self.lat[np.ix_(rows, cols)]),
            longitude=(("y", "x"), wrap180(self.lon[np.ix_(rows, cols)])),
        )


Grid = RegularGrid | CurvilinearGrid

GRID_KINDS: tuple[type[RegularGrid] | type[CurvilinearGrid], ...] = (RegularGrid, CurvilinearGrid)


def recognize_grid(lat: xr.DataArray, lon: xr.DataArray) -> Grid | None:
    """The first grid adapter that recognises these coordinates."""
    for kind in GRID_KINDS:
        grid = kind.recognize(lat, lon)
        if grid is not None:
            return grid
    return None


def _rounded(west: float, south: float, east: float, north: float) -> BBox:
    # Micro-degrees (about 0.1 m): hides float32 noise such as -17.62499237060547.
    return round(west, 6), round(south, 6), round(east, 6), round(north, 6)


def _bracket(delta: npt.NDArray[np.float64]) -> tuple[int, int, float]:
    """Neighbours below and above zero in ``delta`` (coordinate minus target) and the fraction.

    Works for ascending and descending coordinates; at an edge both neighbours are the edge.
    """
    below = np.flatnonzero(delta <= 0)
    above = np.flatnonzero(delta >= 0)
    if below.size == 0 or above.size == 0:
        edge = int(np.argmin(np.abs(delta)))
        return edge, edge, 0.0
    lo = int(below[np.argmax(delta[below])])
    hi = int(above[np.argmin(delta[above])])
    span = delta[hi] - delta[lo]
    return lo, hi, float(-delta[lo] / span) if span > 0 else 0.0


def _tangent_plane(
    lon0: float, lat0: float, lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Gnomonic (east, north) coordinates of points on the plane tangent at (lon0, lat0)."""
    p0 = lonlat_to_xyz(np.array([lon0]), np.array([lat0]))[0]
    east_axis = np.array([-np.sin(np.radians(lon0)), np.cos(np.radians(lon0)), 0.0])
    north_axis = np.cross(p0, east_axis)
    points = lonlat_to_xyz(lon, lat)
    scale = points @ p0
    return (points @ east_axis) / scale, (points @ north_axis) / scale
