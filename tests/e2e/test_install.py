"""The install: the project is a package of the virtualenv, so its programs (uvicorn, dask)
import the service's code from any folder, with no PYTHONPATH.

Everything here runs the virtualenv's own programs (``.venv/bin/…``, beside this Python) in a
scrubbed environment: no PYTHONPATH, no VIRTUAL_ENV, the working directory a temporary folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import distribution
from pathlib import Path

import httpx2 as httpx

from api.settings import REPO_ROOT
from tests.e2e.live import free_port, wait_until_up
from tests.plotting.test_plots import decode

BIN = Path(sys.executable).parent  # the virtualenv's bin (not resolved: that is the base Python)


def clean_env(**extra: str) -> dict[str, str]:
    """What a login shell would have, not what pytest runs with."""
    return {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/"), **extra}


@contextmanager
def program(args: list[str], cwd: Path, env: dict[str, str]) -> Iterator[Callable[[], str | None]]:
    """Run one of the virtualenv's programs until the block ends; yields what says why it
    stopped (None while it runs), for wait_until_up."""
    with tempfile.NamedTemporaryFile("w", prefix=f"{Path(args[0]).name}-", suffix=".log") as log:
        process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)

        def exited() -> str | None:
            if process.poll() is None:
                return None
            return f"{args[0]} exited: {Path(log.name).read_text()}"

        try:
            yield exited
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_the_project_is_installed_in_the_virtualenv_from_this_checkout() -> None:
    installed = distribution("ocean-data-api")
    scripts = {e.name: e.value for e in installed.entry_points if e.group == "console_scripts"}
    assert scripts == {"oceanapi": "api.__main__:run"}  # the same as `python -m api`
    usage = subprocess.run(
        [BIN / "oceanapi", "--help"],
        cwd=tempfile.gettempdir(),
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert usage.stdout.startswith("usage: python -m api [-h] [--host HOST] [--port PORT]")
    assert any(f.name in {"LICENSE", "NOTICE"} for f in installed.files or [])
    found = subprocess.run(
        [BIN / "python", "-c", "import api.edr.pages, plotting.basemap; print(api.__file__)"],
        cwd=tempfile.gettempdir(),
        env=clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    # Editable: the checkout's code runs, and it finds the samples and docs beside itself.
    assert Path(found.stdout.strip()) == REPO_ROOT / "api" / "__init__.py"


def test_plots_render_on_a_dask_cluster_started_from_the_virtualenv_without_pythonpath(
    tmp_path: Path,
) -> None:
    """`dask scheduler` and `dask worker` as the README starts them, from another folder and
    without PYTHONPATH; the service (uvicorn, configured by OCEANAPI_*) checks at start-up that
    both import its code, then has the worker draw a map."""
    port = free_port()
    scheduler = f"tcp://127.0.0.1:{port}"
    env = clean_env(DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0", MPLCONFIGDIR=str(tmp_path))
    with (
        program(
            [
                *(str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port)),
                *("--dashboard-address", ":0"),
            ],
            tmp_path,
            env,
        ),
        program(
            [
                *(str(BIN / "dask"), "worker", scheduler, "--nthreads", "1"),
                *("--host", "127.0.0.1", "--dashboard-address", ":0"),
            ],
            tmp_path,
            env,
        ),
    ):
        http_port = free_port()
        service = [
            *(str(BIN / "uvicorn"), "--factory", "api.main:create_app"),
            *("--host", "127.0.0.1", "--port", str(http_port)),
        ]
        served = {
            "OCEANAPI_PLOT__BACKEND": "dask",
            "OCEANAPI_DASK__SCHEDULER": scheduler,
            "OCEANAPI_DATA__WORKERS": "1",
        }
        with program(service, tmp_path, {**env, **served}) as exited:
            base = f"http://127.0.0.1:{http_port}"
            # Three processes start and warm up: minutes on a busy shared machine.
            wait_until_up(f"{base}/ready", exited, 300)
            params = {"time": "2016-07-01", "width": 640, "height": 400}
            answer = httpx.get(
                f"{base}/api/v1/datasets/ersst-v5/plots/map", params=params, timeout=120
            )
            assert answer.status_code == 200, answer.text
            image = decode(answer.content)
            assert image.shape == (400, 640, 3) and image.std() > 10
            metrics = httpx.get(f"{base}/metrics", timeout=10).text.splitlines()
    assert "oceanapi_plot_workers 1.0" in metrics  # the cluster's one worker thread drew it
    assert "oceanapi_plot_renders_total 1.0" in metrics
