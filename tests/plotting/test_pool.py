"""The plot runner's promises, through real HTTP, the real pebble pool and test-only plot types.

A sleep past the timeout gives 504 and a new worker; a worker that dies gives 500 and the next
request succeeds; a full queue gives 503 with Retry-After; identical requests share a render;
a client that leaves before its render starts costs no render; workers are recycled; metadata
requests are answered while every worker is busy.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import httpx2 as httpx
import pytest

from tests.conftest import Gate
from tests.plotting.conftest import LiveServer

SLEEP = "/api/v1/datasets/ersst-v5/plots/sleep"
DIE = "/api/v1/datasets/ersst-v5/plots/die"


def wait_for(
    condition: Callable[[], bool], timeout: float = 30, state: Callable[[], object] = str
) -> None:
    """Poll ``condition`` until true; past ``timeout`` an AssertionError showing ``state()``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached; state: {state()}")
        time.sleep(0.02)


def test_timeout_gives_504_and_replaces_the_worker(live_server: Callable[..., LiveServer]) -> None:
    server = live_server(workers=1, timeout=1.0)
    before = server.runner.worker_pids()
    response = server.get(SLEEP, params={"seconds": 20})
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/plot-timeout"
    wait_for(lambda: len(server.runner.worker_pids()) == 1)
    assert set(server.runner.worker_pids()).isdisjoint(before)
    assert server.get(SLEEP, params={"tag": "after"}).status_code == 200
    assert server.runner.stats.timeouts == 1
    metrics = server.get("/metrics").text.splitlines()
    assert "oceanapi_plot_timeouts_total 1.0" in metrics
    assert "oceanapi_plot_worker_restarts_total 1.0" in metrics


def test_a_dying_worker_fails_only_its_request(
    live_server: Callable[..., LiveServer], gate: Gate
) -> None:
    server = live_server(workers=2)
    with ThreadPoolExecutor(2) as pool:
        neighbour = pool.submit(server.get, SLEEP, params={"gate": str(gate), "tag": "neighbour"})
        dying = pool.submit(server.get, DIE, params={"gate": str(gate)})
        wait_for(lambda: renders_started(server) == 2)  # each worker has taken its job
        gate.open()
        died = dying.result()
        assert died.status_code == 500
        assert died.json()["type"] == "/problems/plot-failed"
        assert neighbour.result().status_code == 200  # the other worker's render went on
    assert server.runner.backend.pools_replaced == 0
    for k in range(3):  # the pool healed: every worker answers again
        ok = server.get(SLEEP, params={"tag": f"after-{k}"})
        assert ok.status_code == 200, ok.text
    assert server.runner.stats.crashes == 1
    assert len(server.runner.worker_pids()) == 2


def renders_started(server: LiveServer) -> int:
    """Jobs a worker has taken and is running (pebble's view; it has no public accessor)."""
    pool = server.runner.backend._pool
    tasks = tuple(pool._pool_manager.task_manager.tasks.values()) if pool else ()  # pebble's
    return sum(task.started for task in tasks)  # threads change the dict: a snapshot


@pytest.mark.parametrize("when", ["mid-render", "as it takes the job"])
def test_a_killed_worker_fails_only_its_request(
    live_server: Callable[..., LiveServer], when: str
) -> None:
    server = live_server(workers=1)
    (victim,) = server.runner.worker_pids()
    with ThreadPoolExecutor(2) as pool:
        killed = pool.submit(server.get, SLEEP, params={"seconds": 20, "tag": "victim"})
        wait_for(lambda: server.runner.running == 1)
        queued = pool.submit(server.get, SLEEP, params={"tag": "queued"})
        wait_for(lambda: len(server.runner._pending) == 2)
        if when == "mid-render":
            wait_for(lambda: renders_started(server) == 1)
        os.kill(victim, signal.SIGKILL)
        answer = killed.result()
        assert answer.status_code == 500
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "/problems/plot-failed"
        assert queued.result().status_code == 200  # waiting for the worker: drawn by the next
    wait_for(lambda: len(server.runner.worker_pids()) == 1)
    assert server.runner.worker_pids() != [victim]
    if when == "mid-render":  # pebble saw the job running on it: only that job failed
        assert server.runner.backend.pools_replaced == 0
    assert server.runner.stats.crashes == 1
    assert server.get(SLEEP, params={"tag": "after"}).status_code == 200


