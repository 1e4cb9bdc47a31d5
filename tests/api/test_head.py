"""HEAD answers every GET with the GET's status and headers and no body, doing no more work
than it must: a plot is rendered once (the GET after it is a cache hit), a data download is
checked and estimated but never computed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from api import examples
from api.settings import DEFAULT_CATALOG, REPO_ROOT
from plotting.data_runner import DataSettings

D = "/api/v1/datasets"
E = "/edr/collections"
# Headers that may differ between two answers to the same request: when it was sent, the
# request's own id, and how long it took or where it came from (a cache the second time).
PER_ANSWER = {"date", "x-request-id", "server-timing"}


def same_headers(head: Any, get: Any, *, also: set[str] = frozenset()) -> dict[str, str]:
    """The headers HEAD and GET share, after checking that they are the same ones."""
    ignore = PER_ANSWER | set(also)
    head_headers = {k: v for k, v in head.headers.items() if k not in ignore}
    get_headers = {k: v for k, v in get.headers.items() if k not in ignore}
    assert head_headers == get_headers
    return get_headers


def raw(client: TestClient, method: str, path: str, query: str = "") -> list[dict[str, Any]]:
    """The ASGI messages the app sends for a request: what a server would put on the wire
    (TestClient drops a HEAD's body itself, so it cannot show that the app sent none)."""
    messages: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def run() -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        await client.app(scope, receive, send)  # type: ignore[arg-type]

    assert client.portal is not None
    client.portal.call(run)
    assert scope["method"] == method  # the server's scope is left as it was
    return messages


@pytest.mark.parametrize(
    "url",
    [
        "/health",
        "/ready",
        "/metrics",
        "/openapi.json",
        "/openapi.yaml",
        "/problems/not-acceptable",
        f"{D}",
        f"{D}/ersst-v5",
        f"{D}/ersst-v5/variables/sst",
        "/edr/",
        f"{E}/glorys",
        f"{E}/glorys?f=html",
        f"{D}/ersst-v5/data/point?lon=-140&lat=0.5&time=2015-12-01",
        f"{D}/ersst-v5/data/point?lon=-140&lat=0.5&time=2015-12-01&f=csv",
        f"{D}/ersst-v5/data/area?bbox=-170,-5,-120,5&f=csv",
        f"{D}/glorys/data/profile?lon=-10&lat=50&f=nc",
        f"{E}/glorys/position?coords=POINT(-10%2050)&parameter-name=thetao",
        f"{E}/ersst-v5/cube?bbox=-170,-5,-120,5&f=CSV",
        "/api/v1/colormaps/thermal",
    ],
)
def test_head_has_the_get_status_and_headers(client: TestClient, url: str) -> None:
    get = client.get(url)
    head = client.head(url)
    assert get.status_code == head.status_code == 200, get.text
    assert head.content == b""
    # A data answer is not computed for HEAD, so its length is not known (RFC 9110 §9.3.2).
    data = "/data/" in url or "/position" in url or "/cube" in url
    scrape = url == "/metrics"  # it counts the request before it
    shared = same_headers(head, get, also={"content-length"} if data or scrape else set())
    assert shared["content-type"] == get.headers["content-type"]
    if data:
        assert "content-length" not in head.headers
        assert head.headers["server-timing"] == get.headers["server-timing"]
    elif not scrape:  # the length sent (gzip-compressed, for the document)
        assert head.headers["content-length"] == str(get.num_bytes_downloaded)


DOCUMENT = yaml.safe_load((REPO_ROOT / "openapi.yaml").read_text(encoding="utf-8"))
EXAMPLES = [
    pytest.param(examples.request_of(path, item["get"]), id=item["get"]["operationId"])
    for path, item in DOCUMENT["paths"].items()
]


@pytest.mark.parametrize("url", EXAMPLES)
def test_every_operation_answers_head(client: TestClient, url: str) -> None:
    """Every operation of the document, by its worked example: HEAD first (a plot is drawn
    for it), then the GET, which must agree."""
    head = client.head(url)
    get = client.get(url)
    assert head.status_code == get.status_code == 200, get.text[:300]
    assert head.content == b""
    for name in ("content-type", "etag", "cache-control", "content-disposition", "vary"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_head_of_the_docs_and_their_assets(client: TestClient) -> None:
    page = client.get("/docs")
    if page.status_code == 404:
        pytest.skip("the docs pages are not built (make docs)")
    head = client.head("/docs")
    assert head.status_code == 200 and head.content == b""
    shared = same_headers(head, page, also={"etag", "last-modified"})
    assert shared["content-security-policy"] == page.headers["content-security-policy"]
    assert head.headers["content-length"] == str(page.num_bytes_downloaded)
    assets = sorted((client.app.state.settings.docs_dir / "assets").iterdir())  # type: ignore[attr-defined]
    asset = f"/docs/assets/{assets[0].name}"
    get, head = client.get(asset), client.head(asset)
    assert get.status_code == head.status_code == 200
    same_headers(head, get)
    assert head.headers["content-length"] == str(get.num_bytes_downloaded)


def test_the_app_sends_no_body_bytes_for_head(client: TestClient) -> None:
    for path, query in [
        ("/health", ""),
        ("/openapi.json", ""),
        (f"{D}/ersst-v5/data/point", "lon=-140&lat=0.5&f=csv"),
    ]:
        messages = raw(client, "HEAD", path, query)
        start, *bodies = messages
        assert start["type"] == "http.response.start" and start["status"] == 200
        assert all(m["body"] == b"" for m in bodies if m["type"] == "http.response.body")
        get = raw(client, "GET", path, query)
        assert b"".join(m.get("body", b"") for m in get[1:])  # the GET has one


@pytest.mark.parametrize(
    ("url", "status", "problem"),
    [
        (f"{D}/nope", 404, "dataset-not-found"),
        (f"{D}/ersst-v5/data/point?lon=-140", 400, "invalid-parameters"),
        (f"{D}/ersst-v5/data/point?lon=-140&lat=0&limt=1", 400, "invalid-parameters"),
        (f"{D}/ersst-v5/data/point?lon=-140&lat=0&variables=temp", 404, "variable-not-found"),
        (f"{D}/ersst-v5/data/point?lon=-140&lat=0&units=kg", 400, "invalid-parameters"),
        (
            f"{D}/ersst-v5/data/area?bbox=-180,-88,180,88&variables=sst&f=xml",
            400,
            "invalid-parameters",
        ),
        (f"{E}/glorys/position?coords=POINT(-10)", 400, "invalid-parameters"),
        (f"{E}/nope/position?coords=POINT(-10%2050)", 404, "dataset-not-found"),
        (f"{D}/ersst-v5/plots/map?width=10", 400, "invalid-parameters"),
        (f"{D}/ersst-v5/plots/nope", 404, "plot-type-not-found"),
        ("/nowhere", 404, "not-found"),
    ],
)
def test_head_of_a_bad_request_is_the_get_problem(
    client: TestClient, url: str, status: int, problem: str
) -> None:
    get, head = client.get(url), client.head(url)
    assert get.status_code == head.status_code == status
    assert get.json()["type"] == f"/problems/{problem}"
    assert head.content == b""
    assert head.headers["content-type"] == "application/problem+json"
    same_headers(head, get, also={"content-length"})  # the detail names the request id


def test_head_of_too_much_data_is_413_before_any_work(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(DEFAULT_CATALOG, max_values=10_000)
    url = f"{D}/ersst-v5/data/area?bbox=-180,-88,180,88"
    stats = client.app.state.data.stats  # type: ignore[attr-defined]
    head = client.head(url)
    assert head.status_code == 413 and head.headers["content-type"] == "application/problem+json"
    assert (stats.inline, stats.jobs) == (0, 0)
    assert client.get(url).status_code == 413


def test_plot_head_renders_once_and_the_get_is_a_cache_hit(client: TestClient) -> None:
    url = f"{D}/ersst-v5/plots/map?variable=sst&width=321&height=203&bbox=-180,-60,-100,0"
    stats = client.app.state.runner.stats  # type: ignore[attr-defined]
    renders, hits = stats.renders, stats.cache_hits
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert (stats.renders, stats.cache_hits) == (renders + 1, hits)
    get = client.get(url)
    assert (stats.renders, stats.cache_hits) == (renders + 1, hits + 1)
    assert get.headers["server-timing"] == 'cache;desc="hit"'
    shared = same_headers(head, get)
    assert shared["etag"] == get.headers["etag"] and shared["content-type"] == "image/png"
    assert head.headers["content-length"] == str(len(get.content))
    again = client.head(url)
    assert (stats.renders, stats.cache_hits) == (renders + 1, hits + 2)
    assert again.headers["etag"] == get.headers["etag"]
    cached = client.head(url, headers={"If-None-Match": get.headers["etag"]})
    assert cached.status_code == 304


def test_data_head_runs_no_job_inline_or_in_a_worker(
    make_client: Callable[..., TestClient],
) -> None:
    # Every query goes to a worker here, as a large one would.
    client = make_client(DEFAULT_CATALOG, data=DataSettings(inline_max_values=0, workers=1))
    stats = client.app.state.data.stats  # type: ignore[attr-defined]
    urls = [
        f"{D}/ersst-v5/data/area?bbox=-180,-60,180,60&f=csv",
        f"{D}/glorys/data/area?bbox=-15,48,5,62&f=nc",
        f"{E}/ersst-v5/cube?bbox=-170,-5,-120,5&f=NetCDF",
    ]
    for url in urls:
        head = client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["server-timing"] == 'source;desc="worker"'
        assert "content-length" not in head.headers
        assert (stats.inline, stats.jobs) == (0, 0), url
    spool = client.app.state.data._spool  # type: ignore[attr-defined]
    assert list(spool.iterdir()) == []
    for number, url in enumerate(urls, start=1):
        get = client.get(url)
        assert get.status_code == 200 and (stats.inline, stats.jobs) == (0, number)
        head = client.head(url)
        same_headers(head, get, also={"content-length"})
        assert head.headers["server-timing"] == get.headers["server-timing"]
        assert int(get.headers["content-length"]) == len(get.content) > 0
    nc = client.head(urls[1])
    assert nc.headers["content-disposition"] == 'attachment; filename="glorys-area.nc"'
    assert nc.headers["content-type"] == "application/x-netcdf"


def test_small_data_head_is_not_answered_inline_either(client: TestClient) -> None:
    stats = client.app.state.data.stats  # type: ignore[attr-defined]
    before = (stats.inline, stats.jobs)
    head = client.head(f"{D}/ersst-v5/data/timeseries?lon=-140&lat=0.5&f=csv")
    assert head.status_code == 200
    assert head.headers["server-timing"] == 'source;desc="inline"'
    assert head.headers["content-type"] == "text/csv; charset=utf-8"
    assert (stats.inline, stats.jobs) == before


def test_head_is_counted_as_head_in_the_metrics(client: TestClient) -> None:
    def heads() -> float:
        line = 'oceanapi_http_requests_total{method="HEAD",route="/health",status="200"} '
        found = [x for x in client.get("/metrics").text.splitlines() if x.startswith(line)]
        return float(found[0].removeprefix(line)) if found else 0.0

    before = heads()
    client.head("/health")
    assert heads() == before + 1


def test_cors_preflight_of_a_head_is_allowed(client: TestClient) -> None:
    preflight = client.options(
        f"{D}/ersst-v5",
        headers={"Origin": "https://maps.example.org", "Access-Control-Request-Method": "HEAD"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    head = client.head(f"{D}/ersst-v5", headers={"Origin": "https://maps.example.org"})
    assert head.status_code == 200 and head.headers["access-control-allow-origin"] == "*"


def test_head_cannot_see_an_empty_selection(client: TestClient) -> None:
    """What only reading the data finds (no cell in the shape) is not seen by a HEAD, which
    reads nothing: the README says so."""
    for url, status in [
        (f"{D}/glorys/data/area?bbox=100,0,110,10", 404),
        (f"{E}/glorys/area?coords=POLYGON((100 0,101 0,101 1,100 0))", 204),
    ]:
        assert client.get(url).status_code == status
        assert client.head(url).status_code == 200
