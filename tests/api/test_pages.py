"""The static pages and their assets over HTTP: gzip when the request allows it (compressed
once, kept), the file's own bytes otherwise; and the documents and ReDoc's page naming the
server asked, not the committed document's placeholder origin."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from starlette.datastructures import Headers

import api.pages
from api.main import create_app
from api.pages import accepts_gzip
from api.settings import DEFAULT_CATALOG, DEFAULT_DOCS_DIR, REPO_ROOT, Settings
from schemas.origin import EXAMPLE_ORIGIN

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}
# URL -> the file it serves (the pages and assets whose text gzip shrinks)
COMPRESSED = {
    "/swagger": DEFAULT_DOCS_DIR / "swagger.html",
    "/docs/assets/swagger-ui-bundle.js": DEFAULT_DOCS_DIR / "assets" / "swagger-ui-bundle.js",
    "/docs/assets/swagger-ui.css": DEFAULT_DOCS_DIR / "assets" / "swagger-ui.css",
    "/maps/leaflet": DEFAULT_DOCS_DIR / "maps" / "leaflet.html",
    "/maps/assets/openlayers.js": DEFAULT_DOCS_DIR / "maps" / "assets" / "openlayers.js",
}
HOST = "ocean.test:9999"


@pytest.fixture(scope="module")
def web() -> Iterator[TestClient]:
    """A client whose Host ``ocean.test`` links may carry; no lifespan (no plot workers)."""
    app = create_app(Settings(catalog=DEFAULT_CATALOG, allowed_hosts=["ocean.test", "testserver"]))
    yield TestClient(app)
    app.state.catalog.close()


def raw(client: TestClient, method: str, url: str, headers: dict[str, str]) -> httpx.Response:
    """The response with its body as sent on the wire (not decoded)."""
    with client.stream(method, url, headers=headers) as response:
        response._content = b"".join(response.iter_raw())
    return response


@pytest.mark.parametrize("url", sorted(COMPRESSED))
def test_gzip_when_allowed_decompresses_to_the_files_bytes(web: TestClient, url: str) -> None:
    expected = COMPRESSED[url].read_bytes()
    packed = raw(web, "GET", url, GZIP)
    assert packed.status_code == 200
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert int(packed.headers["content-length"]) == len(packed.content) < len(expected)
    assert gzip.decompress(packed.content) == expected

    plain = raw(web, "GET", url, IDENTITY)
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert "accept-encoding" in plain.headers["vary"].lower()
    assert plain.content == expected
    assert int(plain.headers["content-length"]) == len(expected)
    assert plain.headers["content-type"] == packed.headers["content-type"]
    assert plain.headers["etag"] != packed.headers["etag"]  # two representations

    for headers, sent in [(GZIP, packed), (IDENTITY, plain)]:
        head = raw(web, "HEAD", url, headers)
        assert head.status_code == 200 and head.content == b""
        for name in ("content-length", "content-encoding", "etag", "vary", "content-type"):
            assert head.headers.get(name) == sent.headers.get(name), name


@pytest.mark.parametrize(
    ("accept", "gzipped"),
    [
        (None, False),
        ("identity", False),
        ("gzip;q=0", False),
        ("br", False),
        ("*;q=0.5", True),
        ("deflate, gzip;q=0.8", True),
        ("GZIP", True),
        ("gzip;q=0, *", False),
    ],
)
def test_accept_encoding_decides(web: TestClient, accept: str | None, gzipped: bool) -> None:
    headers = {"Accept-Encoding": accept} if accept is not None else {}
    assert accepts_gzip(Headers(headers)) is gzipped
    # httpx sends its own Accept-Encoding unless told: "identity" stands for none at all.
    response = raw(web, "GET", "/swagger", headers or {"Accept-Encoding": ""})
    assert (response.headers.get("content-encoding") == "gzip") is gzipped


def test_a_matching_etag_is_304_for_its_encoding_only(web: TestClient) -> None:
    url = "/docs/assets/swagger-ui.css"
    packed = raw(web, "GET", url, GZIP)
    again = raw(web, "GET", url, {**GZIP, "If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == packed.headers["etag"]
    other = raw(web, "GET", url, {**IDENTITY, "If-None-Match": packed.headers["etag"]})
    assert other.status_code == 200
    assert other.content == COMPRESSED[url].read_bytes()


def test_images_and_data_are_not_gzipped(web: TestClient) -> None:
    image = raw(web, "GET", "/docs/examples/plotMap.png", GZIP)
    assert image.status_code == 200
    assert "content-encoding" not in image.headers
    assert image.content == (REPO_ROOT / "docs" / "examples" / "plotMap.png").read_bytes()
    data = raw(web, "GET", "/api/v1/datasets", GZIP)
    assert data.status_code == 200 and "content-encoding" not in data.headers


def test_a_file_is_compressed_once(
    make_client: Callable[..., TestClient], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = tmp_path / "site"
    shutil.copytree(DEFAULT_DOCS_DIR, docs)
    client = make_client(DEFAULT_CATALOG, docs_dir=docs)
    calls: list[int] = []
    compress = gzip.compress

    def counted(data: bytes, *args: Any, **kwargs: Any) -> bytes:
        calls.append(len(data))
        return compress(data, *args, **kwargs)

    monkeypatch.setattr(api.pages.gzip, "compress", counted)
    url = "/maps/assets/leaflet.js"
    first = [raw(client, "GET", url, GZIP).content for _ in range(3)]
    assert calls == [(docs / "maps" / "assets" / "leaflet.js").stat().st_size]
    assert first[0] == first[1] == first[2]
    # A rebuilt file is read and compressed again.
    (docs / "maps" / "assets" / "leaflet.js").write_text("/* rebuilt */ " + "x;" * 500)
    rebuilt = raw(client, "GET", url, GZIP)
    assert len(calls) == 2
    assert gzip.decompress(rebuilt.content).startswith(b"/* rebuilt */")


def quick_start(description: str) -> list[str]:
    """The quick start's curl lines."""
    return re.findall(r"^curl .*$", description, re.MULTILINE)


