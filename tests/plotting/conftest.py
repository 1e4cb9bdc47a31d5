"""Live servers for the pool tests: uvicorn on loopback in a thread, so a test can read the
runner's counters while it talks real HTTP to the app."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from fastapi import FastAPI

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from plotting.runner import PlotRunner, PlotSettings
from tests.e2e.live import bound_socket
from tests.plotting.probes import PROBES


class LiveServer:
    """A uvicorn server in a thread, and its app."""

    def __init__(self, app: FastAPI) -> None:
        self.socket = bound_socket()
        self.port = self.socket.getsockname()[1]
        self.app = app
        self.base = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    @property
    def runner(self) -> PlotRunner:
        runner: PlotRunner = self.app.state.runner
        return runner

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/ready", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError("server did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
        self.socket.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.base}{path}", timeout=60, **kwargs)


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """Start servers with the probe plot types and given plot settings; stopped after the test.

    ``catalog`` and ``dask`` (DaskSettings) may be given too; the rest are PlotSettings.
    """
    servers: list[LiveServer] = []

    def build(catalog: Path = DEFAULT_CATALOG, dask: Any = None, **plot: Any) -> LiveServer:
        settings = Settings(catalog=catalog, plot=PlotSettings(**plot), dask=dask or {})
        server = LiveServer(create_app(settings, plot_types=PROBES)).start()
        servers.append(server)
        return server

    yield build
    for server in servers:
        server.stop()
