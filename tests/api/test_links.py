"""Absolute links name the service as configured or as a trusted proxy says, never as a client's
Host header says; the client address is X-Forwarded-For's only from a trusted proxy.

TestClient's peer is ``client=(address, port)`` (default "testclient", no address uvicorn's
trust list can hold) and the socket's own address is ("testserver", 80).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.proxy import Forwarding
from api.settings import DEFAULT_CATALOG, Settings

UNTRUSTED = ("203.0.113.9", 50000)
PROXY = ("127.0.0.1", 50000)  # trusted by default, as by uvicorn
SPOOF = {"Host": "evil.example:666"}
JSON_PAGES = [
    "/api/v1/datasets",
    "/api/v1/datasets/ersst-v5",
    "/api/v1/datasets/ersst-v5/times?limit=1",
    "/edr/",
    "/edr/collections",
    "/edr/collections/ersst-v5",
]
HTML_PAGES = ["/edr/?f=html", "/edr/collections?f=html", "/edr/collections/ersst-v5?f=html"]
PUBLIC = "https://ocean.example.org/api-root"


@pytest.fixture
def clients() -> Iterator[Callable[..., TestClient]]:
    """TestClients of new apps over the samples, from a given peer address; the lifespan (plot
    workers) is not started: these pages need only the catalog, which opens on first use."""
    apps: list[Any] = []

    def build(peer: tuple[str, int] = UNTRUSTED, **settings: Any) -> TestClient:
        app = create_app(Settings(catalog=DEFAULT_CATALOG, **settings))
        apps.append(app)
        return TestClient(app, client=peer)

    yield build
    for app in apps:
        app.state.catalog.close()


def links(text: str) -> list[str]:
    """Every absolute http(s) URL in a JSON or HTML answer."""
    return re.findall(r"https?://[^\s\"'<>]+", text)


@pytest.mark.parametrize("path", JSON_PAGES + HTML_PAGES)
def test_a_spoofed_host_never_reaches_a_link(clients: Callable[..., TestClient], path: str) -> None:
    answer = clients().get(path, headers=SPOOF)
    assert answer.status_code == 200, answer.text
    assert "evil.example" not in answer.text
    found = links(answer.text)
    ours = [url for url in found if "testserver" in url]
    assert ours and all(url.startswith("http://testserver/") for url in ours), found


def test_an_allowed_host_is_kept_with_its_port(clients: Callable[..., TestClient]) -> None:
    client = clients()
    detail = client.get("/api/v1/datasets/ersst-v5", headers={"Host": "localhost:8000"}).json()
    assert detail["links"]["self"] == "http://localhost:8000/api/v1/datasets/ersst-v5"
    configured = clients(allowed_hosts=["ocean.example.org"])
    answer = configured.get("/api/v1/datasets/ersst-v5", headers={"Host": "Ocean.Example.org"})
    assert answer.json()["links"]["self"] == "http://Ocean.Example.org/api/v1/datasets/ersst-v5"
    refused = configured.get("/api/v1/datasets/ersst-v5", headers={"Host": "localhost:8000"})
    assert refused.json()["links"]["self"] == "http://testserver/api/v1/datasets/ersst-v5"


@pytest.mark.parametrize("peer", [UNTRUSTED, PROXY])
def test_a_public_url_is_the_base_of_every_link(
    clients: Callable[..., TestClient], peer: tuple[str, int]
) -> None:
    client = clients(peer, public_url=PUBLIC)
    headers = {**SPOOF, "X-Forwarded-Host": "other.example", "X-Forwarded-Proto": "http"}
    for path in JSON_PAGES + HTML_PAGES:  # the proxy strips /api-root before forwarding
        answer = client.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        found = links(answer.text)
        ours = [u for u in found if "example" in u or "testserver" in u]
        assert ours and all(u.startswith(f"{PUBLIC}/") for u in ours), (path, found)
    detail = client.get("/api/v1/datasets/ersst-v5").json()
    assert detail["links"] == {
        "self": f"{PUBLIC}/api/v1/datasets/ersst-v5",
        "variables": f"{PUBLIC}/api/v1/datasets/ersst-v5/variables",
        "times": f"{PUBLIC}/api/v1/datasets/ersst-v5/times",
        "depths": f"{PUBLIC}/api/v1/datasets/ersst-v5/depths",
    }
    listing = client.get("/api/v1/datasets").json()
    assert [d["links"]["self"] for d in listing["datasets"]] == [
        f"{PUBLIC}/api/v1/datasets/{d['id']}" for d in listing["datasets"]
    ]
    page = client.get("/api/v1/datasets/ersst-v5/times", params={"limit": 1}).json()
    assert page["next"].startswith(f"{PUBLIC}/api/v1/datasets/ersst-v5/times?")
    missing = client.get("/api/v1/datasets/nope").json()
    assert missing["instance"] == "/api-root/api/v1/datasets/nope"  # the path the client used
    metrics = client.get("/metrics").text
    assert 'route="/api/v1/datasets/{dataset_id}"' in metrics  # templates without the prefix


def test_forwarded_host_and_proto_only_from_a_trusted_proxy(
    clients: Callable[..., TestClient],
) -> None:
    forwarded = {**SPOOF, "X-Forwarded-Host": "ocean.example.org", "X-Forwarded-Proto": "https"}
    path = "/api/v1/datasets/ersst-v5"
    proxied = clients(PROXY).get(path, headers=forwarded).json()
    assert proxied["links"]["self"] == "https://ocean.example.org/api/v1/datasets/ersst-v5"
    direct = clients(UNTRUSTED).get(path, headers=forwarded).json()
    assert direct["links"]["self"] == "http://testserver/api/v1/datasets/ersst-v5"
    # A client's own X-Forwarded-Host comes first; the one the proxy adds, last, counts.
    chained = {"X-Forwarded-Host": "evil.example, ocean.example.org:8443"}
    answer = clients(PROXY).get(path, headers=chained).json()
    assert answer["links"]["self"] == "http://ocean.example.org:8443/api/v1/datasets/ersst-v5"
    junk = {"X-Forwarded-Host": "evil.example/path", "Host": "evil.example"}
    answer = clients(PROXY).get(path, headers=junk).json()
    assert answer["links"]["self"] == "http://testserver/api/v1/datasets/ersst-v5"
    listed = clients(("10.1.2.3", 80), forwarded_allow_ips=["10.0.0.0/8"])
    answer = listed.get(path, headers=forwarded).json()
    assert answer["links"]["self"] == "https://ocean.example.org/api/v1/datasets/ersst-v5"


def test_the_access_log_names_the_forwarded_client_only_from_a_trusted_proxy(
    clients: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.20", "X-Request-ID": "via-proxy"}
    caplog.set_level(logging.INFO, logger="oceanapi.access")
    clients(PROXY).get("/health", headers=forwarded)
    clients(UNTRUSTED).get("/health", headers={**forwarded, "X-Request-ID": "direct"})
    access = {
        r.request_id: r.client  # type: ignore[attr-defined]
        for r in caplog.records
        if r.name == "oceanapi.access"
    }
    assert access == {"via-proxy": "198.51.100.20", "direct": UNTRUSTED[0]}


def scope(peer: str, *headers: tuple[str, str], server: Any = ("10.0.0.5", 8000)) -> Any:
    return {
        "type": "http",
        "scheme": "http",
        "path": "/health",
        "raw_path": b"/health",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers],
        "client": (peer, 4000),
        "server": server,
    }


@pytest.mark.parametrize(
    ("peer", "headers", "host", "scheme", "client"),
    [
        ("192.0.2.1", [("host", "localhost")], "localhost", "http", "192.0.2.1"),
        ("192.0.2.1", [("host", "[::1]:8000")], "[::1]:8000", "http", "192.0.2.1"),
        ("192.0.2.1", [("host", "10.0.0.5:8000")], "10.0.0.5:8000", "http", "192.0.2.1"),
        ("192.0.2.1", [("host", "evil.example")], "10.0.0.5:8000", "http", "192.0.2.1"),
        ("192.0.2.1", [("host", "a b")], "10.0.0.5:8000", "http", "192.0.2.1"),
        ("192.0.2.1", [("x-forwarded-for", "198.51.100.1")], None, "http", "192.0.2.1"),
        # Through two trusted proxies: the first untrusted address from the right.
        (
            "127.0.0.1",
            [("x-forwarded-for", "198.51.100.1, 203.0.113.4, 127.0.0.1")],
            None,
            "http",
            "203.0.113.4",
        ),
        ("127.0.0.1", [("x-forwarded-proto", "HTTPS")], None, "https", "127.0.0.1"),
        ("127.0.0.1", [("x-forwarded-proto", "gopher")], None, "http", "127.0.0.1"),
    ],
)
def test_forwarding_resolves_host_scheme_and_client(
    peer: str, headers: list[tuple[str, str]], host: str | None, scheme: str, client: str
) -> None:
    forwarding = Forwarding(None, ["127.0.0.1", "::1"], ["localhost", "127.0.0.1", "::1"])
    request = scope(peer, *headers)
    forwarding.resolve(request)
    assert dict(request["headers"]).get(b"host") == (host.encode() if host else None)
    assert request["scheme"] == scheme
    assert request["client"][0] == client


def test_a_public_url_prefix_is_added_once() -> None:
    forwarding = Forwarding(f"{PUBLIC}/", ["127.0.0.1"], ["localhost"])
    request = scope("192.0.2.1", ("host", "evil.example"))
    forwarding.resolve(request)
    assert (request["root_path"], request["path"], request["raw_path"]) == (
        "/api-root",
        "/api-root/health",
        b"/api-root/health",
    )
    assert dict(request["headers"])[b"host"] == b"ocean.example.org"
    assert request["scheme"] == "https"
    again = {**scope("192.0.2.1"), "root_path": "/api-root", "path": "/api-root/health"}
    forwarding.resolve(again)  # uvicorn --root-path has done it already
    assert again["path"] == "/api-root/health"
