"""The data runner's promises, through real HTTP (uvicorn on loopback), the real data pool and
the sample files.

Large queries are held in their worker by stopping it (SIGSTOP) once pebble has handed it the
job: a state the test observes at leisure, then resumes (SIGCONT). Nothing here times anything.
"""

from __future__ import annotations

import inspect
import io
import os
import shutil
import signal
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
import xarray as xr
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.edr import queries as edr_queries
from api.v1 import data, matchups, observations
from tests.conftest import SAMPLES, Gate
from tests.plotting.conftest import LiveServer
from tests.plotting.test_plots import decode
from tests.plotting.test_pool import SLEEP, wait_for

CUBE = "/edr/collections/ersst-v5/cube"
MONTHS = 12
CELLS = 180 * 89  # ERSST's 2-degree global grid


def heavy(tag: int = 0, f: str = "CSV") -> dict[str, str]:
    """An ERSST cube of a year (192,240 values): well above the inline threshold."""
    year = 2010 + tag
    return {
        "bbox": "-180,-88,180,88",
        "datetime": f"{year}-01-01/{year}-12-01",
        "parameter-name": "sst",
        "f": f,
    }


def data_started(server: LiveServer) -> int:
    """Data jobs a worker has taken and is running (pebble's view)."""
    pool = server.data.backend._pool  # type: ignore[attr-defined]
    tasks = tuple(pool._pool_manager.task_manager.tasks.values()) if pool else ()
    return sum(task.started for task in tasks)


def hold_in_workers(server: LiveServer, running: int, stopped: list[int]) -> list[int]:
    """Wait until ``running`` jobs run in workers, then stop those workers."""
    wait_for(lambda: server.data.running == running and data_started(server) == running)
    pids = server.data.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
        stopped.append(pid)
    return pids


def resume(pids: list[int]) -> None:
    for pid in pids:
        os.kill(pid, signal.SIGCONT)


def assert_year_of_sst(text: str, year: int = 2010) -> None:
    """A year of the ERSST cube as CSV: every cell and month, values as xarray reads them."""
    table = pd.read_csv(io.StringIO(text))
    assert len(table) == MONTHS * CELLS
    row = table[
        (table["latitude [degrees_north]"] == 0) & (table["longitude [degrees_east]"] == -140)
    ]
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as raw:
        expected = raw.sst.sel(time=f"{year}-07-01", lat=0, lon=220).item()
    july = row[row["time"] == f"{year}-07-01T00:00:00Z"]
    assert float(july["sst [degC]"].iloc[0]) == pytest.approx(expected, rel=1e-6)


