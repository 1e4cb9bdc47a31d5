"""The service as an operator runs it: uvicorn --factory on loopback, configured by environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest

from api.settings import REPO_ROOT
from tests.conftest import sample_entries, write_catalog
from tests.e2e.live import free_port, wait_until_up


def start(
    env: dict[str, str], factory: str = "api.main:create_app"
) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen[str], base: str, timeout: float = 60) -> None:
    def exited() -> str | None:
        if process.poll() is None:
            return None
        return f"server exited: {process.stdout.read() if process.stdout else ''}"

    wait_until_up(f"{base}/ready", exited, timeout)


@pytest.fixture
def server() -> Iterator[str]:
    process, base = start({})
    try:
        wait_ready(process, base)
        yield base
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    # uvicorn re-raises SIGTERM after a graceful shutdown, so the exit status is -15.
    assert "Application shutdown complete" in output


def test_factory_serves_the_bundled_samples(server: str) -> None:
    listing = httpx.get(f"{server}/api/v1/datasets").json()
    assert [d["id"] for d in listing["datasets"]] == ["ersst-v5", "glorys", "wcofs", "giops"]
    assert all(d["available"] for d in listing["datasets"])
    assert listing["datasets"][0]["links"]["self"] == f"{server}/api/v1/datasets/ersst-v5"
    response = httpx.get(f"{server}/api/v1/datasets/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


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
    output, _ = process.communicate(timeout=60)
    assert process.returncode != 0
    assert f"{catalog}: invalid catalog" in output
    assert "dataset 'wcofs' (entry 3): field 'licence': Field required" in output
