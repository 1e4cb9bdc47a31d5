"""Observability: Prometheus metrics and the access log of every answer.

- ``Metrics.record`` (called by ``api.middleware.EdgeMiddleware`` once per request) counts
  every answer by route template, method and status, times it, and writes one access-log
  line (``api.logs.AccessLog``).
- ``/metrics`` (Service tag) serves the app's own registry in the Prometheus text format: the
  HTTP figures plus the plot runner's, read from the runner when scraped.
"""

from __future__ import annotations

import logging
import math
from bisect import bisect_left
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.routing import compile_path
from starlette.types import Scope

from api.logs import AccessLog, access_log
from api.responses import problem_responses
from api.routing import Router

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
NO_ROUTE = "(none)"
"""The route label of an answer given before routing: an unknown path, a 429."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    """The app's metrics registry (one per app, so tests can build many apps)."""

    def __init__(self, app_state: Any) -> None:
        self.registry = CollectorRegistry()
        self.http = _HttpCollector()
        self.registry.register(self.http)
        self.in_progress = 0
        """HTTP requests being answered now: a plain count, read when scraped."""
        Gauge(
            "oceanapi_http_requests_in_progress",
            "HTTP requests being answered now.",
            registry=self.registry,
        ).set_function(lambda: self.in_progress)
        self.registry.register(
            _RunnerCollector(app_state, "runner", "oceanapi_plot", _plot_figures)
        )
        self.registry.register(_RunnerCollector(app_state, "data", "oceanapi_data", _data_figures))
        self._templates: dict[int, str] = {}
        self.access = AccessLog()

    def record(self, scope: Scope, status: int, seconds: float) -> None:
        """Count and time one answer, and write its access-log line."""
        route = self._route_template(scope)
        method = scope["method"]
        self.http.observe(route, method, status, seconds)
        if access_log.isEnabledFor(logging.INFO):
            client = scope.get("client")
            self.access.add(
                {
                    "method": method,
                    "path": scope["path"],
                    "query": scope.get("query_string", b"")[:1000].decode("latin-1"),
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                }
            )

    def _route_template(self, scope: Scope) -> str:
        """The matched route's path template with its router prefixes, e.g.
        /api/v1/datasets/{dataset_id}; NO_ROUTE when nothing matched.

        FastAPI keeps an included router's routes unprefixed, so the template is the document
        path that ends with the route's own path and matches the request (without the
        root_path a public URL adds); cached per route.
        """
        route = scope.get("route")
        if route is None:
            return NO_ROUTE
        key = id(route)  # routes live as long as the app
        template = self._templates.get(key)
        if template is None:
            own: str = getattr(route, "path", NO_ROUTE)
            path = scope["path"].removeprefix(scope.get("root_path", ""))
            documented = scope["app"].openapi()["paths"]
            template = self._templates[key] = next(
                (t for t in documented if t.endswith(own) and compile_path(t)[0].match(path)),
                own,
            )
        return template

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)


class _HttpCollector(Collector):
    """``oceanapi_http_requests_total`` and ``oceanapi_http_request_duration_seconds`` by
    route template, method and status: plain counts per series, turned into Prometheus
    families when scraped.

    prometheus_client's labelled Counter and Histogram take a lock and walk the buckets in
    Python on every observation, several times this; one event loop records every answer, so
    plain numbers suffice. The exposition is the same (names, help, labels, ``le`` buckets).
    """

    def __init__(self) -> None:
        self.series: dict[tuple[str, str, int], list[Any]] = {}
        """(route, method, status) -> [count, seconds in total, count per latency bucket]."""

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        series = self.series.get((route, method, status))
        if series is None:
            series = self.series[route, method, status] = [0, 0.0, [0] * len(_BOUNDS)]
        series[0] += 1
        series[1] += seconds
        series[2][bisect_left(_BOUNDS, seconds)] += 1

    def collect(self) -> Iterator[Metric]:
        labels = ["route", "method", "status"]
        requests = CounterMetricFamily(
            "oceanapi_http_requests",
            "HTTP requests answered, by route template, method and status.",
            labels=labels,
        )
        latency = HistogramMetricFamily(
            "oceanapi_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template, method "
            "and status.",
            labels=labels,
        )
        for (route, method, status), (count, total, counts) in list(self.series.items()):
            values = [route, method, str(status)]
            requests.add_metric(values, count)
            cumulative = list(accumulate(counts))
            buckets = [(_LE[i], cumulative[i]) for i in range(len(_BOUNDS))]
            latency.add_metric(values, buckets=buckets, sum_value=total)
        yield requests
        yield latency


_BOUNDS = (*LATENCY_BUCKETS, math.inf)
_LE = [repr(float(bound)) if bound < math.inf else "+Inf" for bound in _BOUNDS]
"""The ``le`` labels, as prometheus_client writes them (0.005, 1.0, +Inf)."""


