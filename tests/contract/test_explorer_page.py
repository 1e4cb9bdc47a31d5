"""The explorer at / as files and as served: built into docs/site/explorer (committed; the
rebuild check in test_docs_pages.py covers it), self-contained, held to this server by its
Content-Security-Policy; the browser tests are in tests/e2e/test_explorer.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import numpy as np
from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG, DEFAULT_DOCS_DIR, REPO_ROOT
from tests.contract.test_docs_pages import OFFSITE
from tests.contract.test_map_pages import assert_held_to_this_server, assets_of

EXPLORER = DEFAULT_DOCS_DIR / "explorer"
NATURAL_EARTH = REPO_ROOT / "samples" / "naturalearth" / "ne_110m_coastline.json"


def test_the_explorer_is_the_front_page_with_its_assets_under_a_strict_policy(
    client: TestClient,
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == (EXPLORER / "index.html").read_text(encoding="utf-8")
    assert "<title>Ocean Data API · Explorer</title>" in response.text
    assert_held_to_this_server(response.headers["content-security-policy"])

    assets = assets_of(response.text)
    assert sorted(assets) == ["explorer/assets/explorer.css", "explorer/assets/explorer.js"]
    for asset in [*assets, "explorer/assets/coastlines.json"]:
        served = client.get(urljoin("/", asset))
        assert served.status_code == 200, asset
        assert served.content == (EXPLORER / asset.removeprefix("explorer/")).read_bytes()


def test_the_explorers_own_query_is_not_refused(client: TestClient) -> None:
    """The page's URL carries its state (read by its script): the server takes any query."""
    query = (
        "dataset=glorys&variable=thetao&depth=6.0541&time=2021-06-29T00:00:00Z&scale=8,18"
        "&lon=-5&lat=58&zoom=4&point=-10.5,50.25&line=-12,49;-4,58&box=-15,48,5,62"
    )
    assert client.get(f"/?{query}").status_code == 200


def test_the_explorer_loads_nothing_from_another_host() -> None:
    for name in ["index.html", "assets/explorer.css"]:
        text = (EXPLORER / name).read_text(encoding="utf-8")
        found = OFFSITE.search(text)
        assert found is None, f"{name}: {found and found.group(0)}"
    script = (EXPLORER / "assets" / "explorer.js").read_text(encoding="utf-8")
    assert "openstreetmap" not in script.lower()  # no base layer from elsewhere


def test_the_explorers_bundle_ships_its_libraries_licences() -> None:
    package = json.loads((REPO_ROOT / "package.json").read_text(encoding="utf-8"))
    licences = (DEFAULT_DOCS_DIR / "licenses" / "explorer-explorer.js.LICENSES.txt").read_text()
    version = package["devDependencies"]["leaflet"]
    assert f"\nleaflet {version} (BSD-2-Clause)\n" in f"\n{licences}"


def _lines(collection: dict[str, Any]) -> list[np.ndarray]:
    out = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        parts = geometry["coordinates"]
        if geometry["type"] == "LineString":
            parts = [parts]
        out.extend(np.asarray(part, dtype=float) for part in parts)
    return out


def test_the_coastlines_are_natural_earths_to_a_hundredth_of_a_degree() -> None:
    drawn = _lines(json.loads((EXPLORER / "assets" / "coastlines.json").read_text()))
    source = _lines(json.loads(NATURAL_EARTH.read_text()))
    assert len(drawn) == len(source) > 100
    for ours, theirs in zip(drawn, source, strict=True):
        assert ours.shape == theirs.shape
        assert np.abs(ours - theirs).max() <= 0.005 + 1e-9


def test_an_unbuilt_explorer_is_a_problem_that_says_how_to_build_it(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(DEFAULT_CATALOG, docs_dir=tmp_path / "nowhere")
    response = client.get("/")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "make docs" in response.json()["detail"]
    assert client.get("/explorer/assets/explorer.js").status_code == 404


def test_the_api_description_links_the_explorer(client: TestClient) -> None:
    """ReDoc at /docs shows the description: its relative link reaches the front page."""
    description = client.get("/openapi.json").json()["info"]["description"]
    (link,) = re.findall(r"\[the front page\]\(([^)]*)\)", description)
    assert urljoin("/docs", link) == "/"
    assert client.get(urljoin("/docs", link)).text == (EXPLORER / "index.html").read_text()
