"""Shutdown under uvicorn: an in-flight render finishes; no worker outlives the server."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import psutil

from tests.e2e.test_observability import labels, samples
from tests.e2e.test_serve import start, wait_ready
from tests.plotting.test_pool import wait_for

OWN = {"/metrics", "/ready"}
"""Routes the tests call themselves, not counted as the load's requests."""


def scrape(base: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return samples(httpx.get(f"{base}/metrics").text)


def received(base: str) -> int:
    """Requests the server has taken, answered or not (besides the scrapes and /ready)."""
    values = scrape(base)
    answered = sum(
        value
        for (name, pairs), value in values.items()
        if name == "oceanapi_http_requests_total" and dict(pairs)["route"] not in OWN
    )
    return int(answered + values["oceanapi_http_requests_in_progress", labels()] - 1)


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
            wait_for(lambda: scrape(base)["oceanapi_plot_renders_running", labels()] == 1)
            process.send_signal(signal.SIGTERM)
            response = slow.result()
        assert response.status_code == 200
        assert response.content.startswith(b"\x89PNG")
        output = process.finish(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert "Application shutdown complete" in output
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.pid for p in alive]


def test_sigterm_under_load_answers_every_request_in_flight() -> None:
    """Renders running and waiting, map plots and data queries all in flight at SIGTERM."""
    process, base = start(
        {"OCEANAPI_PLOT__WORKERS": "2"}, factory="tests.plotting.probes:create_probe_app"
    )
    plots = f"{base}/api/v1/datasets/ersst-v5/plots"
    urls = [f"{plots}/sleep?seconds=1&tag={k}" for k in range(6)]  # 3 s of work for 2 workers
    urls += [f"{plots}/map?time=2019-{m:02d}-01" for m in range(1, 7)]
    urls += [
        f"{base}/api/v1/datasets/glorys/data/area?variables=thetao&bbox=-20,40,-10,50"
        for _ in range(8)
    ]
    try:
        wait_ready(process, base)
        children = psutil.Process(process.pid).children(recursive=True)
        limits = httpx.Limits(max_connections=len(urls))
        with httpx.Client(timeout=60, limits=limits) as http, ThreadPoolExecutor(len(urls)) as pool:
            answers = [  # from 20 clients: each within the per-client limit
                pool.submit(http.get, url, headers={"X-Forwarded-For": f"192.0.2.{k}"})
                for k, url in enumerate(urls)
            ]
            wait_for(lambda: received(base) == len(urls))
            assert scrape(base)["oceanapi_plot_renders_running", labels()] == 2
            process.send_signal(signal.SIGTERM)
            responses = [a.result() for a in answers]
        output = process.finish(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert [r.status_code for r in responses] == [200] * len(urls), [
        (str(r.url), r.status_code) for r in responses if r.status_code != 200
    ]
    assert all(r.content.startswith(b"\x89PNG") for r in responses[:12])
    assert all(r.json()["variables"]["thetao"]["values"] for r in responses[12:])
    assert "Application shutdown complete" in output
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.pid for p in alive]
