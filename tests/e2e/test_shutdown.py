"""Shutdown under uvicorn: an in-flight render finishes; no worker outlives the server."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import psutil

from tests.e2e.test_serve import start, wait_ready


def test_sigterm_lets_the_render_finish_and_leaves_no_process() -> None:
    process, base = start(
        {"OCEANAPI_PLOT__WORKERS": "2"}, factory="tests.plotting.probes:create_probe_app"
    )
    try:
        wait_ready(process, base)
        children = psutil.Process(process.pid).children(recursive=True)
        assert len(children) >= 2  # the workers (and the fork server)
        real = httpx.get(f"{base}/api/v1/datasets/ersst-v5/plots/map", timeout=60)
        assert real.status_code == 200 and real.content.startswith(b"\x89PNG")
        with ThreadPoolExecutor(1) as pool:
            slow = pool.submit(
                httpx.get, f"{base}/api/v1/datasets/ersst-v5/plots/sleep?seconds=2", timeout=60
            )
            time.sleep(0.7)  # the render is running in a worker
            process.send_signal(signal.SIGTERM)
            response = slow.result()
        assert response.status_code == 200
        assert response.content.startswith(b"\x89PNG")
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Application shutdown complete" in output
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.pid for p in alive]
