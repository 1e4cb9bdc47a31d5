"""Curvilinear grids: 2-D latitude and longitude sharing two dimensions (ROMS, NEMO)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

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
from catalog.grids.base import (
    Cells,
    GridKind,
    Index,
    OutsideFootprint,
    QuadMesh,
    RowsAndColumns,
    Stencil,
    rounded,
)


@dataclass(frozen=True, eq=False)
class CurvilinearGrid(RowsAndColumns):
    """Curvilinear grid: 2-D latitude and longitude sharing two dimensions."""

    kind: ClassVar[GridKind] = "curvilinear"

    @classmethod
    def recognize(
        cls, ds: xr.Dataset, lat: xr.DataArray, lon: xr.DataArray
    ) -> CurvilinearGrid | None:
        """This grid when latitude and longitude are 2-D on the same two dimensions."""
        if lat.ndim != 2 or lat.dims != lon.dims:
            return None
        return cls.of(lat, lon, str(lat.dims[0]), str(lat.dims[1]))

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return self.lat.shape[0], self.lat.shape[1]

    def bbox(self) -> BBox:
        """Footprint of the cell centres in -180..180 longitudes."""
        spacing = max(typical_spacing(self.lon, axis=0), typical_spacing(self.lon, axis=1))
        west, east = longitude_extent(self.lon, spacing=1.5 * spacing)
        return rounded(west, float(np.nanmin(self.lat)), east, float(np.nanmax(self.lat)))

    def cell_lonlat(self, cell: tuple[int, ...]) -> tuple[float, float]:
        """(lon, lat) of a cell centre (row, column), longitude in -180..180."""
        j, i = cell
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
        return self._one(int(js[0]), int(is_[0]))

    def _one(self, j: int, i: int) -> Stencil:
        """The stencil of one cell, at its centre."""
        return Stencil.one(j, i, at=self.cell_lonlat((j, i)))

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
        nearest = self._one(int(js[0]), int(is_[0]))
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
        return Stencil((js[vertices], is_[vertices]), weights, (float(wrap180(lon)), lat))

    def box(self, bbox: BBox) -> Cells:
        """Row and column ranges of the index box holding every cell inside the box."""
        west, south, east, north = bbox
        inside = (self.lat >= south) & (self.lat <= north) & in_lon_range(self.lon, west, east)
        rows = np.flatnonzero(inside.any(axis=1))
        cols = np.flatnonzero(inside.any(axis=0))
        if rows.size == 0:
            return rows, cols
        return np.arange(rows[0], rows[-1] + 1), np.arange(cols[0], cols[-1] + 1)

    def inside(self, bbox: BBox, cells: Cells) -> npt.NDArray[np.bool_]:
        """Which cells of the index box are inside the geographic box."""
        rows, cols = cells
        west, south, east, north = bbox
        lat = self.lat[np.ix_(rows, cols)]
        lon = self.lon[np.ix_(rows, cols)]
        mask: npt.NDArray[np.bool_] = (
            (lat >= south) & (lat <= north) & in_lon_range(lon, west, east)
        )
        return mask

    def located(self, data: xr.Dataset, cells: Cells) -> xr.Dataset:
        """An index box of data (dims y, x of this grid) with its coordinates: dims y and x,
        2-D latitude and longitude (-180..180) on them."""
        rows, cols = cells
        y, x = self.dims
        return data.rename({y: "y", x: "x"}).assign_coords(
            latitude=(("y", "x"), self.lat[np.ix_(rows, cols)]),
            longitude=(("y", "x"), wrap180(self.lon[np.ix_(rows, cols)])),
        )

    def drawing(self, field: xr.DataArray) -> QuadMesh:
        """A mesh of quadrilaterals around the cell centres."""
        values = field.transpose("y", "x").values
        return QuadMesh(
            np.asarray(field.coords["longitude"].transpose("y", "x").values, dtype=np.float64),
            np.asarray(field.coords["latitude"].transpose("y", "x").values, dtype=np.float64),
            np.asarray(values, dtype=np.float64),
        )


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
