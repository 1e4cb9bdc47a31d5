"""Unstructured triangular meshes, UGRID-1.0 (as FVCOM, SCHISM and ADCIRC write them).

A mesh is named by a variable with ``cf_role = mesh_topology``; its ``node_coordinates`` and
``face_coordinates`` name the longitude and latitude of the nodes and of the faces, and
``face_node_connectivity`` the three nodes of each triangle. A variable is on the mesh when
its horizontal coordinates are the mesh's node coordinates (data on nodes) or its face
coordinates (data on faces). Cells are the nodes or the faces: one grid dimension.

Nearest: the node nearest on the sphere, or the face that holds the point. Linear: barycentric
weights of the three nodes of the triangle holding the point (values on faces are constant
over their face: linear is the holding face). Faces with more than three nodes are not
recognised (triangular meshes only).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
import xarray as xr
from scipy.spatial import cKDTree

from catalog.geo import BBox, in_lon_range, longitude_extent, lonlat_to_xyz, wrap180
from catalog.grids.base import (
    Cells,
    Floats,
    GridKind,
    Index,
    OutsideFootprint,
    Stencil,
    TriMesh,
    rounded,
)

Location = Literal["node", "face"]
_CANDIDATES = 12  # faces whose centroids are nearest, searched for the one holding a point


@dataclass(frozen=True, eq=False)
class MeshGrid:
    """A UGRID-1.0 triangular mesh, seen from the data on its nodes or on its faces."""

    kind: ClassVar[GridKind] = "ugrid"
    lat_name: str
    lon_name: str
    location: Location
    dim: str
    lon: Floats = field(repr=False)
    """Longitude of each cell (-180..180): the nodes', or the faces' as the file gives them."""
    lat: Floats = field(repr=False)
    node_lon: Floats = field(repr=False)
    node_lat: Floats = field(repr=False)
    triangles: Index = field(repr=False)

    @classmethod
    def recognize(cls, ds: xr.Dataset, lat: xr.DataArray, lon: xr.DataArray) -> MeshGrid | None:
        """This grid when the coordinates are a UGRID mesh's node or face coordinates."""
        if lat.ndim != 1 or lat.dims != lon.dims:
            return None
        for topology in ds.variables.values():
            if topology.attrs.get("cf_role") != "mesh_topology":
                continue
            nodes = str(topology.attrs.get("node_coordinates", "")).split()
            faces = str(topology.attrs.get("face_coordinates", "")).split()
            pair = {str(lat.name), str(lon.name)}
            location: Location | None = (
                "node" if pair <= set(nodes) else "face" if pair <= set(faces) else None
            )
            if location is None:
                continue
            triangles = _triangles(ds, topology.attrs)
            if triangles is None:
                return None
            node_lat, node_lon = _lat_lon(ds, nodes)
            return cls(
                lat_name=str(lat.name),
                lon_name=str(lon.name),
                location=location,
                dim=str(lat.dims[0]),
                lon=wrap180(np.asarray(lon.values, dtype=np.float64)),
                lat=np.asarray(lat.values, dtype=np.float64),
                node_lon=node_lon,
                node_lat=node_lat,
                triangles=triangles,
            )
        return None

    @property
    def dims(self) -> tuple[str, ...]:
        """The one dimension of the nodes or faces the data are on."""
        return (self.dim,)

    def bbox(self) -> BBox:
        """Footprint of the cells in -180..180 longitudes."""
        west, east = longitude_extent(self.lon, spacing=1.5 * self._edge_degrees)
        return rounded(west, float(np.min(self.lat)), east, float(np.max(self.lat)))

    def cell_lonlat(self, cell: tuple[int, ...]) -> tuple[float, float]:
        """(lon, lat) of a node or face centroid, longitude in -180..180."""
        (k,) = cell
        return float(self.lon[k]), float(self.lat[k])

    def nearest(self, lon: float, lat: float) -> Stencil:
        """The nearest node; for data on faces, the face holding the point (else the face
        whose centroid is nearest)."""
        if self.location == "face":
            held = self._holding(lon, lat)
            if held is not None:
                return self._one(held[0])
        return self._one(self._nearest_cell(lon, lat))

    def linear(self, lon: float, lat: float) -> Stencil:
        """Barycentric weights of the holding triangle's nodes; on faces, the holding face.
        Outside every triangle (a gap in the mesh, its edge) the nearest cell is used."""
        held = self._holding(lon, lat)
        if held is None:
            return self._one(self._nearest_cell(lon, lat))
        face, weights = held
        if self.location == "face":
            return self._one(face)
        return Stencil((self.triangles[face].astype(np.intp),), weights, (float(wrap180(lon)), lat))

    def _one(self, cell: int) -> Stencil:
        """The stencil of one node or face, at its coordinates."""
        return Stencil.one(cell, at=self.cell_lonlat((cell,)))

    def box(self, bbox: BBox) -> Cells:
        """The nodes or faces (centroids) inside the box, in mesh order."""
        west, south, east, north = bbox
        inside = (self.lat >= south) & (self.lat <= north) & in_lon_range(self.lon, west, east)
        return (np.flatnonzero(inside).astype(np.intp),)

    def inside(self, bbox: BBox, cells: Cells) -> npt.NDArray[np.bool_] | None:
        """All of them: ``box`` chose the cells by their own coordinates."""
        return None

    def located(self, data: xr.Dataset, cells: Cells) -> xr.Dataset:
        """Data on the chosen nodes or faces: dimension ``node`` or ``face`` whose coordinate is
        the mesh's index of each cell, with its longitude (-180..180) and latitude."""
        (index,) = cells
        return data.rename({self.dim: self.location}).assign_coords(
            {
                self.location: (self.location, index, {"long_name": f"mesh {self.location}"}),
                "longitude": (self.location, self.lon[index]),
                "latitude": (self.location, self.lat[index]),
            }
        )

    def drawing(self, field: xr.DataArray) -> TriMesh:
        """The triangles of the located cells: on nodes, those whose three nodes were all
        chosen; on faces, the chosen faces with their nodes."""
        index = np.asarray(field.coords[self.location].values, dtype=np.intp)
        values = np.asarray(field.values, dtype=np.float64)
        if self.location == "node":
            position = np.full(self.node_lon.size, -1, dtype=np.intp)
            position[index] = np.arange(index.size)
            triangles = position[self.triangles]
            triangles = triangles[(triangles >= 0).all(axis=1)]
            nodes = index
        else:
            nodes, flat = np.unique(self.triangles[index], return_inverse=True)
            triangles = flat.reshape(-1, 3).astype(np.intp)
        return TriMesh(
            wrap180(self.node_lon[nodes]),
            self.node_lat[nodes],
            triangles,
            values,
            self.location,
            self.lon[index],
            self.lat[index],
        )

    # ------------------------------------------------------------------------- search

    @cached_property
    def _node_xyz(self) -> Floats:
        return lonlat_to_xyz(self.node_lon, self.node_lat)

    @cached_property
    def _tree(self) -> cKDTree:
        return cKDTree(lonlat_to_xyz(self.lon, self.lat))

    @cached_property
    def _face_tree(self) -> cKDTree:
        lon, lat = _centroids(self.node_lon, self.node_lat, self.triangles)
        return cKDTree(lonlat_to_xyz(lon, lat))

    @cached_property
    def _edge(self) -> float:
        """The median edge length of the triangles, as a chord on the unit sphere."""
        corners = self._node_xyz[self.triangles]
        edges = np.linalg.norm(corners - np.roll(corners, 1, axis=1), axis=-1)
        return float(np.median(edges)) if edges.size else 0.0

    @property
    def _edge_degrees(self) -> float:
        return float(np.degrees(self._edge))

    @cached_property
    def _reach(self) -> float:
        """How far a point may be from its nearest cell: 1.5 typical edges (chord)."""
        return 1.5 * self._edge

    def _nearest_cell(self, lon: float, lat: float) -> int:
        """The cell nearest on the sphere, within 1.5 typical edges (else outside)."""
        distance, found = self._tree.query(_unit_vector(lon, lat))
        if distance > self._reach:
            raise OutsideFootprint
        return int(found)

    def _holding(self, lon: float, lat: float) -> tuple[int, Floats] | None:
        """The face holding the point and the point's barycentric weights of its nodes, found
        among the faces whose centroids are nearest (gnomonic plane at the point)."""
        point = _unit_vector(lon, lat)
        k = min(_CANDIDATES, self.triangles.shape[0])
        _, found = self._face_tree.query(point, k=k)
        faces = np.atleast_1d(found)
        corners = self._node_xyz[self.triangles[faces]]
        east_axis = np.array([-np.sin(np.radians(lon)), np.cos(np.radians(lon)), 0.0])
        north_axis = np.cross(point, east_axis)
        scale = corners @ point
        with np.errstate(divide="ignore", invalid="ignore"):
            x, y = (corners @ east_axis) / scale, (corners @ north_axis) / scale
        weights = _barycentric(x, y)
        holds = np.all(weights >= -1e-9, axis=1) & np.all(scale > 0, axis=1)
        if not holds.any():
            return None
        first = int(np.argmax(holds))
        return int(faces[first]), np.clip(weights[first], 0.0, 1.0)


