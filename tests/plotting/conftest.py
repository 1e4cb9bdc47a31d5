"""Live servers for the pool tests: uvicorn on loopback in a thread, so a test can read the
runner's counters while it talks real HTTP to the app."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from plotting.data_runner import DataRunner, DataSettings
from plotting.runner import PlotRunner, PlotSettings
from tests.e2e.live import serve
from tests.plotting.probes import PROBES


class LiveServer:
    """The app served on loopback (``tests.e2e.live.serve``) from ``start`` to ``stop``."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.base = ""
        self._serving = ExitStack()

    @property
    def port(self) -> int:
        port = urlsplit(self.base).port
        assert port is not None, "start the server first"
        return port

    @property
    def runner(self) -> PlotRunner:
        runner: PlotRunner = self.app.state.runner
        return runner

    @property
    def data(self) -> DataRunner:
        data: DataRunner = self.app.state.data
        return data

    def start(self) -> LiveServer:
        self.base = self._serving.enter_context(serve(self.app))
        return self

    def stop(self) -> None:
        self._serving.close()

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.get(f"{self.base}{path}", timeout=60, **kwargs)


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """Start servers with the probe plot types and given plot settings; stopped after the test.

    ``catalog``, ``dask`` (DaskSettings) and ``data`` (DataSettings' fields) may be given too;
    the rest are PlotSettings.
    """
    servers: list[LiveServer] = []

    def build(
        catalog: Path = DEFAULT_CATALOG,
        dask: Any = None,
        data: dict[str, Any] | None = None,
        **plot: Any,
    ) -> LiveServer:
        settings = Settings(
            catalog=catalog,
            plot=PlotSettings(**plot),
            data=DataSettings(**(data or {})),
            dask=dask or {},
        )
        server = LiveServer(create_app(settings, plot_types=PROBES)).start()
        servers.append(server)
        return server

    yield build
    for server in servers:
        server.stop()


@pytest.fixture
def stopped() -> Iterator[list[int]]:
    """Pids the test stopped with SIGSTOP; each is resumed at teardown whatever happened
    (before the servers stop: this fixture is asked for after ``live_server``)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
