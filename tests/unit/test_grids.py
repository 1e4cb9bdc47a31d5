"""Each grid kind against numpy truth: nearest cells, interpolation weights, box membership,
sampling along a path across the antimeridian, and the drawing each grid gives.

Regular and curvilinear grids are the real samples (ERSST, GIOPS); the mesh is a small UGRID
mesh built here around the antimeridian, so that its truth is known exactly.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import xarray as xr

from catalog.geo import lonlat_to_xyz, wrap180
from catalog.grids import (
    CurvilinearGrid,
    MeshGrid,
    OutsideFootprint,
    QuadMesh,
    Raster,
    RegularGrid,
    TriMesh,
    cell_count,
    recognize_grid,
    thin,
)
from catalog.query import sample_path
from tests.conftest import SAMPLES

Floats = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def ersst() -> RegularGrid:
    ds = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    grid = recognize_grid(ds, ds["lat"], ds["lon"])
    assert isinstance(grid, RegularGrid)
    return grid


@pytest.fixture(scope="module")
def giops() -> CurvilinearGrid:
    ds = xr.open_dataset(SAMPLES / "nemo_test.nc").set_coords(["nav_lat", "nav_lon"])
    grid = recognize_grid(ds, ds["nav_lat"], ds["nav_lon"])
    assert isinstance(grid, CurvilinearGrid)
    return grid


def _mesh_dataset() -> xr.Dataset:
    """A 5 x 6 lattice of nodes from 176 E to 174 W (across 180), 10-20 N, split into
    triangles; a linear field ``f = 2 lon' + 3 lat`` on the nodes (lon' east of 170 E, in
    degrees) and the face means of it on the faces."""
    lons = np.array([176.0, 178.0, 180.0, -178.0, -176.0, -174.0])
    lats = np.array([10.0, 12.5, 15.0, 17.5, 20.0])
    node_lon, node_lat = (a.ravel() for a in np.meshgrid(lons, lats))
    nx = lons.size
    triangles = []
    for j in range(lats.size - 1):
        for i in range(nx - 1):
            a, b, c, d = j * nx + i, j * nx + i + 1, (j + 1) * nx + i + 1, (j + 1) * nx + i
            triangles += [[a, b, c], [a, c, d]]
    faces = np.array(triangles, dtype=np.int32)
    east = (node_lon - 170.0) % 360.0
    on_nodes = 2 * east + 3 * node_lat
    return xr.Dataset(
        {
            "mesh": (
                (),
                0,
                {
                    "cf_role": "mesh_topology",
                    "topology_dimension": 2,
                    "node_coordinates": "node_lon node_lat",
                    "face_coordinates": "face_lon face_lat",
                    "face_node_connectivity": "face_nodes",
                    "face_dimension": "nele",
                },
            ),
            "face_nodes": (
                ("nele", "three"),
                faces,
                {"cf_role": "face_node_connectivity", "start_index": 0},
            ),
            "f": ("node", on_nodes, {"mesh": "mesh", "location": "node"}),
            "g": ("nele", on_nodes[faces].mean(axis=1), {"mesh": "mesh", "location": "face"}),
        },
        coords={
            "node_lon": ("node", node_lon, {"standard_name": "longitude"}),
            "node_lat": ("node", node_lat, {"standard_name": "latitude"}),
            "face_lon": (
                "nele",
                wrap180(
                    np.degrees(np.angle(np.exp(1j * np.radians(node_lon[faces])).mean(axis=1)))
                ),
                {"standard_name": "longitude"},
            ),
            "face_lat": ("nele", node_lat[faces].mean(axis=1), {"standard_name": "latitude"}),
        },
    )


@pytest.fixture(scope="module")
def mesh() -> tuple[xr.Dataset, MeshGrid, MeshGrid]:
    ds = _mesh_dataset()
    nodes = recognize_grid(ds, ds["node_lat"], ds["node_lon"])
    faces = recognize_grid(ds, ds["face_lat"], ds["face_lon"])
    assert isinstance(nodes, MeshGrid) and isinstance(faces, MeshGrid)
    return ds, nodes, faces


def _chord(lon: Floats, lat: Floats, lon0: float, lat0: float) -> Floats:
    distances: Floats = np.linalg.norm(
        lonlat_to_xyz(lon, lat) - lonlat_to_xyz(np.array([lon0]), np.array([lat0]))[0], axis=-1
    )
    return distances


# ----------------------------------------------------------------------------- regular


def test_regular_nearest_is_the_closest_latitude_and_longitude(ersst: RegularGrid) -> None:
    for lon, lat in [(-140.3, 0.9), (179.2, -33.1), (0.9, 60.0), (-0.9, -87.5)]:
        stencil = ersst.nearest(lon, lat)
        (j,), (i,) = stencil.cells
        assert j == np.argmin(np.abs(ersst.lat - lat))
        assert i == np.argmin(np.abs(wrap180(ersst.lon - lon)))
        assert stencil.w.tolist() == [1.0]


def test_regular_bilinear_weights_reproduce_a_bilinear_field(ersst: RegularGrid) -> None:
    lon, lat = -140.5, 1.3  # ERSST cells every 2 degrees: between 218/220 E and 0/2 N
    stencil = ersst.linear(lon, lat)
    rows, cols = stencil.cells
    assert stencil.w.sum() == pytest.approx(1.0)
    assert np.all(stencil.w >= 0)
    cell_lon = wrap180(ersst.lon[cols])
    cell_lat = ersst.lat[rows]
    assert sorted(set(cell_lon.tolist())) == [-142.0, -140.0]
    assert sorted(set(cell_lat.tolist())) == [0.0, 2.0]
    field = 1.5 * cell_lon - 0.5 * cell_lat + 0.25 * cell_lon * cell_lat
    assert float(field @ stencil.w) == pytest.approx(1.5 * lon - 0.5 * lat + 0.25 * lon * lat)


def test_regular_box_membership_across_the_antimeridian(ersst: RegularGrid) -> None:
    cells = ersst.box((170.0, -5.0, -170.0, 5.0))
    rows, cols = cells
    lons = wrap180(ersst.lon[cols])
    assert lons.tolist() == [170, 172, 174, 176, 178, -180, -178, -176, -174, -172, -170]
    assert ersst.lat[rows].tolist() == [4.0, 2.0, 0.0, -2.0, -4.0]
    outside = np.setdiff1d(np.arange(ersst.lon.size), cols)
    assert not np.any(np.abs(wrap180(ersst.lon[outside] - 180.0)) <= 10.0)
    assert ersst.inside((170.0, -5.0, -170.0, 5.0), cells) is None
    assert cell_count(cells) == 55
    assert [c.tolist() for c in thin(cells, 2)] == [rows[::2].tolist(), cols[::2].tolist()]


def test_path_across_the_antimeridian_samples_cells_near_180(ersst: RegularGrid) -> None:
    lons, lats, km = sample_path([(170.0, 0.0), (-170.0, 0.0)], 11)
    np.testing.assert_allclose(lons, wrap180(np.linspace(170.0, 190.0, 11)), atol=1e-6)
    np.testing.assert_allclose(lats, 0.0, atol=1e-9)
    assert km[-1] == pytest.approx(2226.4, abs=0.5)  # 20 degrees of the WGS84 equator
    columns = [int(ersst.nearest(lo, la).cells[1][0]) for lo, la in zip(lons, lats, strict=True)]
    assert wrap180(ersst.lon[columns]).tolist() == [
        170,
        172,
        174,
        176,
        178,
        -180,  # 180 E is -180
        -178,
        -176,
        -174,
        -172,
        -170,
    ]


def test_regular_raster_drawing_is_the_answer_as_given(ersst: RegularGrid) -> None:
    field = xr.DataArray(
        np.arange(6.0).reshape(2, 3),
        dims=("latitude", "longitude"),
        coords={"latitude": [2.0, 0.0], "longitude": [178.0, -180.0, -178.0]},
    )
    drawing = ersst.drawing(field)
    assert isinstance(drawing, Raster)
    assert drawing.lon.tolist() == [178.0, -180.0, -178.0]
    np.testing.assert_array_equal(drawing.values, field.values)


# ----------------------------------------------------------------------------- curvilinear


def test_curvilinear_nearest_is_the_closest_centre_on_the_sphere(giops: CurvilinearGrid) -> None:
    for lon, lat in [(-140.0, 10.0), (-150.2, 5.5), (-160.0, 17.0)]:
        (j,), (i,) = giops.nearest(lon, lat).cells
        distances = _chord(giops.lon.ravel(), giops.lat.ravel(), lon, lat)
        assert (j, i) == np.unravel_index(int(np.nanargmin(distances)), giops.shape)


def test_curvilinear_barycentric_weights_locate_the_point(giops: CurvilinearGrid) -> None:
    lon, lat = -150.37, 10.21
    stencil = giops.linear(lon, lat)
    rows, cols = stencil.cells
    assert stencil.w.size == 3
    assert stencil.w.sum() == pytest.approx(1.0)
    assert np.all(stencil.w >= 0)
    # A linear interpolant of the coordinates gives back the point (to the plane's curvature)
    assert float(giops.lon[rows, cols] @ stencil.w) == pytest.approx(lon, abs=0.01)
    assert float(giops.lat[rows, cols] @ stencil.w) == pytest.approx(lat, abs=0.01)


def test_curvilinear_box_and_inside_mask_equal_brute_force(giops: CurvilinearGrid) -> None:
    bbox = (-155.0, 5.0, -145.0, 12.0)
    cells = giops.box(bbox)
    mask = giops.inside(bbox, cells)
    rows, cols = cells
    lat, lon = giops.lat[np.ix_(rows, cols)], giops.lon[np.ix_(rows, cols)]
    truth = (lat >= 5) & (lat <= 12) & (wrap180(lon) >= -155) & (wrap180(lon) <= -145)
    np.testing.assert_array_equal(mask, truth)
    everywhere = (giops.lat >= 5) & (giops.lat <= 12)
    everywhere &= (wrap180(giops.lon) >= -155) & (wrap180(giops.lon) <= -145)
    assert int(truth.sum()) == int(everywhere.sum())  # no inside cell left out of the index box


def test_each_grid_s_own_footprint_holds_every_cell(
    giops: CurvilinearGrid, ersst: RegularGrid
) -> None:
    """The footprint is rounded to micro-degrees outwards: GIOPS's first row lies at
    0.49999365 N, under a south edge rounded to nearest (0.499994), and a map of the whole
    dataset lost it."""
    rows, cols = giops.box(giops.bbox())
    assert (rows.size, cols.size) == giops.lat.shape == (76, 101)
    assert giops.inside(giops.bbox(), (rows, cols)).all()
    lat_cells, lon_cells = ersst.box(ersst.bbox())
    assert (lat_cells.size, lon_cells.size) == (89, 180)


def test_curvilinear_drawing_is_a_quad_mesh(giops: CurvilinearGrid) -> None:
    field = xr.DataArray(
        np.ones((2, 2)),
        dims=("y", "x"),
        coords={
            "latitude": (("y", "x"), [[1.0, 1.0], [2.0, 2.0]]),
            "longitude": (("y", "x"), [[5.0, 6.0], [5.0, 6.0]]),
        },
    )
    drawing = giops.drawing(field)
    assert isinstance(drawing, QuadMesh) and drawing.lon.shape == (2, 2)


def test_outside_the_footprint_is_refused(giops: CurvilinearGrid, ersst: RegularGrid) -> None:
    with pytest.raises(OutsideFootprint):
        giops.nearest(-140.0, 50.0)
    with pytest.raises(OutsideFootprint):
        ersst.nearest(0.0, 89.5)  # ERSST's last row is 88 N


# ----------------------------------------------------------------------------- UGRID mesh


def test_mesh_recognised_on_nodes_and_faces(mesh: tuple[xr.Dataset, MeshGrid, MeshGrid]) -> None:
    ds, nodes, faces = mesh
    assert (nodes.kind, nodes.location, nodes.dims) == ("ugrid", "node", ("node",))
    assert (faces.location, faces.dims) == ("face", ("nele",))
    np.testing.assert_array_equal(nodes.triangles, ds["face_nodes"].values)
    # Across the antimeridian: the footprint's west is greater than its east
    assert nodes.bbox() == (176.0, 10.0, -174.0, 20.0)


def test_mesh_nearest_node_is_the_closest_on_the_sphere(
    mesh: tuple[xr.Dataset, MeshGrid, MeshGrid],
) -> None:
    _, nodes, _ = mesh
    rng = np.random.default_rng(7)
    for lon, lat in zip(rng.uniform(176, 186, 20), rng.uniform(10, 20, 20), strict=True):
        ((k,),) = nodes.nearest(float(wrap180(lon)), float(lat)).cells
        assert k == int(np.argmin(_chord(nodes.node_lon, nodes.node_lat, lon, lat)))


def test_mesh_barycentric_weights_sum_to_one_and_reproduce_a_linear_field(
    mesh: tuple[xr.Dataset, MeshGrid, MeshGrid],
) -> None:
    ds, nodes, faces = mesh
    f = ds["f"].values
    for lon, lat in [(179.3, 13.1), (-177.2, 18.9), (176.5, 10.4), (-174.6, 19.7)]:
        stencil = nodes.linear(lon, lat)
        (cells,) = stencil.cells
        assert stencil.w.size == 3 and stencil.w.sum() == pytest.approx(1.0)
        assert np.all(stencil.w >= 0)
        expected = 2 * ((lon - 170.0) % 360.0) + 3 * lat
        # Linear in the tangent plane, so exact to the curvature of a 2.5-degree triangle
        assert float(f[cells] @ stencil.w) == pytest.approx(expected, abs=0.02)
        # On faces: the face holding the point (its three nodes are the stencil's)
        ((face,),) = faces.linear(lon, lat).cells
        assert sorted(nodes.triangles[face].tolist()) == sorted(cells.tolist())
        assert faces.nearest(lon, lat).cells[0][0] == face


def test_mesh_box_and_located_answer(mesh: tuple[xr.Dataset, MeshGrid, MeshGrid]) -> None:
    ds, nodes, faces = mesh
    bbox = (179.0, 11.0, -177.0, 16.0)
    (chosen,) = nodes.box(bbox)
    lon, lat = wrap180(nodes.node_lon), nodes.node_lat
    truth = np.flatnonzero((lat >= 11) & (lat <= 16) & ((lon >= 179) | (lon <= -177)))
    np.testing.assert_array_equal(chosen, truth)
    assert sorted(set(lon[chosen].tolist())) == [-180.0, -178.0]  # 180 E is -180
    located = nodes.located(ds[["f"]].isel(node=chosen), (chosen,))
    assert located["f"].dims == ("node",)
    np.testing.assert_array_equal(located["node"].values, chosen)
    np.testing.assert_array_equal(located["f"].values, ds["f"].values[chosen])
    np.testing.assert_array_equal(located["longitude"].values, lon[chosen])
    (face_cells,) = faces.box(bbox)
    assert np.all(faces.lat[face_cells] >= 11) and np.all(faces.lat[face_cells] <= 16)


def test_mesh_drawing_keeps_whole_triangles(mesh: tuple[xr.Dataset, MeshGrid, MeshGrid]) -> None:
    ds, nodes, faces = mesh
    (chosen,) = nodes.box((175.0, 10.0, -179.0, 12.5))  # 2 x 3 nodes: 4 triangles
    field = nodes.located(ds[["f"]].isel(node=chosen), (chosen,))["f"]
    drawing = nodes.drawing(field)
    assert isinstance(drawing, TriMesh) and drawing.on == "node"
    assert drawing.triangles.shape == (4, 3)
    np.testing.assert_array_equal(drawing.values, ds["f"].values[chosen])
    (face_cells,) = faces.box((175.0, 10.0, -179.0, 12.5))
    on_faces = faces.drawing(faces.located(ds[["g"]].isel(nele=face_cells), (face_cells,))["g"])
    assert on_faces.on == "face" and on_faces.triangles.shape == (face_cells.size, 3)
    _x, y = on_faces.points()
    np.testing.assert_allclose(y, faces.lat[face_cells])


def test_mesh_outside_the_footprint_is_refused(
    mesh: tuple[xr.Dataset, MeshGrid, MeshGrid],
) -> None:
    _, nodes, faces = mesh
    for grid in (nodes, faces):
        with pytest.raises(OutsideFootprint):
            grid.nearest(0.0, 0.0)
        with pytest.raises(OutsideFootprint):
            grid.linear(160.0, 15.0)


def test_a_mesh_of_quadrilaterals_is_not_recognised() -> None:
    ds = _mesh_dataset()
    quads = np.array([[0, 1, 7, 6], [1, 2, 8, 7]], dtype=np.int32)
    ds = ds.drop_vars(["face_nodes", "g", "face_lon", "face_lat"]).assign(
        face_nodes=(("nele", "four"), quads, {"cf_role": "face_node_connectivity"})
    )
    assert recognize_grid(ds, ds["node_lat"], ds["node_lon"]) is None


def test_stencil_values_are_the_same_read_whole_or_picked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from catalog.query import sampling

    ds = xr.open_dataset(SAMPLES / "nemo_test.nc")
    da = ds["votemper"].isel(time_counter=0)
    rng = np.random.default_rng(3)
    cells = (rng.integers(10, 60, (40, 3)), rng.integers(20, 90, (40, 3)))
    whole = sampling.read_stencils(da, ("y", "x"), cells)
    monkeypatch.setattr(sampling, "HYPERSLAB_MAX", 0)  # every cell picked from the file
    picked = sampling.read_stencils(da, ("y", "x"), cells)
    assert whole.shape == picked.shape == (50, 40, 3)
    np.testing.assert_array_equal(whole, picked)
    truth = da.values[:, cells[0][5, 1], cells[1][5, 1]]
    np.testing.assert_array_equal(whole[:, 5, 1], truth)
