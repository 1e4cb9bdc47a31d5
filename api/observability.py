"""Observability: Prometheus metrics, and logs (JSON by default) that carry the request id.

- ``MetricsMiddleware`` counts every answer by route template, method and status, times it,
  and writes one access-log line per request.
- ``/metrics`` (Service tag) serves the app's own registry in the Prometheus text format: the
  HTTP figures plus the plot runner's, read from the runner when scraped.
- Each log record gets the id of the request being served (a context variable that
  ``RequestIdMiddleware`` sets), also from the thread pool and from tasks a request starts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pythonjsonlogger.json import JsonFormatter
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.responses import problem_responses

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
NO_ROUTE = "(none)"
"""The route label of an answer given before routing: an unknown path, a 429."""
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

access_log = logging.getLogger("oceanapi.access")


class Metrics:
    """The app's metrics registry (one per app, so tests can build many apps)."""

    def __init__(self, app_state: Any) -> None:
        self.registry = CollectorRegistry()
        labels = ["route", "method", "status"]
        self.requests = Counter(
            "oceanapi_http_requests",
            "HTTP requests answered, by route template, method and status.",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "oceanapi_http_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by route template, method "
            "and status.",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_progress = Gauge(
            "oceanapi_http_requests_in_progress",
            "HTTP requests being answered now.",
            registry=self.registry,
        )
        self.registry.register(
            _RunnerCollector(app_state, "runner", "oceanapi_plot", _plot_figures)
        )
        self.registry.register(_RunnerCollector(app_state, "data", "oceanapi_data", _data_figures))

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)


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


class MetricsMiddleware:
    """Counts and times every HTTP answer, and logs it (one line per request)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        begin = time.perf_counter()
        in_progress = self.metrics.in_progress
        in_progress.inc()
        status = 500  # an exception that escapes becomes the 500 problem outside

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            in_progress.dec()
            seconds = time.perf_counter() - begin
            route = _route_template(scope)
            labels = (route, scope["method"], str(status))
            self.metrics.requests.labels(*labels).inc()
            self.metrics.latency.labels(*labels).observe(seconds)
            query = scope.get("query_string", b"").decode("latin-1")
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "query": query[:1000],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": scope["client"][0] if scope.get("client") else None,
                },
            )


def _route_template(scope: Scope) -> str:
    """The matched route's path template with its router prefixes, e.g.
    /api/v1/datasets/{dataset_id}; NO_ROUTE when nothing matched.

    FastAPI keeps an included router's routes unprefixed, so the template is the document
    path that ends with the route's own path and matches the request; cached per route.
    """
    route = scope.get("route")
    if route is None:
        return NO_ROUTE
    app = scope["app"]
    templates: dict[int, str] = app.state.route_templates
    key = id(route)  # routes live as long as the app
    if key not in templates:
        own: str = getattr(route, "path", NO_ROUTE)
        documented = app.openapi()["paths"]
        templates[key] = next(
            (
                template
                for template in documented
                if template.endswith(own) and compile_path(template)[0].match(scope["path"])
            ),
            own,
        )
    return templates[key]


router = APIRouter(tags=["Service"])


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


class _RequestIdFilter(logging.Filter):
    """Puts the current request's id on every record (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure_logging(level: str, json: bool) -> None:
    """The service's log: our loggers at ``level``; JSON lines (or text) with the request id.

    uvicorn's own loggers, configured before the app is built, get the same format, so every
    line of the service's output parses alike.
    """
    if json:
        formatter: logging.Formatter = JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )
    else:
        formatter = logging.Formatter("%(levelname)s %(name)s [%(request_id)s]: %(message)s")
    logger = logging.getLogger("oceanapi")
    logger.setLevel(level.upper())
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())
    for name in ("oceanapi", "uvicorn", "uvicorn.error"):
        for handler in logging.getLogger(name).handlers:
            handler.setFormatter(formatter)
            if not any(isinstance(f, _RequestIdFilter) for f in handler.filters):
                handler.addFilter(_RequestIdFilter())
