"""Horizontal grid adapters, chosen by recognising the latitude/longitude coordinates.

A grid kind is one class with a ``recognize`` constructor. Each adapter knows its coordinates
and footprint; the query engine asks it for cells (nearest cell, cells in a box, points along
a path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import xarray as xr

from catalog.geo import BBox, longitude_extent, typical_spacing

GridKind = Literal["regular", "curvilinear"]


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

    def bbox(self) -> BBox:
        """Footprint of the cell centres in -180..180 longitudes."""
        west, east = longitude_extent(self.lon, spacing=1.5 * typical_spacing(self.lon))
        return _rounded(west, float(np.nanmin(self.lat)), east, float(np.nanmax(self.lat)))


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


Grid = RegularGrid | CurvilinearGrid


def _rounded(west: float, south: float, east: float, north: float) -> BBox:
    # Micro-degrees (about 0.1 m): hides float32 noise such as -17.62499237060547.
    return round(west, 6), round(south, 6), round(east, 6), round(north, 6)


GRID_KINDS: tuple[type[RegularGrid] | type[CurvilinearGrid], ...] = (RegularGrid, CurvilinearGrid)


def recognize_grid(lat: xr.DataArray, lon: xr.DataArray) -> Grid | None:
    """The first grid adapter that recognises these coordinates."""
    for kind in GRID_KINDS:
        grid = kind.recognize(lat, lon)
        if grid is not None:
            return grid
    return None
