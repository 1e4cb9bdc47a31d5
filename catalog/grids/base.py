"""What every grid adapter shares: the protocol the engine and the drawing code ask, stencils
(cells and weights making one value), cell sets, drawings, and the footprint error.

A grid has one or two horizontal dimensions (``dims``): two for rectilinear and curvilinear
grids (rows and columns), one for an unstructured mesh (its nodes or faces). Everything the
engine passes around addresses cells by one index array per grid dimension, so no caller needs
to know how many there are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal, Protocol, Self

import numpy as np
import numpy.typing as npt
import xarray as xr

from catalog.geo import BBox

GridKind = Literal["regular", "curvilinear", "ugrid"]
Index = npt.NDArray[np.intp]
Floats = npt.NDArray[np.float64]

Cells = tuple[Index, ...]
"""A set of cells, one index array per grid dimension. On a two-dimensional grid the cells are
an index box: every row of ``cells[0]`` with every column of ``cells[1]``; on a mesh,
``cells[0]`` lists the nodes or faces."""


@dataclass(frozen=True)
class Stencil:
    """Cells and weights that make one value: one cell with weight 1 for nearest.

    ``cells`` holds one index array per grid dimension, all of the stencil's length: cell k is
    ``tuple(c[k] for c in cells)``. ``at`` is where the value it makes belongs, as the grid
    says: (lon, lat) of the cell's centre when it is one cell (nearest, or linear falling back
    to one cell), of the point interpolated to otherwise; longitude in -180..180.
    """

    cells: tuple[Index, ...]
    w: Floats
    at: tuple[float, float]

    @classmethod
    def one(cls, *cell: int, at: tuple[float, float]) -> Stencil:
        """The stencil of a single cell (weight 1) whose centre is ``at``."""
        return cls(tuple(np.array([c], dtype=np.intp) for c in cell), np.array([1.0]), at)


class OutsideFootprint(Exception):
    """The location is outside the grid's footprint."""


# ----------------------------------------------------------------------------- drawings


@dataclass(frozen=True)
class Raster:
    """Values on a lattice of cell centres: ``values[y, x]`` at (``lon[x]``, ``lat[y]``)."""

    lon: Floats
    lat: Floats
    values: Floats


@dataclass(frozen=True)
class QuadMesh:
    """Values at the centres of a curvilinear grid's quadrilateral cells (2-D lon/lat)."""

    lon: Floats
    lat: Floats
    values: Floats


@dataclass(frozen=True)
class TriMesh:
    """Values on a triangular mesh: at its nodes (drawn linearly across each triangle) or on
    its faces (one colour per triangle). ``triangles`` index ``lon``/``lat`` (the nodes);
    ``value_lon``/``value_lat`` say where each value is (the nodes, or the faces' centres)."""

    lon: Floats
    lat: Floats
    triangles: Index
    values: Floats
    on: Literal["node", "face"]
    value_lon: Floats
    value_lat: Floats

    def points(self) -> tuple[Floats, Floats]:
        """Where each value is."""
        return self.value_lon, self.value_lat


Drawing = Raster | QuadMesh | TriMesh


# ----------------------------------------------------------------------------- protocol


class Grid(Protocol):
    """What the query engine and the drawing code ask of a grid, whatever its kind."""

    kind: ClassVar[GridKind]

    @property
    def lat_name(self) -> str:
        """The latitude coordinate's name in the source."""
        ...

    @property
    def lon_name(self) -> str:
        """The longitude coordinate's name in the source."""
        ...

    @property
    def dims(self) -> tuple[str, ...]:
        """The horizontal dimensions, in the order cells are indexed."""
        ...

    def bbox(self) -> BBox:
        """Footprint of the cell centres in -180..180 longitudes."""
        ...

    def cell_lonlat(self, cell: tuple[int, ...]) -> tuple[float, float]:
        """(lon, lat) of a cell centre, longitude in -180..180."""
        ...

    def nearest(self, lon: float, lat: float) -> Stencil:
        """The cell holding the value nearest to the point, ``at`` its centre; OutsideFootprint
        if none is."""
        ...

    def linear(self, lon: float, lat: float) -> Stencil:
        """Cells and weights interpolating linearly at the point, ``at`` the point (or the one
        cell's centre when it falls back to one); OutsideFootprint if out."""
        ...

    def box(self, bbox: BBox) -> Cells:
        """The cells to read for a geographic box (a superset of those inside it)."""
        ...

    def inside(self, bbox: BBox, cells: Cells) -> npt.NDArray[np.bool_] | None:
        """Which of ``cells`` lie inside the box, shaped as the data read; None: all."""
        ...

    def located(self, data: xr.Dataset, cells: Cells) -> xr.Dataset:
        """Data read at ``cells`` (dims: this grid's) with the coordinates an answer carries:
        ``longitude`` (-180..180) and ``latitude`` on dimensions that say where they are."""
        ...

    def drawing(self, field: xr.DataArray) -> Drawing:
        """How to draw a field ``located`` by this grid (its last dims are the cells')."""
        ...


# ----------------------------------------------------------------------------- rows and columns


@dataclass(frozen=True, eq=False)
class RowsAndColumns:
    """What the two-dimensional kinds share: coordinates as stored, on (y, x) dimensions."""

    lat_name: str
    lon_name: str
    lat: Floats = field(repr=False)
    lon: Floats = field(repr=False)
    y_dim: str
    x_dim: str

    @classmethod
    def of(cls, lat: xr.DataArray, lon: xr.DataArray, y_dim: str, x_dim: str) -> Self:
        """The grid of these coordinates, as float64 arrays."""
        return cls(
            lat_name=str(lat.name),
            lon_name=str(lon.name),
            lat=np.asarray(lat.values, dtype=np.float64),
            lon=np.asarray(lon.values, dtype=np.float64),
            y_dim=y_dim,
            x_dim=x_dim,
        )

    @property
    def dims(self) -> tuple[str, str]:
        """(y, x) dimension names."""
        return self.y_dim, self.x_dim


# ----------------------------------------------------------------------------- cell sets


def cell_count(cells: Cells) -> int:
    """How many cells a set holds (rows x columns on a two-dimensional grid)."""
    return math.prod(int(c.size) for c in cells)


def thinned_stride(cells: Cells, stride: int, max_cells: int | None) -> int:
    """The stride an area query takes: ``stride``, or larger until at most ``max_cells``."""
    count = cell_count(cells)
    if max_cells is not None and count > max_cells:
        return max(stride, math.ceil(math.sqrt(count / max_cells)))
    return stride


def thin(cells: Cells, stride: int) -> Cells:
    """Every ``stride``-th cell in each direction: along each dimension of a two-dimensional
    grid, every ``stride``² -th of a mesh's cells (about the same density of cells)."""
    if stride <= 1:
        return cells
    if len(cells) == 1:
        return (cells[0][:: stride * stride],)
    return tuple(c[::stride] for c in cells)


def rounded(west: float, south: float, east: float, north: float) -> BBox:
    """The footprint in micro-degrees (about 0.1 m; hides float32 noise such as
    -17.62499237060547), rounded outwards: a box rounded to the nearest could leave out the
    cells at its own edge (a default map then drew GIOPS without its northern row and WCOFS
    without its westernmost cell)."""

    def out(value: float, up: bool, limit: float) -> float:
        scaled = value * 1e6
        edge = (math.ceil(scaled) if up else math.floor(scaled)) / 1e6
        return min(edge, limit) if up else max(edge, -limit)

    return (
        out(west, False, 180.0),
        out(south, False, 90.0),
        out(east, True, 180.0),
        out(north, True, 90.0),
    )
