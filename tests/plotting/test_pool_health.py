"""Worker heartbeats, through real HTTP and the real pools: an idle worker that stops answering
(SIGSTOP) is killed and replaced within the heartbeat timeout, without failing any other
request; /ready and /metrics say so while it happens.

The heartbeat is fast here (0.2 s, stale after 2 s); nothing here times anything.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import pytest

from plotting.backends import LocalPool
from plotting.pool_health import busy_pids
from tests.conftest import Gate
from tests.plotting.conftest import LiveServer
from tests.plotting.test_data_pool import (
    CUBE,
    assert_year_of_sst,
    heavy,
    hold_in_workers,
    resume,
)
from tests.plotting.test_plots import decode
from tests.plotting.test_pool import SLEEP, renders_started, wait_for

FAST = {"heartbeat_seconds": 0.2, "heartbeat_timeout": 2.0}


def readiness(server: LiveServer, pool: str = "plot") -> tuple[int, str, int]:
    """/ready's status code, the body's status (a problem's type when 503) and the pool's
    healthy workers."""
    response = server.get("/ready")
    body = response.json()
    status = body["status"] if response.status_code == 200 else body["type"]
    (counts,) = [p for p in body["pools"] if p["pool"] == pool]
    return response.status_code, status, counts["healthy"]


def watch_replacement(server: LiveServer, victim: int, pool: str = "plot") -> list[Any]:
    """Poll /ready until the victim is out of the pool and every worker answers again; every
    distinct readiness seen, in order."""
    runner = server.runner if pool == "plot" else server.data
    seen: list[tuple[int, str, int]] = []

    def replaced() -> bool:
        now = readiness(server, pool)
        if not seen or seen[-1] != now:
            seen.append(now)
        pids = runner.worker_pids()
        return victim not in pids and len(pids) == runner.workers and now[1] == "ready"

    wait_for(replaced)
    return seen


def test_a_stopped_idle_worker_is_replaced_while_the_other_renders(
    live_server: Callable[..., LiveServer], gate: Gate, stopped: list[int]
) -> None:
    server = live_server(workers=2, **FAST)
    assert server.get("/ready").json()["pools"][0] == {
        "pool": "plot",
        "backend": "local",
        "workers": 2,
        "healthy": 2,
        "heartbeat_replacements": 0,
    }
    with ThreadPoolExecutor(1) as pool:
        neighbour = pool.submit(server.get, SLEEP, params={"gate": str(gate), "tag": "n"})
        wait_for(lambda: renders_started(server) == 1)
        (busy,) = busy_pids(server.runner.backend._pool)  # type: ignore[attr-defined]
        (victim,) = set(server.runner.worker_pids()) - {busy}
        os.kill(victim, signal.SIGSTOP)
        stopped.append(victim)
        seen = watch_replacement(server, victim)
        assert seen[0] == (200, "ready", 2)  # stopped, not yet stale
        assert (200, "degraded", 1) in seen  # stale or replaced, the new one warming up
        assert seen[-1] == (200, "ready", 2)
        assert not neighbour.done()  # the render on the other worker is still in flight
        gate.open()
        answer = neighbour.result()
    assert answer.status_code == 200
    assert decode(answer.content).shape == (600, 800, 3)
    assert busy in server.runner.worker_pids()  # the other worker was never touched
    assert not psutil.pid_exists(victim)  # killed and reaped
    with ThreadPoolExecutor(4) as pool:  # renders go to live workers
        after = list(pool.map(lambda k: server.get(SLEEP, params={"tag": f"a{k}"}), range(4)))
    assert [r.status_code for r in after] == [200] * 4
    backend = server.runner.backend
    assert backend.heartbeat_replacements == 1  # type: ignore[attr-defined]
    assert backend.pools_replaced == 0  # type: ignore[attr-defined]
    assert server.runner.stats.crashes == 0
    metrics = server.get("/metrics").text.splitlines()
    assert "oceanapi_plot_heartbeat_replacements_total 1.0" in metrics
    assert "oceanapi_plot_workers_healthy 2.0" in metrics
    assert "oceanapi_plot_worker_restarts_total 1.0" in metrics
    assert "oceanapi_data_heartbeat_replacements_total 0.0" in metrics


def test_a_lone_stopped_worker_makes_the_service_unready_until_replaced(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    # No job runs anywhere in the pool: the case where pebble would mark the whole pool broken
    # had it seen the worker die.
    server = live_server(workers=1, **FAST)
    (victim,) = server.runner.worker_pids()
    os.kill(victim, signal.SIGSTOP)
    stopped.append(victim)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(server.get, SLEEP, params={"tag": "waiting"})  # no one takes it
        wait_for(lambda: server.get("/ready").status_code == 503)
        unready = server.get("/ready")
        seen = watch_replacement(server, victim)
        assert waiting.result().status_code == 200  # drawn by the new worker
    assert unready.headers["content-type"] == "application/problem+json"
    assert unready.headers["retry-after"] == "1"
    problem = unready.json()
    assert problem["detail"] == "No plot worker is answering; they are being replaced."
    assert [(p["pool"], p["workers"], p["healthy"]) for p in problem["pools"]] == [
        ("plot", 1, 0),
        ("data", server.data.workers, server.data.workers),
    ]
    assert seen[-1] == (200, "ready", 1)
    assert server.runner.backend.pools_replaced == 0  # type: ignore[attr-defined]
    assert server.runner.stats.crashes == 0


def test_a_pool_wedged_by_a_stale_worker_holding_its_lock_is_replaced(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    # A worker stopped while taking a job holds pebble's channel lock: no other worker can take
    # one, and one killed holding it would keep it held. The test holds the lock itself (it
    # lives in this process) and stops an idle worker.
    server = live_server(workers=2, **FAST)
    backend = server.runner.backend
    old = backend._pool  # type: ignore[attr-defined]
    mutex = old._pool_manager.worker_manager.workers_channel.mutex
    locks = (mutex.reader_mutex, mutex.writer_mutex)  # pebble drops them when the pool ends
    victim, other = server.runner.worker_pids()
    assert all(lock.acquire(timeout=10) for lock in locks)
    try:
        os.kill(victim, signal.SIGSTOP)
        stopped.append(victim)
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(server.get, SLEEP, params={"tag": "waiting"})  # none takes it
            wait_for(lambda: backend._pool is not old)  # type: ignore[attr-defined]
            failed = waiting.result()  # failed with the pool, not left waiting for ever
    finally:
        for lock in locks:
            lock.release()
    assert failed.status_code == 500
    assert failed.json()["type"] == "/problems/plot-failed"
    wait_for(lambda: readiness(server) == (200, "ready", 2))
    assert backend.pools_replaced == 1  # type: ignore[attr-defined]
    assert backend.heartbeat_replacements == 0  # type: ignore[attr-defined]
    assert set(server.runner.worker_pids()).isdisjoint({victim, other})
    assert server.get(SLEEP, params={"tag": "after"}).status_code == 200


def test_a_stopped_idle_data_worker_is_replaced(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    server = live_server(workers=1, data={"workers": 2, **FAST})
    victim = server.data.worker_pids()[0]
    os.kill(victim, signal.SIGSTOP)
    stopped.append(victim)
    seen = watch_replacement(server, victim, "data")
    assert (200, "degraded", 1) in seen
    answer = server.get(CUBE, params=heavy())
    assert answer.status_code == 200
    assert_year_of_sst(answer.text)
    metrics = server.get("/metrics").text.splitlines()
    assert "oceanapi_data_heartbeat_replacements_total 1.0" in metrics
    assert "oceanapi_data_workers_healthy 2.0" in metrics
    assert "oceanapi_plot_heartbeat_replacements_total 0.0" in metrics


def test_a_busy_worker_is_left_to_its_time_limit(
    live_server: Callable[..., LiveServer], stopped: list[int]
) -> None:
    server = live_server(workers=1, data={"workers": 1, **FAST})
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(server.get, CUBE, params=heavy())
        held = hold_in_workers(server, 1, stopped)  # silent, but running a job
        time.sleep(2 * FAST["heartbeat_timeout"])  # its heartbeat is stale by now
        assert readiness(server, "data") == (200, "ready", 1)  # busy counts as answering
        resume(held)
        assert answer.result().status_code == 200
    assert server.data.worker_pids() == held
    assert server.data.backend.heartbeat_replacements == 0  # type: ignore[attr-defined]


def test_a_heartbeat_timeout_must_allow_two_beats(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="HEARTBEAT_TIMEOUT"):
        LocalPool(1, 0, 10, tmp_path / "catalog.yaml", 1, heartbeat=(1.0, 1.5))
