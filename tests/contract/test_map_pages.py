"""The example map pages as files and as served: built into docs/site/maps (committed; the
rebuild check in test_docs_pages.py covers them), self-contained, held to this server by their
Content-Security-Policy, their libraries pinned exactly; the browser tests are in
tests/e2e/test_map_pages.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pytest
from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG, DEFAULT_DOCS_DIR, REPO_ROOT
from tests.contract.test_docs_pages import OFFSITE

MAPS = DEFAULT_DOCS_DIR / "maps"
PAGES = ["leaflet", "openlayers"]
LIBRARIES = {"leaflet": "leaflet", "openlayers": "ol"}


def assets_of(html: str) -> list[str]:
    """The scripts and stylesheets a page loads."""
    return re.findall(r'<(?:script[^>]*\bsrc|link[^>]*rel="stylesheet"[^>]*\bhref)="([^"]+)"', html)


def assert_held_to_this_server(header: str) -> None:
    """A Content-Security-Policy allowing this server only, and no inline script."""
    policy = dict(part.strip().split(" ", 1) for part in header.split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # not even inline script
    assert policy["connect-src"] == "'self'"
    assert "http" not in header


@pytest.mark.parametrize("page", PAGES)
def test_a_map_page_is_served_with_its_assets_under_a_strict_policy(
    client: TestClient, page: str
) -> None:
    response = client.get(f"/maps/{page}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == (MAPS / f"{page}.html").read_text(encoding="utf-8")
    assert_held_to_this_server(response.headers["content-security-policy"])

    assets = assets_of(response.text)
    assert sorted(assets) == sorted([f"assets/{page}.css", f"assets/{page}.js"])
    for asset in assets:
        url = urljoin(f"/maps/{page}", asset)
        served = client.get(url)
        assert served.status_code == 200, url
        assert served.content == (MAPS / asset).read_bytes()
        expected = "text/javascript" if asset.endswith(".js") else "text/css"
        assert served.headers["content-type"].startswith(expected), url


def test_a_map_pages_own_query_is_not_refused(client: TestClient) -> None:
    """The page's URL carries its state (read by its script): the server takes any query."""
    query = "dataset=ersst-v5&variable=sst&time=2015-12-01T00:00:00Z&lon=-150&lat=10&zoom=3"
    assert client.get(f"/maps/leaflet?{query}").status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_a_map_page_loads_nothing_from_another_host(page: str) -> None:
    for name in [f"{page}.html", f"assets/{page}.css"]:
        text = (MAPS / name).read_text(encoding="utf-8")
        found = OFFSITE.search(text)
        assert found is None, f"{name}: {found and found.group(0)}"
    script = (MAPS / "assets" / f"{page}.js").read_text(encoding="utf-8")
    assert "openstreetmap" not in script.lower()  # no OSM base layer bundled
    assert "tile.openstreetmap" not in script


def test_the_map_libraries_are_pinned_exactly_and_their_licences_shipped() -> None:
    package = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((REPO_ROOT / "package-lock.json").read_text(encoding="utf-8"))
    for page, name in [*LIBRARIES.items(), ("", "esbuild")]:
        version = package["devDependencies"][name]
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
        if page:
            licences = DEFAULT_DOCS_DIR / "licenses" / f"maps-{page}.js.LICENSES.txt"
            assert f"\n{name} {version} (BSD-2-Clause)\n" in f"\n{licences.read_text()}"


def test_the_api_description_links_the_map_pages(client: TestClient) -> None:
    """ReDoc at /docs shows the description: its relative links reach the pages."""
    description = client.get("/openapi.json").json()["info"]["description"]
    links = re.findall(r"\]\((maps/[a-z]+)\)", description)
    assert sorted(links) == sorted(f"maps/{page}" for page in PAGES)
    for link in links:
        assert client.get(urljoin("/docs", link)).status_code == 200


def test_an_unbuilt_map_page_is_a_problem_that_says_how_to_build_it(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(DEFAULT_CATALOG, docs_dir=tmp_path / "nowhere")
    for page in PAGES:
        response = client.get(f"/maps/{page}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "make docs" in response.json()["detail"]
        assert client.get(f"/maps/assets/{page}.js").status_code == 404
