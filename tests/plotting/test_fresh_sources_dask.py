"""A replaced source on the Dask backends: the cluster's workers (plots and large data queries)
follow the version each job carries, as local workers do (the same worker code runs there)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import xarray as xr
from distributed import LocalCluster

from plotting.backends import DaskCluster, DaskSettings
from tests.conftest import SAMPLES, sample_entries, write_catalog
from tests.plotting.conftest import LiveServer
from tests.plotting.test_dask import cluster_pids, local_cluster
from tests.unit.test_source_versions import replace, write_shifted

D = "/api/v1/datasets/ersst-v5"
SERIES = {"variables": "sst", "lon": -30, "lat": 20, "start": "2016-01-01", "end": "2016-12-31"}


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    local = local_cluster(1)
    yield local
    local.close()


def series(server: LiveServer) -> list[float]:
    answer = server.get(f"{D}/data/timeseries", params=SERIES)
    assert answer.status_code == 200, answer.text
    assert answer.headers["server-timing"] == 'source;desc="worker"'
    values: list[float] = answer.json()["variables"]["sst"]["values"]
    return values


def from_file(file: Path) -> list[float]:
    with xr.open_dataset(file) as ds:
        cell = ds.sst.sel(lon=330, lat=20, time=slice(SERIES["start"], SERIES["end"]))
        return [float(v) for v in cell.values]


def test_cluster_workers_follow_a_replaced_source(
    live_server: Callable[..., LiveServer],
    cluster: LocalCluster,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "sst.nc"
    shutil.copyfile(SAMPLES / "sst.mnmean.nc", target)
    entry = sample_entries()[0]
    entry["source"] = {"path": str(target)}
    monkeypatch.setenv("OCEANAPI_SOURCE_CHECK_SECONDS", "0")
    server = live_server(
        catalog=write_catalog(tmp_path, [entry]),
        dask=DaskSettings(scheduler=cluster.scheduler_address),
        backend="dask",
        data={"backend": "dask", "spool_dir": tmp_path / "spool", "inline_max_values": 10},
    )
    assert isinstance(server.runner.backend, DaskCluster)
    assert isinstance(server.data.backend, DaskCluster)
    assert series(server) == pytest.approx(from_file(target))
    first = server.get(f"{D}/plots/map", params={"time": "2016-12-01"})
    assert first.status_code == 200, first.text

    write_shifted(tmp_path / "plus10.nc", add=10)
    replace(target, tmp_path / "plus10.nc")
    assert series(server) == pytest.approx(from_file(target))
    assert series(server)[0] == pytest.approx(from_file(SAMPLES / "sst.mnmean.nc")[0] + 10)
    after = server.get(f"{D}/plots/map", params={"time": "2016-12-01"})
    assert after.status_code == 200, after.text
    assert after.headers["etag"] != first.headers["etag"]
    assert server.runner.stats.renders == 2
    drawn_by = [entry.rendered.pid for entry in server.runner._cache.values()]
    assert set(drawn_by) <= set(cluster_pids(cluster).values())
