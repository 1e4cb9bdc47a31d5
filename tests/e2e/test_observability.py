"""Metrics and logs: /metrics counts what was served; every log line is JSON with the request id."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.settings import DEFAULT_CATALOG
from tests.api.test_availability import break_file
from tests.e2e.test_serve import start, wait_ready

D = "/api/v1/datasets"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """{(sample name, labels): value} of a Prometheus text exposition (the real parser)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def labels(**pairs: str) -> frozenset[tuple[str, str]]:
    return frozenset(pairs.items())


def test_metrics_count_requests_by_route_and_status_and_the_plot_runner(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(DEFAULT_CATALOG)
    for _ in range(3):
        assert client.get(f"{D}/ersst-v5").status_code == 200
    assert client.get(f"{D}/no-such-dataset").status_code == 404
    assert client.get("/no/such/path").status_code == 404
    plot = {"time": "2019-01-01", "width": 300, "height": 200}
    assert client.get(f"{D}/ersst-v5/plots/map", params=plot).status_code == 200
    assert client.get(f"{D}/ersst-v5/plots/map", params=plot).status_code == 200  # cache

    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    values = samples(answer.text)
    dataset = {"route": "/api/v1/datasets/{dataset_id}", "method": "GET"}
    assert values["oceanapi_http_requests_total", labels(**dataset, status="200")] == 3
    assert values["oceanapi_http_requests_total", labels(**dataset, status="404")] == 1
    unrouted = labels(route="(none)", method="GET", status="404")
    assert values["oceanapi_http_requests_total", unrouted] == 1
    count = "oceanapi_http_request_duration_seconds_count"
    assert values[count, labels(**dataset, status="200")] == 3
    spent = values["oceanapi_http_request_duration_seconds_sum", labels(**dataset, status="200")]
    assert 0 < spent < 30
    plots = {"route": "/api/v1/datasets/{dataset_id}/plots/map", "method": "GET", "status": "200"}
    assert values["oceanapi_http_requests_total", labels(**plots)] == 2
    runner = client.app.state.runner  # type: ignore[attr-defined]
    assert values["oceanapi_plot_renders_total", labels()] == 1 == runner.stats.renders
    assert values["oceanapi_plot_cache_hits_total", labels()] == 1
    assert values["oceanapi_plot_cache_bytes", labels()] == runner.cache_bytes > 0
    assert values["oceanapi_plot_queue_depth", labels()] == 0
    assert values["oceanapi_http_requests_in_progress", labels()] == 1  # this scrape
    assert values["oceanapi_plot_workers", labels()] == runner.workers
    assert values["oceanapi_plot_worker_restarts_total", labels()] == 0


def json_lines(output: str) -> list[dict[str, Any]]:
    """The service's log lines; each one must be a JSON object (uvicorn's included)."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines
    started = next(i for i, line in enumerate(lines) if line.startswith("{"))
    not_json = [line for line in lines[started:] if not line.startswith("{")]
    assert not not_json, not_json
    records = [json.loads(line) for line in lines[started:]]
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    return records


def test_logs_are_json_lines_with_the_request_id(tmp_path: Path) -> None:
    scratch = tmp_path / "samples"
    shutil.copytree(DEFAULT_CATALOG.parent, scratch)
    process, base = start(
        {"OCEANAPI_CATALOG": str(scratch / "catalog.yaml"), "OCEANAPI_PLOT__WORKERS": "1"}
    )
    try:
        wait_ready(process, base)
        ok = httpx.get(f"{base}{D}/ersst-v5", headers={"X-Request-ID": "trace-ok"})
        missing = httpx.get(f"{base}{D}/nope", headers={"X-Request-ID": "trace-404"})
        break_file(scratch / "sst.mnmean.nc", "truncated")
        broken = httpx.get(
            f"{base}{D}/ersst-v5/data/point",
            params={"lon": -30, "lat": 20, "time": "2020-04-01"},
            headers={"X-Request-ID": "trace-broken"},
        )
        assert (ok.status_code, missing.status_code, broken.status_code) == (200, 404, 503)
    finally:
        process.terminate()
        output = process.finish(timeout=30)
    records = json_lines(output)
    access = {r["request_id"]: r for r in records if r["logger"] == "oceanapi.access"}
    assert access["trace-ok"]["status"] == 200
    assert access["trace-ok"]["route"] == "/api/v1/datasets/{dataset_id}"
    assert access["trace-ok"]["path"] == f"{D}/ersst-v5"
    assert access["trace-ok"]["duration_ms"] > 0
    assert access["trace-404"]["status"] == 404
    assert access["trace-broken"]["status"] == 503
    assert "time=2020-04-01" in access["trace-broken"]["query"]
    # Logged from the thread pool while the request was served: it carries the request's id.
    (failure,) = [r for r in records if "reading failed" in r["message"]]
    assert failure["request_id"] == "trace-broken"
    assert failure["level"] == "ERROR" and "RuntimeError" in failure["exc_info"]
    startup = [r for r in records if r["logger"].startswith("uvicorn")]
    assert any("Application startup complete" in r["message"] for r in startup)
    assert all(r["request_id"] is None for r in startup)