def _unit_vector(lon: float, lat: float) -> Floats:
    """The point (lon, lat) on the unit sphere."""
    phi, lam = math.radians(lat), math.radians(lon)
    return np.array([math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)])


def _barycentric(x: Floats, y: Floats) -> Floats:
    """Barycentric coordinates of the origin in each triangle (rows of x, y corners)."""
    (x0, x1, x2), (y0, y1, y2) = x.T, y.T
    det = (y1 - y2) * (x0 - x2) + (x2 - x1) * (y0 - y2)
    with np.errstate(divide="ignore", invalid="ignore"):
        b0 = ((y1 - y2) * (0 - x2) + (x2 - x1) * (0 - y2)) / det
        b1 = ((y2 - y0) * (0 - x2) + (x0 - x2) * (0 - y2)) / det
    weights: Floats = np.column_stack([b0, b1, 1 - b0 - b1])
    return np.where(np.isfinite(weights), weights, -1.0)


def _centroids(lon: Floats, lat: Floats, triangles: Index) -> tuple[Floats, Floats]:
    """Each triangle's centroid: the mean of its nodes on the sphere, as lon (-180..180), lat."""
    xyz = lonlat_to_xyz(lon, lat)[triangles].mean(axis=1)
    xyz /= np.linalg.norm(xyz, axis=-1, keepdims=True)
    return np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0])), np.degrees(np.arcsin(xyz[:, 2]))