def assert_a_full_queue_refuses(server: LiveServer, gate: Gate) -> list[dict[str, str]]:
    """Fill a server whose queue holds two renders, see a third refused with 503 and
    Retry-After, let the two finish (200); the two requests' parameters."""
    admitted = [{"gate": str(gate), "tag": str(k)} for k in (1, 2)]
    with ThreadPoolExecutor(2) as pool:
        first = [pool.submit(server.get, SLEEP, params=params) for params in admitted]
        wait_for(lambda: len(server.runner._pending) == 2)
        refused = server.get(SLEEP, params={"tag": "third"})
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.json()["type"] == "/problems/plot-busy"
        gate.open()
        assert [f.result().status_code for f in first] == [200, 200]
    return admitted


def test_full_queue_gives_503_with_retry_after(
    live_server: Callable[..., LiveServer], gate: Gate
) -> None:
    server = live_server(workers=1, max_pending=2)
    assert_a_full_queue_refuses(server, gate)
    assert server.get(SLEEP, params={"tag": "third"}).status_code == 200


def test_identical_requests_share_one_render(
    live_server: Callable[..., LiveServer], gate: Gate
) -> None:
    server = live_server(workers=1)
    params = {"gate": str(gate), "tag": "shared"}
    with ThreadPoolExecutor(3) as pool:
        answers = [pool.submit(server.get, SLEEP, params=params) for _ in range(3)]
        wait_for(lambda: server.runner.stats.shared == 2)  # all three arrived mid-render
        gate.open()
        responses = [a.result() for a in answers]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert len({r.content for r in responses}) == 1
    assert server.runner.stats.renders == 1
    assert server.runner.stats.shared == 2


def test_a_client_gone_before_its_render_starts_costs_no_render(
    live_server: Callable[..., LiveServer], gate: Gate
) -> None:
    server = live_server(workers=1)
    with ThreadPoolExecutor(1) as pool:
        blocker: Future[httpx.Response] = pool.submit(
            server.get, SLEEP, params={"gate": str(gate), "tag": "blocker"}
        )
        wait_for(lambda: server.runner.running == 1)
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(f"GET {SLEEP}?tag=leaver HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            wait_for(lambda: len(server.runner._pending) == 2)
        wait_for(lambda: server.runner.stats.abandoned == 1)
        gate.open()
        assert blocker.result().status_code == 200
    assert server.runner.stats.renders == 1  # the leaver's job never reached a worker


def test_workers_are_recycled_after_max_tasks(live_server: Callable[..., LiveServer]) -> None:
    server = live_server(workers=1, max_tasks=2)
    first = server.runner.worker_pids()
    for k in range(2):
        assert server.get(SLEEP, params={"tag": f"r{k}"}).status_code == 200
    wait_for(lambda: server.runner.worker_pids() not in ([], first))
    assert server.get(SLEEP, params={"tag": "r3"}).status_code == 200
    assert server.runner.warm_workers >= 2  # the replacement warmed up like the first


def test_metadata_is_answered_while_every_worker_renders(
    live_server: Callable[..., LiveServer], gate: Gate
) -> None:
    server = live_server(workers=2)
    with ThreadPoolExecutor(4) as pool:
        renders = [
            pool.submit(server.get, SLEEP, params={"gate": str(gate), "tag": str(k)})
            for k in range(4)
        ]
        wait_for(
            lambda: server.runner.running == 2 and len(server.runner._pending) == 4,
            state=lambda: (
                f"running {server.runner.running}, pending {len(server.runner._pending)}, "
                f"health {server.runner.health()}, answered "
                f"{[r.result().text[:300] for r in renders if r.done()]}"
            ),
        )
        listing = server.get("/api/v1/datasets")
        assert listing.status_code == 200
        assert [d["id"] for d in listing.json()["datasets"]][:1] == ["ersst-v5"]
        point = server.get("/api/v1/datasets/ersst-v5/data/point", params={"lon": -140, "lat": 0})
        assert point.status_code == 200
        assert not any(r.done() for r in renders)  # answered while all four were in flight
        gate.open()
        assert [r.result().status_code for r in renders] == [200] * 4
