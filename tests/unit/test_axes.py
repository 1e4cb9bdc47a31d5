"""CF axis and grid recognition on the real sample files, checked against xarray."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from catalog.dataset import OpenDataset
from catalog.grids import CurvilinearGrid, RegularGrid
from tests.conftest import SAMPLES, sample_entries

ENTRIES = {e["id"]: e for e in sample_entries()}


def build(dataset_id: str) -> OpenDataset:
    from schemas.catalog import DatasetEntry

    entry = DatasetEntry.model_validate(ENTRIES[dataset_id])
    return OpenDataset.build(entry, xr.open_dataset(SAMPLES / entry.source.path))  # type: ignore[union-attr]


def test_ersst_regular_descending_lat_0_360_lon() -> None:
    opened = build("ersst-v5")
    sst = opened.variable("sst")
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    assert isinstance(sst.grid, RegularGrid)
    assert sst.grid.dims == ("lat", "lon")
    np.testing.assert_array_equal(sst.grid.lat, raw["lat"].values)
    assert sst.grid.lat[0] > sst.grid.lat[-1]  # descending, kept as stored
    assert sst.grid.bbox() == (-180.0, -88.0, 180.0, 88.0)  # 0..358 every 2 deg is global
    assert sst.time is not None and sst.time.dim == "time"
    np.testing.assert_array_equal(sst.time.values, raw["time"].values)
    assert sst.vertical is None
    assert sst.units == "degC"


def test_glorys_scalar_time_and_depth_positive_down() -> None:
    opened = build("glorys")
    raw = xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc")
    thetao = opened.variable("thetao")
    assert thetao.time is not None and thetao.time.dim is None  # a scalar time: one instant
    assert thetao.time.values.tolist() == [raw["time"].values.astype("datetime64[ns]").tolist()]
    assert thetao.vertical is not None and thetao.vertical.dim == "depth"
    np.testing.assert_allclose(thetao.vertical.depths, raw["depth"].values)
    assert opened.variable("zos").vertical is None
    assert thetao.units == "degC"  # 'degrees_C' in the file
    assert opened.variable("so").units == "1e-3"
    assert opened.variable("uo").vector_partner == "vo"


def test_nemo_nav_lat_lon_data_variables_become_curvilinear_grid() -> None:
    opened = build("giops")
    raw = xr.open_dataset(SAMPLES / "nemo_test.nc")
    votemper = opened.variable("votemper")
    assert isinstance(votemper.grid, CurvilinearGrid)
    assert (votemper.grid.lat_name, votemper.grid.lon_name) == ("nav_lat", "nav_lon")
    np.testing.assert_array_equal(votemper.grid.lat, raw["nav_lat"].values)
    assert votemper.vertical is not None and votemper.vertical.dim == "deptht"
    assert votemper.vertical.depths.size == 50
    assert votemper.vertical.depths[0] == pytest.approx(0.494, abs=1e-3)
    assert votemper.time is not None and votemper.time.values.size == 2
    assert votemper.units == "K"  # 'Kelvins' corrected by the catalog
    assert votemper.valid_range == (173.0, 373.0)
    assert list(opened.variables) == ["votemper"]  # nav_lat/nav_lon are coordinates now


def test_wcofs_staggered_grids_each_with_their_own_coordinates() -> None:
    opened = build("wcofs")
    u, v = opened.variable("u_sur"), opened.variable("v_sur")
    assert (u.grid.lat_name, u.grid.lon_name) == ("lat_u", "lon_u")
    assert (v.grid.lat_name, v.grid.lon_name) == ("lat_v", "lon_v")
    assert u.grid.shape == (68, 36) and v.grid.shape == (67, 37)
    assert u.units == v.units == "m s-1"  # 'meter second-1' in the file
    assert u.time is not None and u.time.values.size == 4
    assert set(opened.variables) == {"u_sur", "v_sur"}  # angle and masks hidden by the catalog
    west, south, east, north = u.grid.bbox()
    assert -125.8 < west < east < -123.1 and 43.5 < south < north < 46.1