Figures = dict[str, tuple[str, float]]
"""Metric name (after the prefix) -> (help text, value)."""


class _RunnerCollector(Collector):
    """A runner's gauges and counters, read at scrape time from ``app_state.<attribute>``."""

    def __init__(
        self,
        app_state: Any,
        attribute: str,
        prefix: str,
        figures: Callable[[Any], tuple[Figures, Figures]],
    ) -> None:
        self.app_state, self.attribute, self.prefix = app_state, attribute, prefix
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        runner = getattr(self.app_state, self.attribute, None)
        if runner is None:
            return
        gauges, counters = self.figures(runner)
        for name, (text, value) in gauges.items():
            yield GaugeMetricFamily(f"{self.prefix}_{name}", text, value=value)
        for name, (text, value) in counters.items():
            yield CounterMetricFamily(f"{self.prefix}_{name}", text, value=value)


def _plot_figures(runner: Any) -> tuple[Figures, Figures]:
    """The plot runner's queue, workers, cache and outcomes."""
    stats, health = runner.stats, runner.health()
    gauges = {
        "queue_depth": ("Renders in flight plus waiting for a worker.", runner.queue_depth),
        "renders_running": ("Renders running in a worker now.", runner.running),
        "workers": ("Renders the backend runs at once (worker processes).", runner.workers),
        "workers_healthy": (
            "Plot workers alive and answering (running a render, or idle with a fresh "
            "heartbeat; on Dask the cluster's threads).",
            health.healthy,
        ),
        "cache_bytes": ("Bytes of images in the render cache.", runner.cache_bytes),
    }
    counters = {
        "renders": ("Images rendered by a worker.", stats.renders),
        "cache_hits": ("Plot requests answered from the render cache.", stats.cache_hits),
        "shared_renders": ("Requests that waited for an identical render.", stats.shared),
        "rejected": ("Plot requests refused with 503 (queue full).", stats.rejected),
        "abandoned": ("Renders dropped before starting: every client left.", stats.abandoned),
        "timeouts": ("Renders stopped at the time limit (504).", stats.timeouts),
        "crashes": ("Renders whose worker died (500).", stats.crashes),
        "worker_restarts": (
            "Workers started to replace one (after a timeout, a crash, or max_tasks).",
            runner.worker_restarts,
        ),
        "heartbeat_replacements": (
            "Idle plot workers killed and replaced because their heartbeat went stale.",
            health.heartbeat_replacements,
        ),
    }
    return gauges, counters


def _data_figures(data: Any) -> tuple[Figures, Figures]:
    """Where data queries ran, the data workers' queue and outcomes."""
    stats, health = data.stats, data.health()
    gauges = {
        "queue_depth": ("Large data queries in flight plus waiting.", data.queue_depth),
        "jobs_running": ("Large data queries running in a worker now.", data.running),
        "workers": ("Large data queries the backend runs at once.", data.workers),
        "workers_healthy": (
            "Data workers alive and answering (running a query, or idle with a fresh "
            "heartbeat; on Dask the cluster's threads).",
            health.healthy,
        ),
    }
    counters = {
        "inline": ("Data queries answered in the API process (small).", stats.inline),
        "jobs": ("Data queries answered by a data worker (large).", stats.jobs),
        "rejected": ("Large data queries refused with 503 (queue full).", stats.rejected),
        "cancelled": ("Large data queries stopped because their client left.", stats.cancelled),
        "timeouts": ("Large data queries stopped at the time limit (504).", stats.timeouts),
        "crashes": ("Large data queries whose worker died (500).", stats.crashes),
        "worker_restarts": (
            "Data workers started to replace one (timeout, crash, cancel, max_tasks).",
            data.worker_restarts,
        ),
        "heartbeat_replacements": (
            "Idle data workers killed and replaced because their heartbeat went stale.",
            health.heartbeat_replacements,
        ),
    }
    return gauges, counters


router = Router(tags=["Service"])


@router.get(
    "/metrics",
    operation_id="getMetrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Metrics in the Prometheus text format (0.0.4): "
            "`oceanapi_http_requests_total` and `oceanapi_http_request_duration_seconds` by "
            "route template, method and status; `oceanapi_plot_*`: queue depth, renders "
            "running, workers healthy, worker restarts and heartbeat replacements, cache hits "
            "and bytes, renders, 503s, timeouts, crashes; `oceanapi_data_*` likewise.",
            "content": {
                PROMETHEUS_TEXT: {
                    "schema": {"type": "string"},
                    "example": "oceanapi_plot_queue_depth 0.0\n",
                }
            },
        },
        **problem_responses(limited=False),
    },
)
async def metrics(request: Request) -> Response:
    """The service's metrics for a Prometheus scrape (never refused by the per-client limit)."""
    registry: Metrics = request.app.state.metrics
    return Response(registry.exposition(), media_type=PROMETHEUS_TEXT)
