"""The HTTP metric series are kept as plain counts (api.observability._HttpCollector); their
exposition is what prometheus_client's own labelled Counter and Histogram write for the same
answers."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from api.observability import LATENCY_BUCKETS, _HttpCollector

ANSWERS = [
    ("/health", "GET", 200, 0.0004),
    ("/health", "GET", 200, 0.005),  # on a bucket's bound: counted in it (le)
    ("/health", "HEAD", 200, 0.02),
    ("/api/v1/datasets/{dataset_id}", "GET", 404, 0.3),
    ("/api/v1/datasets/{dataset_id}", "GET", 404, 75.0),  # past the last bound: +Inf only
]


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if not s.name.endswith("_created")  # prometheus_client's creation times
    }


def test_plain_series_expose_what_prometheus_client_would() -> None:
    ours = CollectorRegistry()
    collector = _HttpCollector()
    ours.register(collector)
    theirs = CollectorRegistry()
    labels = ["route", "method", "status"]
    requests = Counter(
        "oceanapi_http_requests",
        "HTTP requests answered, by route template, method and status.",
        labels,
        registry=theirs,
    )
    latency = Histogram(
        "oceanapi_http_request_duration_seconds",
        "Time from a request's arrival to the end of its answer, by route template, method "
        "and status.",
        labels,
        buckets=LATENCY_BUCKETS,
        registry=theirs,
    )
    for route, method, status, seconds in ANSWERS:
        collector.observe(route, method, status, seconds)
        requests.labels(route, method, str(status)).inc()
        latency.labels(route, method, str(status)).observe(seconds)

    expected = _samples(generate_latest(theirs).decode())
    got = _samples(generate_latest(ours).decode())
    assert got == expected
    health = frozenset({("route", "/health"), ("method", "GET"), ("status", "200")})
    bucket = "oceanapi_http_request_duration_seconds_bucket"
    assert got[bucket, health | {("le", "0.005")}] == 2
    missing = frozenset({("route", "/api/v1/datasets/{dataset_id}"), ("method", "GET")})
    missing |= {("status", "404")}
    assert got[bucket, missing | {("le", "60.0")}] == 1
    assert got[bucket, missing | {("le", "+Inf")}] == 2
    assert got["oceanapi_http_request_duration_seconds_sum", missing] == pytest.approx(75.3)
