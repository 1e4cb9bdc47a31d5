"""Where a stencil says its value belongs (``Stencil.at``), on every grid kind: the centre of
the one cell it reads (nearest, or linear falling back to one cell at the edge of a
curvilinear grid or on a mesh's faces), else the point interpolated to. Cell centres are read
from the sample files with xarray, not from the grid."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from catalog.dataset import OpenDataset
from catalog.grids import Grid, Stencil
from schemas.catalog import DatasetEntry
from tests.conftest import SAMPLES, sample_entries

ENTRIES = {e["id"]: e for e in sample_entries()}


def grid_of(dataset: str, variable: str) -> tuple[Grid, xr.Dataset]:
    entry = DatasetEntry.model_validate(ENTRIES[dataset])
    raw = xr.open_dataset(SAMPLES / entry.source.path)  # type: ignore[union-attr]
    return OpenDataset.build(entry, raw).variable(variable).grid, raw


def centre(raw: xr.Dataset, lon_name: str, lat_name: str, stencil: Stencil) -> tuple[float, float]:
    """The file's coordinates of the stencil's one cell, longitude in -180..180."""
    cell = tuple(int(c[0]) for c in stencil.cells)
    lon = float(raw[lon_name].values[cell])
    return (lon + 180.0) % 360.0 - 180.0, float(raw[lat_name].values[cell])


CASES = [  # dataset, variable, lon and lat names in the file, places (one at the edge)
    ("ersst-v5", "sst", "lon", "lat", [(-140.3, 0.7), (179.5, -87.5)]),
    ("giops", "votemper", "nav_lon", "nav_lat", [(-150.37, 10.21)]),
    ("glorys-mesh", "thetao", "mesh_node_lon", "mesh_node_lat", [(-12.3, 50.4)]),
    ("glorys-mesh", "sst", "mesh_face_lon", "mesh_face_lat", [(-12.3, 50.4)]),
]


@pytest.mark.parametrize(("dataset", "variable", "lon_name", "lat_name", "places"), CASES)
def test_nearest_is_at_the_cells_centre(
    dataset: str, variable: str, lon_name: str, lat_name: str, places: list[tuple[float, float]]
) -> None:
    grid, raw = grid_of(dataset, variable)
    for lon, lat in places:
        stencil = grid.nearest(lon, lat)
        if raw[lon_name].ndim == 1 and raw[lat_name].ndim == 1 and grid.kind == "regular":
            j, i = (int(c[0]) for c in stencil.cells)
            expected = ((float(raw.lon[i]) + 180) % 360 - 180, float(raw.lat[j]))
        else:
            expected = centre(raw, lon_name, lat_name, stencil)
        assert stencil.at == pytest.approx(expected)


@pytest.mark.parametrize(("dataset", "variable", "lon_name", "lat_name", "places"), CASES)
def test_linear_is_at_the_point_or_its_one_cell(
    dataset: str, variable: str, lon_name: str, lat_name: str, places: list[tuple[float, float]]
) -> None:
    grid, _ = grid_of(dataset, variable)
    for lon, lat in places:
        stencil = grid.linear(lon, lat)
        if stencil.w.size > 1:
            assert stencil.at == pytest.approx((lon, lat))
        else:
            assert stencil.at == pytest.approx(grid.nearest(lon, lat).at)


def test_linear_beyond_the_last_centres_of_a_curvilinear_grid_is_its_edge_cell() -> None:
    grid, raw = grid_of("giops", "votemper")
    lon, lat = raw.nav_lon.values, raw.nav_lat.values
    # Just outside the corner cell, away from the grid: no triangle of centres holds it.
    x = float(lon[0, 0] - 0.3 * (lon[0, 1] - lon[0, 0]))
    y = float(lat[0, 0] - 0.3 * (lat[1, 0] - lat[0, 0]))
    stencil = grid.linear(x, y)
    assert stencil.w.size == 1
    assert stencil.at == pytest.approx((float(lon[0, 0]), float(lat[0, 0])))
    assert np.isfinite(stencil.at).all()