def test_metadata_and_small_queries_answer_while_heavy_queries_are_in_flight(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    server = live_server(workers=1, data={"workers": 1})
    with ThreadPoolExecutor(4) as pool:
        answers = [pool.submit(server.get, CUBE, params=heavy(k)) for k in range(4)]
        wait_for(lambda: server.data.queue_depth == 4)
        held = hold_in_workers(server, 1, stopped)
        listing = server.get("/api/v1/datasets")
        assert listing.status_code == 200
        assert next(d["id"] for d in listing.json()["datasets"]) == "ersst-v5"
        depths = server.get("/api/v1/datasets/glorys/depths")
        assert depths.json()["levels"][0] == pytest.approx(6.0541167)
        point = server.get(
            "/api/v1/datasets/ersst-v5/data/point",
            params={"lon": -140, "lat": 0, "time": "2015-12-01"},
        )
        assert point.headers["server-timing"] == 'source;desc="inline"'
        with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as raw:
            expected = raw.sst.sel(time="2015-12-01", lat=0, lon=220).item()
        assert point.json()["variables"]["sst"]["values"] == float(np.float32(expected))
        assert not any(a.done() for a in answers)  # all four still in flight
        resume(held)
        results = [a.result() for a in answers]
    assert [r.status_code for r in results] == [200] * 4
    for k, result in enumerate(results):
        assert result.headers["server-timing"] == 'source;desc="worker"'
        assert_year_of_sst(result.text, 2010 + k)
    assert server.data.stats.jobs == 4
    for pid in server.data.worker_pids():  # the API process goes first on busy cores
        assert psutil.Process(pid).nice() == psutil.Process().nice() + 10


def test_a_full_data_queue_refuses_while_plots_still_render(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    server = live_server(workers=1, data={"workers": 1, "max_pending": 2})
    with ThreadPoolExecutor(2) as pool:
        admitted = [pool.submit(server.get, CUBE, params=heavy(k)) for k in range(2)]
        wait_for(lambda: server.data.queue_depth == 2)
        held = hold_in_workers(server, 1, stopped)
        refused = server.get(CUBE, params=heavy(5))
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/data-busy"
        assert int(refused.headers["Retry-After"]) >= 1
        plot = server.get(
            "/api/v1/datasets/ersst-v5/plots/map", params={"width": 400, "height": 300}
        )
        assert plot.status_code == 200
        assert decode(plot.content).shape == (300, 400, 3)
        resume(held)
        assert [a.result().status_code for a in admitted] == [200, 200]
    assert server.data.stats.rejected == 1
    assert server.get(CUBE, params=heavy(5)).status_code == 200
    assert "oceanapi_data_rejected_total 1.0" in server.get("/metrics").text.splitlines()


def test_a_full_plot_queue_refuses_while_data_still_flows(
    live_server: Callable[..., LiveServer], gate: Gate
) -> None:
    server = live_server(workers=1, max_pending=1, data={"workers": 1})
    with ThreadPoolExecutor(1) as pool:
        held = pool.submit(server.get, SLEEP, params={"gate": str(gate)})
        wait_for(lambda: server.runner.running == 1)
        refused = server.get(SLEEP, params={"tag": "second"})
        assert refused.status_code == 503
        assert refused.json()["type"] == "/problems/plot-busy"
        cube = server.get(CUBE, params=heavy(3))
        assert cube.status_code == 200
        assert cube.headers["server-timing"] == 'source;desc="worker"'
        assert_year_of_sst(cube.text, 2013)
        gate.open()
        assert held.result().status_code == 200


def test_a_data_worker_killed_mid_query_fails_only_that_request(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    server = live_server(workers=1, data={"workers": 2})
    with ThreadPoolExecutor(2) as pool:
        answers = [pool.submit(server.get, CUBE, params=heavy(k)) for k in range(2)]
        victim, survivor = hold_in_workers(server, 2, stopped)
        os.kill(victim, signal.SIGKILL)
        resume([survivor])
        results = sorted((a.result() for a in answers), key=lambda r: r.status_code)
    assert [r.status_code for r in results] == [200, 500]
    assert results[1].json()["type"] == "/problems/data-failed"
    assert results[1].headers["content-type"] == "application/problem+json"
    wait_for(
        lambda: len(server.data.worker_pids()) == 2 and victim not in server.data.worker_pids()
    )
    for k in range(2):  # the pool healed
        again = server.get(CUBE, params=heavy(k))
        assert again.status_code == 200
        assert_year_of_sst(again.text, 2010 + k)
    assert server.data.stats.crashes == 1
    assert "oceanapi_data_crashes_total 1.0" in server.get("/metrics").text.splitlines()


def test_a_query_past_the_time_limit_is_504_and_its_worker_replaced(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    server = live_server(workers=1, data={"workers": 1, "timeout": 1.0})
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(server.get, CUBE, params=heavy())
        (held,) = hold_in_workers(server, 1, stopped)  # it can never finish in time
        late = answer.result()
    assert late.status_code == 504
    assert late.json()["type"] == "/problems/data-timeout"
    wait_for(lambda: len(server.data.worker_pids()) == 1 and server.data.worker_pids() != [held])
    after = server.get(CUBE, params=heavy())
    assert after.status_code == 200
    assert_year_of_sst(after.text)
    metrics = server.get("/metrics").text.splitlines()
    assert "oceanapi_data_timeouts_total 1.0" in metrics
    assert "oceanapi_data_worker_restarts_total 1.0" in metrics


def raw_request(port: int, path: str, params: dict[str, str]) -> socket.socket:
    """A request sent on a socket the test closes when it wants the client gone."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(f"GET {path}?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def test_a_client_that_leaves_frees_its_worker(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    server = live_server(workers=1, data={"workers": 1})
    sock = raw_request(server.port, CUBE, heavy(f="GeoJSON"))
    (held,) = hold_in_workers(server, 1, stopped)  # mid-query: it would not finish by itself
    sock.close()
    wait_for(lambda: server.data.stats.cancelled == 1)
    wait_for(lambda: server.data.running == 0 and server.data.queue_depth == 0)
    wait_for(lambda: len(server.data.worker_pids()) == 1 and server.data.worker_pids() != [held])
    assert "oceanapi_data_cancelled_total 1.0" in server.get("/metrics").text.splitlines()
    assert list(server.data._spool.iterdir()) == []  # type: ignore[union-attr]
    after = server.get(CUBE, params=heavy())  # the new worker answers
    assert after.status_code == 200
    assert server.data.stats.jobs == 1


def test_a_client_that_leaves_before_its_query_starts_costs_no_work(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    server = live_server(workers=1, data={"workers": 1})
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(server.get, CUBE, params=heavy(1))
        held = hold_in_workers(server, 1, stopped)
        sock = raw_request(server.port, CUBE, heavy(2))
        wait_for(lambda: server.data.queue_depth == 2)
        sock.close()
        wait_for(lambda: server.data.stats.cancelled == 1 and server.data.queue_depth == 1)
        resume(held)
        assert first.result().status_code == 200
    assert server.data.stats.jobs == 1  # the leaver's job never reached a worker
    assert server.data.worker_pids() == held  # and no worker was stopped for it


@pytest.mark.parametrize("f", ["CoverageJSON", "GeoJSON", "CSV", "NetCDF"])
def test_a_large_cube_streamed_from_a_worker_equals_the_in_process_answer(
    live_server: Callable[..., LiveServer],
    make_client: Callable[..., TestClient],
    f: str,
    tmp_path: Path,
) -> None:
    server = live_server(workers=1, data={"workers": 1})
    inline = make_client(server.app.state.settings.catalog, data={"inline_max_values": 2_000_000})
    params = {**heavy(f=f), "datetime": "2015-01-01/2016-12-01"}  # 384,480 values
    streamed = server.get(CUBE, params=params)
    local = inline.get(CUBE, params=params)
    assert streamed.status_code == local.status_code == 200
    assert streamed.headers["server-timing"] == 'source;desc="worker"'
    assert local.headers["server-timing"] == 'source;desc="inline"'
    assert streamed.headers["content-type"] == local.headers["content-type"]
    assert int(streamed.headers["content-length"]) == len(streamed.content)
    if f == "NetCDF":  # the HDF5 writer stamps no time: the bytes are equal, and the values
        assert streamed.content == local.content
        (tmp_path / "a.nc").write_bytes(streamed.content)
        (tmp_path / "b.nc").write_bytes(local.content)
        with xr.open_dataset(tmp_path / "a.nc") as a, xr.open_dataset(tmp_path / "b.nc") as b:
            xr.testing.assert_identical(a, b)
            with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as raw:
                expected = raw.sst.sel(time="2015-12-01", lat=0, lon=220).item()
            got = a.sst.sel(time="2015-12-01", latitude=0, longitude=-140).item()
            assert got == pytest.approx(expected)
    else:
        assert streamed.content == local.content  # values, order and header alike
    assert server.data.stats.jobs == 1


def test_the_size_guard_refuses_before_any_work_starts(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server(workers=1, data={"workers": 1})
    every_month = {**heavy(), "datetime": "2010-01-01/2020-08-01"}  # 128 x 16,020 values
    too_big = server.get(CUBE, params=every_month)
    assert too_big.status_code == 413, too_big.text
    problem = too_big.json()
    assert problem["type"] == "/problems/selection-too-large"
    assert (problem["estimate"], problem["limit"]) == (128 * CELLS, 2_000_000)
    assert server.data.stats.jobs == 0 and server.data.stats.inline == 0
    assert data_started(server) == 0 and server.data.queue_depth == 0
    allowed = {**every_month, "bbox": "-180,-80,180,88"}  # 128 x 15,300: under the limit
    assert server.get(CUBE, params={**allowed, "f": "NetCDF"}).status_code == 200
    assert server.data.stats.jobs == 1


def test_parameters_the_service_can_refuse_never_reach_a_worker(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server(workers=1, data={"workers": 1})
    section = {"path": "-160,2;-150,10;-140,18", "n": "2000"}  # 100,000 values: a worker's
    transect = "/api/v1/datasets/giops/data/transect"
    assert server.get(transect, params=section).headers["server-timing"] == ('source;desc="worker"')
    wrong = server.get(transect, params={**section, "units": "kg"})
    assert wrong.status_code == 400
    assert wrong.json()["invalid_params"][0]["name"] == "units"
    assert "is in K" in wrong.json()["invalid_params"][0]["reason"]
    outside = server.get(CUBE, params={**heavy(), "datetime": "1990-01-01/1991-01-01"})
    assert outside.status_code == 400
    assert outside.json()["invalid_params"][0]["name"] == "datetime"
    assert server.data.stats.jobs == 1  # only the valid section ran


def test_a_spool_folder_removed_under_the_service_is_made_again(
    live_server: Callable[..., LiveServer],
) -> None:
    server = live_server(workers=1, data={"workers": 1})
    spool = server.data._spool
    assert spool is not None
    shutil.rmtree(spool)  # as a cleaner of old temporary files would
    again = server.get(CUBE, params=heavy())
    assert again.status_code == 200
    assert_year_of_sst(again.text)
    assert spool.is_dir() and list(spool.iterdir()) == []
    metadata = server.get("/api/v1/datasets/ersst-v5")  # the dataset was never at fault
    assert metadata.status_code == 200 and metadata.json()["available"] is True


def test_no_data_query_runs_in_the_request_thread_pool() -> None:
    """Data handlers are coroutines: FastAPI runs them on the event loop, and their work goes to
    the data runner's own threads or workers, never to the request threads metadata needs."""
    downloads = {"listObservations", "getObservation"}  # their files are data jobs
    routes = [
        r
        for r in (
            *data.router.routes,
            *edr_queries.router.routes,
            *matchups.router.routes,
            *(r for r in observations.router.routes if getattr(r, "name", "") in downloads),
        )
        if isinstance(r, APIRoute)
    ]
    # five /api/v1 queries, six EDR ones (with corridor), matchups, two observation downloads
    assert len(routes) == 14
    for route in routes:
        assert inspect.iscoroutinefunction(route.endpoint), route.path