def _lat_lon(ds: xr.Dataset, names: list[str]) -> tuple[Floats, Floats]:
    """(latitude, longitude) values among the named coordinates, told apart by CF attributes."""
    coords = [ds[n] for n in names if n in ds.variables]
    lat = next(c for c in coords if _is_lat(c))
    lon = next(c for c in coords if c is not lat)
    return np.asarray(lat.values, dtype=np.float64), np.asarray(lon.values, dtype=np.float64)


def _is_lat(coord: xr.DataArray) -> bool:
    units = str(coord.attrs.get("units", ""))
    return coord.attrs.get("standard_name") == "latitude" or units.endswith(("north", "_N"))


def _triangles(ds: xr.Dataset, topology: Mapping[Any, Any]) -> Index | None:
    """Face-node connectivity as 0-based triangles; None when faces are not all triangles."""
    name = topology.get("face_node_connectivity")
    if not name or name not in ds.variables:
        return None
    connectivity = ds[name]
    values = np.asarray(connectivity.values)
    if values.ndim != 2:
        return None
    face_dim = topology.get("face_dimension")
    if face_dim is not None and connectivity.dims[0] != face_dim:
        values = values.T
    if values.shape[1] != 3 or not np.all(np.isfinite(values)):
        return None
    start = int(connectivity.attrs.get("start_index", 0))
    triangles: Index = values.astype(np.intp) - start
    return triangles
