"""Rectilinear grids: 1-D latitude and longitude on their own dimensions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np
import numpy.typing as npt
import xarray as xr

from catalog.geo import BBox, in_lon_range, longitude_extent, typical_spacing, wrap180
from catalog.grids.base import (
    Cells,
    GridKind,
    OutsideFootprint,
    Raster,
    RowsAndColumns,
    Stencil,
    rounded,
)


@dataclass(frozen=True, eq=False)
class RegularGrid(RowsAndColumns):
    """Rectilinear grid: 1-D latitude and longitude on their own dimensions."""

    kind: ClassVar[GridKind] = "regular"

    @classmethod
    def recognize(cls, ds: xr.Dataset, lat: xr.DataArray, lon: xr.DataArray) -> RegularGrid | None:
        """This grid when latitude and longitude are 1-D on different dimensions."""
        if lat.ndim != 1 or lon.ndim != 1 or lat.dims == lon.dims:
            return None
        return cls.of(lat, lon, str(lat.dims[0]), str(lon.dims[0]))

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
        return rounded(west, float(np.nanmin(self.lat)), east, float(np.nanmax(self.lat)))

    def cell_lonlat(self, cell: tuple[int, ...]) -> tuple[float, float]:
        """(lon, lat) of a cell centre (row, column), longitude in -180..180."""
        j, i = cell
        return float(wrap180(self.lon[i])), float(self.lat[j])

    def nearest(self, lon: float, lat: float) -> Stencil:
        """The cell whose centre is nearest in latitude and in longitude (index arithmetic)."""
        dlat = self.lat - lat
        dlon = wrap180(self.lon - lon)
        j = int(np.argmin(np.abs(dlat)))
        i = int(np.argmin(np.abs(dlon)))
        if abs(dlat[j]) > 0.5 * self._dlat + 1e-9 or abs(dlon[i]) > 0.5 * self._dlon + 1e-9:
            raise OutsideFootprint
        return Stencil.one(j, i, at=self.cell_lonlat((j, i)))

    def linear(self, lon: float, lat: float) -> Stencil:
        """Bilinear weights of the four cells around the point (in degrees of lat and lon)."""
        self.nearest(lon, lat)  # footprint check
        j0, j1, tj = _bracket(self.lat - lat)
        i0, i1, ti = _bracket(wrap180(self.lon - lon))
        return Stencil(
            (np.array([j0, j0, j1, j1]), np.array([i0, i1, i0, i1])),
            np.array([(1 - tj) * (1 - ti), (1 - tj) * ti, tj * (1 - ti), tj * ti]),
            (float(wrap180(lon)), lat),
        )

    def box(self, bbox: BBox) -> Cells:
        """Row and column indices of the cells inside the box, west to east, in grid order."""
        west, south, east, north = bbox
        rows = np.flatnonzero((self.lat >= south) & (self.lat <= north))
        inside = in_lon_range(self.lon, west, east)
        cols = np.flatnonzero(inside)
        order = np.argsort((wrap180(self.lon[cols]) - west) % 360.0, kind="stable")
        return rows, cols[order]

    def inside(self, bbox: BBox, cells: Cells) -> npt.NDArray[np.bool_] | None:
        """Which cells of the index box are inside the geographic box: all (None), as ``box``
        chose rows and columns by their own coordinates."""
        return None

    def located(self, data: xr.Dataset, cells: Cells) -> xr.Dataset:
        """An index box of data (dims y, x of this grid) with its coordinates: 1-D latitude
        and longitude (-180..180) as its dimensions."""
        rows, cols = cells
        y, x = self.dims
        return data.rename({y: "latitude", x: "longitude"}).assign_coords(
            latitude=self.lat[rows], longitude=wrap180(self.lon[cols])
        )

    def drawing(self, field: xr.DataArray) -> Raster:
        """A raster of the cell centres, in the order the answer gives them."""
        return Raster(
            np.asarray(field.coords["longitude"].values, dtype=np.float64),
            np.asarray(field.coords["latitude"].values, dtype=np.float64),
            np.asarray(field.transpose("latitude", "longitude").values, dtype=np.float64),
        )


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
