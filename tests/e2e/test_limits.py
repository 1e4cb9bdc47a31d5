"""The per-client limit on requests in flight, over real HTTP with concurrent requests.

Clients are told apart by address; the app takes it from X-Forwarded-For when the peer is a
trusted proxy (127.0.0.1 by default), which is how these tests play several clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from plotting.runner import PlotSettings
from tests.conftest import Gate
from tests.plotting.conftest import LiveServer
from tests.plotting.probes import PROBES
from tests.plotting.test_pool import SLEEP, wait_for

A = {"X-Forwarded-For": "203.0.113.7"}
B = {"X-Forwarded-For": "198.51.100.20"}


@pytest.fixture
def server() -> Iterator[LiveServer]:
    settings = Settings(
        catalog=DEFAULT_CATALOG, max_client_requests=2, plot=PlotSettings(workers=2)
    )
    live = LiveServer(create_app(settings, plot_types=PROBES)).start()
    yield live
    live.stop()


def test_a_client_beyond_its_limit_gets_429_and_others_are_served(
    server: LiveServer, gate: Gate
) -> None:
    with ThreadPoolExecutor(2) as pool:
        slow = [
            pool.submit(server.get, SLEEP, params={"gate": str(gate), "tag": str(k)}, headers=A)
            for k in range(2)
        ]
        wait_for(lambda: len(server.runner._pending) == 2)
        refused = server.get("/api/v1/datasets", headers=A)
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["x-request-id"]
        problem = refused.json()
        assert problem["type"] == "/problems/too-many-requests"
        assert problem["limit"] == 2 and "2 requests in flight" in problem["detail"]
        page = server.get("/api/v1/datasets", headers={**A, "Origin": "https://maps.example.org"})
        assert page.status_code == 429  # a web page can read why: the answer carries CORS
        assert page.headers["access-control-allow-origin"] == "*"
        assert "retry-after" in page.headers["access-control-expose-headers"].lower()

        other = server.get(
            "/api/v1/datasets/ersst-v5/data/point", params={"lon": 0, "lat": 0}, headers=B
        )
        assert other.status_code == 200  # another client is not held back
        assert server.get("/ready", headers=A).status_code == 200  # probes are never refused
        assert server.get("/health", headers=A).status_code == 200
        gate.open()
        assert [f.result().status_code for f in slow] == [200, 200]
    assert server.get("/api/v1/datasets", headers=A).status_code == 200  # its slots are free again


def test_forwarded_for_names_the_client_only_from_a_trusted_proxy(gate: Gate) -> None:
    settings = Settings(
        catalog=DEFAULT_CATALOG,
        max_client_requests=2,
        plot=PlotSettings(workers=2),
        forwarded_allow_ips=["192.0.2.1"],  # not loopback: the test's peer is a client
    )
    server = LiveServer(create_app(settings, plot_types=PROBES)).start()
    try:
        with ThreadPoolExecutor(2) as pool:
            slow = [
                pool.submit(server.get, SLEEP, params={"gate": str(gate), "tag": str(k)}, headers=A)
                for k in range(2)
            ]
            wait_for(lambda: len(server.runner._pending) == 2)
            # Another X-Forwarded-For from the same untrusted peer is the same client.
            assert server.get("/api/v1/datasets", headers=B).status_code == 429
            gate.open()
            assert [f.result().status_code for f in slow] == [200, 200]
    finally:
        server.stop()
