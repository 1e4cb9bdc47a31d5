"""The service as an operator runs it: uvicorn --factory on loopback, configured by environment."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from api.settings import REPO_ROOT
from tests.conftest import sample_entries, write_catalog
from tests.e2e.live import free_port, wait_until_up


class Uvicorn(subprocess.Popen[str]):
    """uvicorn in a subprocess on loopback, its output in a file: a pipe nobody reads while the
    server runs would fill up (every request logs a line) and stall it."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.log = tempfile.NamedTemporaryFile("w", prefix="uvicorn-", suffix=".log")  # noqa: SIM115
        super().__init__(
            args, cwd=REPO_ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, text=True
        )

    def output(self) -> str:
        """Everything the server has printed so far."""
        return Path(self.log.name).read_text(encoding="utf-8")

    def finish(self, timeout: float) -> str:
        """Wait for the server to exit; everything it printed."""
        self.wait(timeout)
        return self.output()


def start(env: dict[str, str], factory: str = "api.main:create_app") -> tuple[Uvicorn, str]:
    port = free_port()
    process = Uvicorn(
        [
            *(sys.executable, "-m", "uvicorn", "--factory", factory),
            *("--http", "api.server:HttpToolsProtocol", "--no-access-log"),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        env={**os.environ, **env},
    )
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: Uvicorn, base: str, timeout: float = 180) -> None:
    def exited() -> str | None:
        if process.poll() is None:
            return None
        return f"server exited: {process.output()}"

    wait_until_up(f"{base}/ready", exited, timeout)


@pytest.fixture
def server() -> Iterator[str]:
    process, base = start({})
    try:
        wait_ready(process, base)
        yield base
    finally:
        process.terminate()
        output = process.finish(timeout=20)
    # uvicorn re-raises SIGTERM after a graceful shutdown, so the exit status is -15.
    assert "Application shutdown complete" in output


def test_factory_serves_the_bundled_samples(server: str) -> None:
    listing = httpx.get(f"{server}/api/v1/datasets").json()
    assert [d["id"] for d in listing["datasets"]] == [
        "ersst-v5",
        "glorys",
        "wcofs",
        "giops",
        "glorys-mesh",
    ]
    assert all(d["available"] for d in listing["datasets"])
    assert listing["datasets"][0]["links"]["self"] == f"{server}/api/v1/datasets/ersst-v5"
    response = httpx.get(f"{server}/api/v1/datasets/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("length", [70_000, 100_000])
def test_a_request_too_long_to_read_is_a_problem_too(server: str, length: int) -> None:
    """The service's protocol refuses a request line and headers past 64 KiB before the app
    sees them, with a problem document (431), not uvicorn's plain text."""
    # HTTP clients refuse such URLs themselves (httpx: "URL too long"), so a socket sends it.
    host, port = server.removeprefix("http://").split(":")
    target = f"/api/v1/datasets/ersst-v5/data/point?lon=1&lat=1&units={'a' * length}"
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    assert lines[0] == "HTTP/1.1 431 Request Header Fields Too Large"
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["type"] == "/problems/request-head-too-large"
    assert problem["status"] == 431
    assert problem["instance"] == "/api/v1/datasets/ersst-v5/data/point"
    assert problem["request_id"] == headers["x-request-id"]
    assert "65536 bytes (64 KiB)" in problem["detail"]
    assert httpx.get(f"{server}/problems/request-head-too-large", timeout=30).status_code == 200
    # the server goes on serving
    assert httpx.get(f"{server}/api/v1/datasets", timeout=30).status_code == 200


def test_catalog_from_environment_variable(tmp_path: Path) -> None:
    entries = sample_entries()[1:2]
    entries[0]["source"]["path"] = str(REPO_ROOT / "samples" / "GLORYS_coarse_test_data.nc")
    process, base = start({"OCEANAPI_CATALOG": str(write_catalog(tmp_path, entries))})
    try:
        wait_ready(process, base)
        ids = [d["id"] for d in httpx.get(f"{base}/api/v1/datasets").json()["datasets"]]
        assert ids == ["glorys"]
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_invalid_catalog_stops_the_service_with_a_clear_message(tmp_path: Path) -> None:
    entries = sample_entries()
    del entries[2]["licence"]
    catalog = write_catalog(tmp_path, entries)
    process, _ = start({"OCEANAPI_CATALOG": str(catalog)})
    output = process.finish(timeout=60)
    assert process.returncode != 0
    assert f"{catalog}: invalid catalog" in output
    assert "dataset 'wcofs' (entry 3): field 'licence': Field required" in output
