"""The Dask backend: a real distributed.LocalCluster (worker processes on loopback) draws the plots.

The service runs under uvicorn in a thread with OCEANAPI_PLOT__BACKEND=dask; its catalog has
the bundled samples and a Zarr store. The cluster's workers open the catalog themselves. The
scheduler allows no retries (allowed-failures 0), as the README tells operators to configure it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dask
import numpy as np
import pytest
import xarray as xr
from distributed import Client, LocalCluster
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from plotting.backends import DaskCluster, DaskSettings
from plotting.data_runner import DataSettings
from plotting.runner import PlotSettings
from tests.conftest import (
    SAMPLES,
    Gate,
    gridded_entries,
    sample_entries,
    write_catalog,
    write_glorys_zarr,
)
from tests.e2e.live import free_port
from tests.plotting.conftest import LiveServer
from tests.plotting.test_plots import decode
from tests.plotting.test_pool import SLEEP, assert_a_full_queue_refuses, wait_for

D = "/api/v1/datasets"


def local_cluster(workers: int) -> LocalCluster:
    """A Dask cluster on loopback as the README advises one: processes of one thread each, no
    retries (a worker that dies fails its task)."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    local = local_cluster(2)
    yield local
    local.close()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples (absolute paths) and GLORYS again as a Zarr store, id glorys-zarr."""
    folder = tmp_path_factory.mktemp("dask-catalog")
    write_glorys_zarr(folder / "glorys.zarr")
    entries = gridded_entries()
    for entry in entries:
        entry["source"]["path"] = str(SAMPLES / entry["source"]["path"])
    zarr_entry = {**sample_entries()[1], "id": "glorys-zarr", "source": {"zarr": "glorys.zarr"}}
    return write_catalog(folder, [*entries, zarr_entry])


@pytest.fixture
def dask_server(
    cluster: LocalCluster, catalog: Path, live_server: Callable[..., LiveServer]
) -> Callable[..., LiveServer]:
    """Live servers whose plots are drawn on the cluster."""
    dask_settings = DaskSettings(scheduler=cluster.scheduler_address)

    def build(**plot: object) -> LiveServer:
        return live_server(catalog=catalog, dask=dask_settings, backend="dask", **plot)

    return build


def cluster_pids(cluster: LocalCluster) -> dict[str, int]:
    """{worker address: pid} of the workers that answer; one being restarted may not."""
    with Client(cluster.scheduler_address, timeout=30) as client:
        answers = client.run(os.getpid, on_error="return")
        return {worker: pid for worker, pid in answers.items() if isinstance(pid, int)}


def test_plots_are_drawn_by_the_cluster_as_the_local_pool_draws_them(
    dask_server: Callable[..., LiveServer], cluster: LocalCluster, client: TestClient
) -> None:
    server = dask_server()
    assert isinstance(server.runner.backend, DaskCluster)
    assert server.runner.workers == 2  # the cluster's worker threads
    params = {"time": "2016-07-01", "width": 640, "height": 400}
    answer = server.get(f"{D}/ersst-v5/plots/map", params=params)
    assert answer.status_code == 200, answer.text
    image = decode(answer.content)
    assert image.shape == (400, 640, 3) and image.std() > 10
    (entry,) = server.runner._cache.values()
    assert entry.rendered.pid in cluster_pids(cluster).values()  # drawn in a Dask worker
    local = client.get(f"{D}/ersst-v5/plots/map", params=params)  # the local pool's image
    assert np.abs(decode(local.content).astype(int) - image.astype(int)).mean() < 0.5
    metrics = server.get("/metrics").text.splitlines()
    assert "oceanapi_plot_renders_total 1.0" in metrics
    assert "oceanapi_plot_workers 2.0" in metrics
    assert "oceanapi_plot_workers_healthy 2.0" in metrics  # the scheduler's threads
    assert server.get("/ready").json()["pools"][0] == {
        "pool": "plot",
        "backend": "dask",
        "workers": 2,
        "healthy": 2,
        "heartbeat_replacements": 0,
    }


def test_a_zarr_dataset_is_queried_and_plotted_through_the_cluster(
    dask_server: Callable[..., LiveServer],
) -> None:
    server = dask_server()
    point = server.get(
        f"{D}/glorys-zarr/data/point",
        params={"lon": -10, "lat": 55, "variables": "thetao", "depth": "surface"},
    )
    assert point.status_code == 200, point.text
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as raw:
        expected = raw.thetao.sel(longitude=-10, latitude=55, method="nearest").isel(depth=0)
    assert point.json()["variables"]["thetao"]["values"] == pytest.approx(float(expected))
    plot = server.get(f"{D}/glorys-zarr/plots/map", params={"variable": "thetao"})
    assert plot.status_code == 200, plot.text
    assert decode(plot.content).std() > 10
    missing = server.get(f"{D}/glorys-zarr/plots/map", params={"time": "1990-01-01"})
    assert missing.status_code == 400  # a domain error raised on the cluster comes back as is
    assert missing.json()["invalid_params"][0]["name"] == "time"


def test_a_stuck_render_is_cancelled_and_its_worker_restarted(
    dask_server: Callable[..., LiveServer], cluster: LocalCluster
) -> None:
    server = dask_server(timeout=3)
    before = cluster_pids(cluster)
    answer = server.get(SLEEP, params={"seconds": 60, "tag": "stuck"})
    assert answer.status_code == 504
    assert answer.json()["type"] == "/problems/plot-timeout"
    assert server.runner.worker_restarts == 1

    def one_worker_replaced() -> bool:
        after = set(cluster_pids(cluster).values())
        return len(after) == 2 and len(after - set(before.values())) == 1

    wait_for(one_worker_replaced, timeout=60)  # the restart runs after the 504 is sent
    # Both workers draw again (none is still sleeping), for a server with the default time
    # limit: a fresh worker's first probe imports the probes' module, on the clock of 3 s.
    patient = dask_server()
    began = time.monotonic()
    with ThreadPoolExecutor(2) as pool:  # two at once: one on each worker
        answers = [
            pool.submit(patient.get, SLEEP, params={"tag": f"after-{k}", "seconds": 1})
            for k in range(2)
        ]
        assert [a.result().status_code for a in answers] == [200, 200]
    assert time.monotonic() - began < 30


def processing(watcher: Client) -> dict[str, list[str]]:
    """{worker address: keys it is running} for the workers running something."""
    running: dict[str, list[str]] = watcher.processing()
    return {worker: list(keys) for worker, keys in running.items() if keys}


def test_killing_a_dask_worker_mid_render_fails_only_that_request(
    dask_server: Callable[..., LiveServer], cluster: LocalCluster
) -> None:
    server = dask_server()
    with ThreadPoolExecutor(2) as pool, Client(cluster.scheduler_address) as watcher:
        victim = pool.submit(server.get, SLEEP, params={"seconds": 20, "tag": "victim"})
        wait_for(lambda: len(processing(watcher)) == 1, timeout=30)
        (victim_worker,) = processing(watcher)
        neighbour = pool.submit(server.get, SLEEP, params={"seconds": 2, "tag": "neighbour"})
        wait_for(lambda: len(processing(watcher)) == 2, timeout=30)
        os.kill(watcher.run(os.getpid)[victim_worker], signal.SIGKILL)
        answer = victim.result()
        assert answer.status_code == 500, answer.text
        assert answer.json()["type"] == "/problems/plot-failed"
        assert neighbour.result().status_code == 200  # the other worker's render went on
    wait_for(lambda: len(cluster_pids(cluster)) == 2, timeout=60)  # the nanny restarted it
    assert server.get(SLEEP, params={"tag": "after-kill"}).status_code == 200
    assert server.runner.stats.crashes == 1


# `dask scheduler` in a Python where the service's packages cannot be imported.
SCHEDULER_WITHOUT_THE_SERVICE = """
import sys
class Hidden:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"api", "catalog", "plotting", "schemas"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Hidden())
from distributed.cli.dask_scheduler import main
main()
"""


def test_a_scheduler_without_the_service_code_stops_the_start_with_a_clear_message(
    tmp_path: Path, catalog: Path
) -> None:
    """The scheduler unpickles each render task: one that cannot import the service's code (a
    virtualenv without the project) would make every plot a 500, so the service refuses to
    start and says why. This virtualenv has the project, so the scheduler here hides it."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    scheduler = subprocess.Popen(
        [
            *(sys.executable, "-c", SCHEDULER_WITHOUT_THE_SERVICE, "--host", "127.0.0.1"),
            *("--port", str(port), "--dashboard-address", ":0"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        settings = Settings(
            catalog=catalog,
            plot=PlotSettings(backend="dask"),
            dask=DaskSettings(scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=30),
        )
        with pytest.raises(RuntimeError) as failure, TestClient(create_app(settings)):
            pass
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    message = str(failure.value)
    assert "cannot run the service's code" in message and "the scheduler" in message
    assert ".venv/bin/dask scheduler" in message and "requirements.lock" in message


def test_the_dask_backend_needs_a_scheduler_address() -> None:
    with pytest.raises(ValueError, match="OCEANAPI_DASK__SCHEDULER"):
        Settings(plot=PlotSettings(backend="dask"))
    with pytest.raises(ValueError, match="OCEANAPI_DASK__SCHEDULER"):
        Settings(data=DataSettings(backend="dask", spool_dir=Path("/srv/spool")))


def test_large_data_queries_on_dask_need_a_shared_spool_folder() -> None:
    with pytest.raises(ValueError, match="OCEANAPI_DATA__SPOOL_DIR"):
        Settings(data=DataSettings(backend="dask"), dask=DaskSettings(scheduler="tcp://h:8786"))


def test_admission_control_is_the_same_on_the_cluster(
    dask_server: Callable[..., LiveServer], gate: Gate
) -> None:
    server = dask_server(max_pending=2)
    admitted = assert_a_full_queue_refuses(server, gate)
    again = server.get(SLEEP, params=admitted[0])  # the same plot: cached
    assert again.status_code == 200 and again.headers["server-timing"] == 'cache;desc="hit"'


def test_large_data_queries_run_on_the_cluster_and_equal_the_local_answer(
    live_server: Callable[..., LiveServer],
    cluster: LocalCluster,
    catalog: Path,
    client: TestClient,
    tmp_path: Path,
) -> None:
    """OCEANAPI_DATA__BACKEND=dask: a large query is a task on the cluster, whose worker
    writes the answer to the (shared) spool folder; small ones stay in the API process."""
    dask_settings = DaskSettings(scheduler=cluster.scheduler_address)
    server = live_server(
        catalog=catalog,
        dask=dask_settings,
        data={"backend": "dask", "spool_dir": tmp_path},
    )
    assert isinstance(server.data.backend, DaskCluster) and server.data.workers == 2
    params = {
        "bbox": "-180,-88,180,88",
        "datetime": "2016-01-01/2016-12-01",
        "parameter-name": "sst",
        "f": "CSV",
    }
    answer = server.get("/edr/collections/ersst-v5/cube", params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["server-timing"] == 'source;desc="worker"'
    with Client(cluster.scheduler_address) as watcher:  # the task the scheduler ran
        assert "oceanapi-data" in watcher.run_on_scheduler(_task_prefixes)
    local = client.get("/edr/collections/ersst-v5/cube", params=params)
    assert answer.content == local.content  # the cluster's answer is the local pool's
    assert server.data.stats.jobs == 1
    outside = server.get(
        "/edr/collections/ersst-v5/cube", params={**params, "datetime": "1990-01-01/1991-01-01"}
    )
    assert outside.status_code == 400  # a domain error, raised before any task
    assert outside.json()["invalid_params"][0]["name"] == "datetime"
    small = server.get(f"{D}/ersst-v5/data/point", params={"lon": -140, "lat": 0})
    assert small.headers["server-timing"] == 'source;desc="inline"'


def _task_prefixes(dask_scheduler: Any) -> list[str]:
    """The names of the task prefixes the scheduler has seen (run there by run_on_scheduler)."""
    return list(dask_scheduler.task_prefixes)
