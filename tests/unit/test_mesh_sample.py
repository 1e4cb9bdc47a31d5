"""The UGRID-1.0 mesh sample (samples/glorys_mesh.nc) against the two samples it is made from:
every node value is its GLORYS cell's, every face value its nearest ERSST cell's, the
triangles are the grid's quads split as the generator (tools/make_mesh_sample.py) says, and
the generator run again gives the committed file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import netCDF4
import numpy as np
import numpy.typing as npt
import pytest
import xarray as xr

from tests.conftest import SAMPLES
from tools import make_mesh_sample

MESH = SAMPLES / "glorys_mesh.nc"
NODE_VARIABLES = ["thetao", "so", "uo", "vo", "zos"]


@pytest.fixture(scope="module")
def mesh() -> xr.Dataset:
    with xr.open_dataset(MESH) as ds:
        return ds.load()


@pytest.fixture(scope="module")
def glorys() -> xr.Dataset:
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        return ds.load()


@pytest.fixture(scope="module")
def ersst() -> xr.Dataset:
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds:
        return ds.load()


def _faces(mesh: xr.Dataset) -> npt.NDArray[np.int32]:
    return np.asarray(mesh["mesh_face_nodes"].values)


# (a) nodes: GLORYS cells, values and coordinates


def test_nodes_are_the_wet_glorys_cells_row_major(mesh: xr.Dataset, glorys: xr.Dataset) -> None:
    wet_j, wet_i = np.nonzero(np.isfinite(glorys["thetao"].isel(depth=0).values))
    np.testing.assert_array_equal(mesh["node_source_j"].values, wet_j)
    np.testing.assert_array_equal(mesh["node_source_i"].values, wet_i)
    assert mesh.sizes["node"] == 1270


def test_node_coordinates_are_the_glorys_coordinates(mesh: xr.Dataset, glorys: xr.Dataset) -> None:
    j, i = mesh["node_source_j"].values, mesh["node_source_i"].values
    assert mesh["mesh_node_lon"].dtype == np.float64
    np.testing.assert_array_equal(mesh["mesh_node_lon"].values, glorys["longitude"].values[i])
    np.testing.assert_array_equal(mesh["mesh_node_lat"].values, glorys["latitude"].values[j])
    assert mesh["mesh_node_lon"].attrs["units"] == "degrees_east"
    assert mesh["mesh_node_lat"].attrs["standard_name"] == "latitude"


@pytest.mark.parametrize("name", NODE_VARIABLES)
def test_node_values_are_the_glorys_values(mesh: xr.Dataset, glorys: xr.Dataset, name: str) -> None:
    j, i = mesh["node_source_j"].values, mesh["node_source_i"].values
    source = glorys[name]
    on_mesh = mesh[name]
    assert on_mesh.dims == (*source.dims[:-2], "node")
    assert on_mesh.dtype == np.float32
    np.testing.assert_array_equal(on_mesh.values, source.values[..., j, i])  # NaN == NaN
    for key in ("standard_name", "long_name", "units"):
        assert on_mesh.attrs[key] == source.attrs[key]
    assert on_mesh.attrs["location"] == "node"
    assert "2021-06-29" in on_mesh.attrs["comment"]


def test_deeper_levels_keep_land(mesh: xr.Dataset) -> None:
    """Every node is wet at the surface; deeper, the GLORYS land stays NaN."""
    missing = np.isnan(mesh["thetao"].values).sum(axis=1)
    assert missing[0] == 0
    assert list(missing) == sorted(missing)
    assert missing[-1] > 0


def test_depth_is_the_glorys_depth(mesh: xr.Dataset, glorys: xr.Dataset) -> None:
    np.testing.assert_array_equal(mesh["depth"].values, glorys["depth"].values)
    assert mesh["depth"].attrs["positive"] == "down"
    assert mesh["depth"].attrs["units"] == "m"


# (b) faces: the grid's quads split into counter-clockwise triangles


def test_connectivity_in_range(mesh: xr.Dataset) -> None:
    faces = _faces(mesh)
    assert faces.dtype == np.int32
    assert faces.shape == (mesh.sizes["face"], 3) == (2340, 3)
    assert faces.min() >= 0
    assert faces.max() < mesh.sizes["node"]
    assert all(len(set(face)) == 3 for face in faces.tolist())
    assert len({tuple(sorted(face)) for face in faces.tolist()}) == len(faces)


def test_triangles_are_counter_clockwise(mesh: xr.Dataset) -> None:
    x = mesh["mesh_node_lon"].values[_faces(mesh)]
    y = mesh["mesh_node_lat"].values[_faces(mesh)]
    twice_area = (x[:, 1] - x[:, 0]) * (y[:, 2] - y[:, 0]) - (x[:, 2] - x[:, 0]) * (
        y[:, 1] - y[:, 0]
    )
    assert (twice_area > 0).all()


def test_triangles_join_grid_neighbours(mesh: xr.Dataset) -> None:
    j = mesh["node_source_j"].values[_faces(mesh)]
    i = mesh["node_source_i"].values[_faces(mesh)]
    assert (j.max(axis=1) - j.min(axis=1) == 1).all()
    assert (i.max(axis=1) - i.min(axis=1) == 1).all()


def test_triangles_per_quad(mesh: xr.Dataset, glorys: xr.Dataset) -> None:
    """Two triangles on the (j, i)-(j+1, i+1) diagonal where the four corners are wet, one
    where three are, none elsewhere."""
    wet = np.isfinite(glorys["thetao"].isel(depth=0).values)
    j = mesh["node_source_j"].values[_faces(mesh)]
    i = mesh["node_source_i"].values[_faces(mesh)]
    quad_of_face = list(zip(j.min(axis=1).tolist(), i.min(axis=1).tolist(), strict=True))
    per_quad = Counter(quad_of_face)
    for qj in range(wet.shape[0] - 1):
        for qi in range(wet.shape[1] - 1):
            corners = int(wet[qj : qj + 2, qi : qi + 2].sum())
            expected = {4: 2, 3: 1}.get(corners, 0)
            assert per_quad[qj, qi] == expected, (qj, qi, corners)
    for k, (qj, qi) in enumerate(quad_of_face):
        if wet[qj : qj + 2, qi : qi + 2].all():
            cells = set(zip(j[k].tolist(), i[k].tolist(), strict=True))
            assert {(qj, qi), (qj + 1, qi + 1)} <= cells
    assert sum(per_quad.values()) == mesh.sizes["face"]


def test_face_centroids_are_node_means(mesh: xr.Dataset) -> None:
    faces = _faces(mesh)
    for face_name, node_name in (
        ("mesh_face_lon", "mesh_node_lon"),
        ("mesh_face_lat", "mesh_node_lat"),
    ):
        corners = mesh[node_name].values[faces]
        expected = (corners[:, 0] + corners[:, 1] + corners[:, 2]) / 3
        np.testing.assert_allclose(mesh[face_name].values, expected, rtol=0, atol=1e-12)


# (c) sst on faces: the nearest ERSST cell, every month


def test_sst_is_the_ersst_cell_given(mesh: xr.Dataset, ersst: xr.Dataset) -> None:
    j, i = mesh["face_source_j"].values, mesh["face_source_i"].values
    assert mesh["sst"].dims == ("time", "face")
    assert mesh["sst"].dtype == np.float32
    np.testing.assert_array_equal(mesh["sst"].values, ersst["sst"].values[:, j, i])
    np.testing.assert_array_equal(mesh["time"].values, ersst["time"].values)
    assert mesh.sizes["time"] == 128
    assert mesh["sst"].attrs["units"] == ersst["sst"].attrs["units"]
    assert mesh["sst"].attrs["location"] == "face"
    assert np.isnan(mesh["sst"].values).any()  # faces whose nearest ERSST cell is land


def test_sst_cell_is_nearest_to_the_centroid(mesh: xr.Dataset, ersst: xr.Dataset) -> None:
    face_lon = mesh["mesh_face_lon"].values
    face_lat = mesh["mesh_face_lat"].values
    grid_lat = ersst["lat"].values.astype(np.float64)
    grid_lon = ersst["lon"].values.astype(np.float64)
    j, i = mesh["face_source_j"].values, mesh["face_source_i"].values
    lat_gap = np.abs(face_lat[:, None] - grid_lat[None, :])
    np.testing.assert_array_equal(lat_gap[np.arange(j.size), j], lat_gap.min(axis=1))
    turn = np.mod(face_lon[:, None] - grid_lon[None, :], 360.0)
    lon_gap = np.minimum(turn, 360.0 - turn)
    np.testing.assert_array_equal(lon_gap[np.arange(i.size), i], lon_gap.min(axis=1))
    assert (lat_gap[np.arange(j.size), j] <= 1.0).all()
    assert (lon_gap[np.arange(i.size), i] <= 1.0).all()


# (d) the generator gives the committed file


def test_generator_reproduces_the_file(tmp_path: Path, mesh: xr.Dataset) -> None:
    target = tmp_path / "mesh.nc"
    make_mesh_sample.main(target)
    with xr.open_dataset(target) as again:
        xr.testing.assert_identical(again.load(), mesh)


# (e) UGRID-1.0 and CF attributes as written


def test_mesh_topology_is_ugrid(mesh: xr.Dataset) -> None:
    with netCDF4.Dataset(MESH) as nc:
        topology = nc["mesh"]
        assert topology.dtype == np.int32
        assert topology.dimensions == ()
        attrs = {key: topology.getncattr(key) for key in topology.ncattrs()}
        assert attrs.pop("long_name")
        assert attrs == {
            "cf_role": "mesh_topology",
            "topology_dimension": 2,
            "node_coordinates": "mesh_node_lon mesh_node_lat",
            "face_node_connectivity": "mesh_face_nodes",
            "face_coordinates": "mesh_face_lon mesh_face_lat",
            "face_dimension": "face",
        }
        connectivity = nc["mesh_face_nodes"]
        assert connectivity.dimensions == ("face", "max_face_nodes")
        assert nc.dimensions["max_face_nodes"].size == 3
        assert connectivity.cf_role == "face_node_connectivity"
        assert connectivity.start_index == 0
        assert connectivity.long_name
        assert "UGRID-1.0" in nc.Conventions.split()
        for name in NODE_VARIABLES:
            var = nc[name]
            assert (var.mesh, var.location) == ("mesh", "node")
            assert var.coordinates == "mesh_node_lon mesh_node_lat"
            assert np.isnan(var.getncattr("_FillValue"))
        assert (nc["sst"].mesh, nc["sst"].location) == ("mesh", "face")
        assert nc["sst"].coordinates == "mesh_face_lon mesh_face_lat"
        for name in ("node_source_j", "node_source_i", "face_source_j", "face_source_i"):
            assert nc[name].dtype == np.int32
            assert "coordinates" not in nc[name].ncattrs()
        for name in (
            "mesh_face_nodes",
            "mesh_node_lon",
            "mesh_node_lat",
            "mesh_face_lon",
            "mesh_face_lat",
            "depth",
            "time",
        ):
            assert "_FillValue" not in nc[name].ncattrs(), name
        for name in ("mesh_face_lon", "mesh_face_lat", "mesh_node_lon", "mesh_node_lat"):
            assert nc[name].dimensions == (name.split("_")[1],)


def test_sources_are_credited(mesh: xr.Dataset) -> None:
    assert "Copernicus Marine Service" in mesh.attrs["acknowledgement"]
    assert "doi:10.1175/JCLI-D-16-0836.1" in mesh.attrs["acknowledgement"]
    assert "GLORYS_coarse_test_data.nc" in mesh.attrs["source"]
    assert "sst.mnmean.nc" in mesh.attrs["source"]
    assert mesh.attrs["history"] == "python -m tools.make_mesh_sample"