def test_the_documents_name_the_server_asked(web: TestClient) -> None:
    base = f"http://{HOST}"
    as_json = web.get("/openapi.json", headers={"Host": HOST}).json()
    as_yaml = web.get("/openapi.yaml", headers={"Host": HOST}).text
    assert yaml.safe_load(as_yaml) == as_json
    for text in (json.dumps(as_json), as_yaml):
        assert "127.0.0.1:8000" not in text
    lines = quick_start(as_json["info"]["description"])
    assert len(lines) >= 5
    assert all(f'"{base}/' in line for line in lines), lines
    assert f'curl "{base}/api/v1/datasets"' in lines
    # The response examples: a dataset's links, TileJSON's tile URL template.
    schemas = as_json["components"]["schemas"]
    links = [
        value
        for schema in schemas.values()
        for example in schema.get("examples", [])
        for value in re.findall(r"https?://[^\"'\s]+", json.dumps(example))
    ]
    assert links and all(link.startswith(f"{base}/api/v1/datasets/") for link in links)


def test_redocs_page_names_the_server_asked(web: TestClient) -> None:
    page = web.get("/docs", headers={"Host": HOST})
    assert page.status_code == 200
    assert "127.0.0.1:8000" not in page.text
    committed = (DEFAULT_DOCS_DIR / "redoc.html").read_text(encoding="utf-8")
    assert page.text == committed.replace(EXAMPLE_ORIGIN, f"http://{HOST}")
    assert f"http://{HOST}/api/v1/datasets" in page.text


def test_behind_a_public_url_the_documents_name_it(
    make_client: Callable[..., TestClient],
) -> None:
    public = "https://ocean.example.org/api-root"
    client = make_client(DEFAULT_CATALOG, public_url=public)
    description = client.get("/openapi.json").json()["info"]["description"]
    assert f'curl "{public}/api/v1/datasets"' in quick_start(description)
    assert f"{public}/edr/collections/glorys/position" in client.get("/docs").text


def test_a_spoofed_host_never_reaches_the_documents(web: TestClient) -> None:
    page = web.get("/openapi.yaml", headers={"Host": "evil.example:666"})
    assert "evil.example" not in page.text
