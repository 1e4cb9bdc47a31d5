"""Catalog sources beyond one file: a glob combined along time, and a Zarr store read lazily."""

from __future__ import annotations

from pathlib import Path

import dask.array
import numpy as np
import xarray as xr

from catalog.derived import DERIVED
from catalog.store import Catalog
from tests.conftest import SAMPLES, sample_entries, write_catalog, write_glorys_zarr


def test_glob_of_yearly_files_combines_along_time(tmp_path: Path) -> None:
    raw = xr.open_dataset(SAMPLES / "sst.mnmean.nc")
    parts = tmp_path / "ersst"
    parts.mkdir()
    for year, chunk in raw.groupby("time.year"):
        chunk.drop_encoding().to_netcdf(parts / f"sst.{year}.nc")
    entry = sample_entries()[0]
    entry["source"] = {"glob": "ersst/sst.*.nc"}
    catalog = Catalog(write_catalog(tmp_path, [entry]))
    opened = catalog.dataset("ersst-v5")
    np.testing.assert_array_equal(opened.times(), raw.time.values)
    assert isinstance(opened.ds["sst"].data, dask.array.Array)
    sample = opened.ds["sst"].isel(time=77, lat=40, lon=100).values
    assert sample == raw["sst"].isel(time=77, lat=40, lon=100).values
    catalog.close()


def test_zarr_store_opens_lazily_with_chunks(tmp_path: Path) -> None:
    raw = write_glorys_zarr(tmp_path / "glorys.zarr")
    entry = sample_entries()[1]
    entry["source"] = {"zarr": "glorys.zarr"}
    catalog = Catalog(write_catalog(tmp_path, [entry]))
    opened = catalog.dataset("glorys")
    assert set(opened.variables) == {"so", "thetao", "uo", "vo", "zos", *DERIVED}
    thetao = opened.ds["thetao"]
    assert isinstance(thetao.data, dask.array.Array)
    assert thetao.data.chunks[0] == (1,) * 6  # the store's chunks, not one big array
    np.testing.assert_allclose(opened.depths(), raw.depth.values)
    assert float(thetao.isel(depth=2, latitude=10, longitude=10)) == float(
        raw.thetao.isel(depth=2, latitude=10, longitude=10)
    )
    catalog.close()


def test_missing_glob_and_zarr_are_unavailable(tmp_path: Path) -> None:
    first, second = sample_entries()[:2]
    first["source"] = {"glob": "nothing/*.nc"}
    second["source"] = {"zarr": "nothing.zarr"}
    catalog = Catalog(write_catalog(tmp_path, [first, second]))
    catalog.open_all()
    assert catalog.unavailable_reason("ersst-v5") == "no file matches 'nothing/*.nc'"
    assert catalog.unavailable_reason("glorys") == "Zarr store 'nothing.zarr' is missing"


def test_zarr_store_by_fsspec_url(tmp_path: Path) -> None:
    """A URL source goes through fsspec (file:// here; s3:// and gs:// the same way)."""
    store = tmp_path / "elsewhere" / "glorys.zarr"
    raw = write_glorys_zarr(store)
    entry = sample_entries()[1]
    entry["source"] = {"zarr": store.as_uri(), "storage_options": {"auto_mkdir": False}}
    catalog = Catalog(write_catalog(tmp_path, [entry]))
    opened = catalog.dataset("glorys")
    assert isinstance(opened.ds["so"].data, dask.array.Array)
    assert float(opened.ds["so"].isel(depth=3, latitude=20, longitude=5)) == float(
        raw.so.isel(depth=3, latitude=20, longitude=5)
    )
    catalog.close()
