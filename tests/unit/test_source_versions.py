"""The version protocol between the API's catalog and a worker's, without pools: the API stamps
and numbers each opening of a source; a worker opens the version a job carries, or refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from catalog.errors import DatasetUnavailable
from catalog.sources import source_stamp
from catalog.store import Catalog
from schemas.catalog import ZarrSource
from tests.conftest import SAMPLES, sample_entries, write_catalog

CELL = {"lon": 330, "lat": 20, "time": "2016-12-01"}


def plain_sample() -> xr.Dataset:
    """The ERSST sample in memory, without its file's encoding (to write it anew)."""
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as raw:
        ds = raw.load()
    for var in ds.variables.values():
        var.encoding = {}
    return ds


def write_shifted(target: Path, add: float, months: int = 0) -> None:
    """The ERSST sample with ``add`` on every sst value and ``months`` more time steps."""
    ds = plain_sample()
    if months:
        last = ds.isel(time=[-1] * months)
        steps = np.arange(1, months + 1) * np.timedelta64(31, "D")
        ds = xr.concat([ds, last.assign_coords(time=last.time.values + steps)], "time")
    ds["sst"] = ds.sst.copy(data=ds.sst.values + add)
    ds.to_netcdf(target)


def replace(target: Path, source: Path) -> None:
    """``mv`` of a new file over the served one: written aside, then renamed (a new inode)."""
    aside = target.with_name(target.name + ".new")
    shutil.copyfile(source, aside)
    aside.replace(target)


def value(catalog: Catalog, **version: object) -> float:
    with catalog.reading("ersst-v5", **version) as opened:  # type: ignore[arg-type]
        return float(opened.ds.sst.sel(**CELL).values)


@pytest.fixture
def served(tmp_path: Path) -> Path:
    """A catalog of the ERSST sample, copied to a file the test replaces."""
    shutil.copyfile(SAMPLES / "sst.mnmean.nc", tmp_path / "sst.nc")
    entry = sample_entries()[0]
    entry["source"] = {"path": "sst.nc"}
    return write_catalog(tmp_path, [entry])


def test_a_replaced_source_is_a_new_generation_that_workers_follow(
    served: Path, tmp_path: Path
) -> None:
    api = Catalog(served, check_seconds=0)
    worker = Catalog(served, check_seconds=None)
    first = api.dataset("ersst-v5").version
    assert first.generation == 1
    assert first.stamp == source_stamp(api.entry("ersst-v5").source, tmp_path)
    original = value(worker, version=first)

    write_shifted(tmp_path / "plus10.nc", add=10, months=1)
    replace(tmp_path / "sst.nc", tmp_path / "plus10.nc")
    assert value(worker) == original  # a worker never checks on its own
    second = api.dataset("ersst-v5")
    assert second.version.generation == 2
    assert second.times().size == 129  # the metadata rebuilt from the new file
    assert value(api) == pytest.approx(original + 10)
    assert value(worker, version=second.version) == pytest.approx(original + 10)

    with pytest.raises(DatasetUnavailable, match="changed while this request"):
        value(worker, version=first)  # a job of the old version: not on disk any more
    assert value(worker, version=second.version) == pytest.approx(original + 10)


def test_a_worker_refuses_a_version_the_disk_no_longer_has(served: Path, tmp_path: Path) -> None:
    api = Catalog(served, check_seconds=3600)  # the API has not looked again yet
    worker = Catalog(served, check_seconds=None)
    seen = api.dataset("ersst-v5").version
    original = value(api)
    write_shifted(tmp_path / "plus1.nc", add=1)
    replace(tmp_path / "sst.nc", tmp_path / "plus1.nc")
    assert value(api) == original  # within the check interval: the old version
    with pytest.raises(DatasetUnavailable) as refused:
        value(worker, version=seen)  # the worker has nothing open: it would open another file
    assert refused.value.extra["retry_after"] == 1


def test_an_opening_replaced_while_read_is_closed_by_its_last_reader(
    served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = Catalog(served, check_seconds=0)
    write_shifted(tmp_path / "plus10.nc", add=10)
    closed: list[bool] = []
    with api.reading("ersst-v5") as old:
        close = old.close
        monkeypatch.setattr(old, "close", lambda: (closed.append(True), close()))
        before = float(old.ds.sst.sel(**CELL).values)
        replace(tmp_path / "sst.nc", tmp_path / "plus10.nc")
        assert value(api) == pytest.approx(before + 10)
        assert not closed  # not under its reader
        assert float(old.ds.sst.sel(**CELL).values) == before
    assert closed == [True]


def test_a_vanished_source_is_unavailable_until_it_is_back(served: Path, tmp_path: Path) -> None:
    api = Catalog(served, check_seconds=0)  # retries after 30 s, and at once on a new stamp
    original = value(api)
    (tmp_path / "sst.nc").rename(tmp_path / "kept.nc")
    with pytest.raises(DatasetUnavailable, match="missing"):
        api.dataset("ersst-v5")
    assert api.unavailable_reason("ersst-v5") == "source file 'sst.nc' is missing"
    (tmp_path / "kept.nc").rename(tmp_path / "sst.nc")
    assert value(api) == original
    assert api.dataset("ersst-v5").version.generation == 2


def test_a_glob_source_gains_the_steps_of_a_new_file(tmp_path: Path) -> None:
    ds = plain_sample()
    ds.sel(time="2010").to_netcdf(tmp_path / "sst-2010.nc")
    entry = sample_entries()[0]
    entry["source"] = {"glob": "sst-*.nc"}
    api = Catalog(write_catalog(tmp_path, [entry]), check_seconds=0)
    assert api.dataset("ersst-v5").times().size == 12
    ds.sel(time="2011").to_netcdf(tmp_path / "sst-2011.nc")
    assert api.dataset("ersst-v5").times().size == 24


def test_a_zarr_store_is_checked_by_its_metadata(tmp_path: Path) -> None:
    ds = plain_sample()
    ds.sel(time="2010").to_zarr(tmp_path / "sst.zarr", zarr_format=2, consolidated=True)
    entry = {**sample_entries()[0], "source": {"zarr": "sst.zarr"}}
    api = Catalog(write_catalog(tmp_path, [entry]), check_seconds=0)
    assert api.dataset("ersst-v5").times().size == 12
    ds.sel(time="2011").to_zarr(tmp_path / "sst.zarr", append_dim="time", consolidated=True)
    opened = api.dataset("ersst-v5")
    assert opened.times().size == 24
    assert opened.version.generation == 2


def test_a_store_given_as_a_url_is_not_checked(tmp_path: Path) -> None:
    assert source_stamp(ZarrSource(zarr="s3://bucket/store.zarr"), tmp_path) is None
