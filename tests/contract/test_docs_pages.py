"""The docs pages: built from the committed document, committed, self-contained, served."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG, DEFAULT_DOCS_DIR, REPO_ROOT
from schemas.origin import EXAMPLE_ORIGIN

COMMITTED = REPO_ROOT / "openapi.yaml"
REDOC = DEFAULT_DOCS_DIR / "redoc.html"
SWAGGER = DEFAULT_DOCS_DIR / "swagger.html"
# A resource the browser would load from another host: src=, <link href>, url(), @import.
OFFSITE = re.compile(
    r"""(?:\bsrc=|<link[^>]*href=|url\(|@import\s+)["']?(?:https?:)?//(?!127\.0\.0\.1|localhost)""",
    re.IGNORECASE,
)


def redoc_state() -> dict[str, Any]:
    """The state redoc-cli prerendered into the page: the spec it shows, among others."""
    html = REDOC.read_text(encoding="utf-8")
    found = re.search(r"const __redoc_state = (\{.*?\});\s*\n", html, re.DOTALL)
    assert found, "no __redoc_state in redoc.html"
    state: dict[str, Any] = json.loads(found.group(1))
    return state


def test_the_committed_page_shows_the_committed_document() -> None:
    """The cheap check: the spec ReDoc's page carries is openapi.yaml."""
    assert DEFAULT_DOCS_DIR == REPO_ROOT / "docs" / "site"  # what make docs writes, committed
    shown = redoc_state()["spec"]["data"]
    assert shown == yaml.safe_load(COMMITTED.read_text(encoding="utf-8")), (
        "docs/site shows another document than openapi.yaml: run `make docs`, commit docs/site"
    )


def test_the_committed_pages_are_what_make_docs_builds_now(tmp_path: Path) -> None:
    """docs/site is committed so that serving needs no Node; a fresh build (the same
    web/build.mjs, the npm packages of package-lock.json; about 15 s) must give the same bytes,
    so a change to web/ or to the packages is not left unbuilt either."""
    node = shutil.which("node")
    assert node and (REPO_ROOT / "node_modules").is_dir(), (
        "this test needs Node.js and `npm ci` (`make test` runs it)"
    )
    subprocess.run(
        [node, "web/build.mjs", str(tmp_path)],
        cwd=REPO_ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=300,
    )

    def files(folder: Path) -> dict[str, bytes]:
        return {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    built, committed = files(tmp_path), files(DEFAULT_DOCS_DIR)
    assert sorted(committed) == sorted(built), "run `make docs` and commit docs/site"
    differing = [name for name in built if built[name] != committed[name]]
    assert not differing, f"{differing} differ from a fresh build: run `make docs`, commit them"


def test_the_pages_load_nothing_from_another_host() -> None:
    for page in [REDOC, SWAGGER, DEFAULT_DOCS_DIR / "assets" / "swagger-ui.css"]:
        found = OFFSITE.search(page.read_text(encoding="utf-8"))
        assert found is None, f"{page.name}: {found and found.group(0)}"
    assert "cdn.redoc.ly" not in REDOC.read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in REDOC.read_text(encoding="utf-8")


def test_the_pages_are_served_with_a_same_origin_policy(client: TestClient) -> None:
    for url, marker in [("/docs", "__redoc_state"), ("/swagger", "swagger-ui-bundle.js")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert marker in response.text
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    for asset, media_type in [
        ("swagger-ui-bundle.js", "text/javascript"),
        ("swagger-init.js", "text/javascript"),
        ("swagger-ui.css", "text/css"),
    ]:
        response = client.get(f"/docs/assets/{asset}")
        assert response.status_code == 200, asset
        assert response.headers["content-type"].startswith(media_type), asset


def test_swagger_ui_reads_this_servers_document_and_no_validator() -> None:
    init = (DEFAULT_DOCS_DIR / "assets" / "swagger-init.js").read_text(encoding="utf-8")
    assert 'url: "/openapi.json"' in init
    assert "validatorUrl: null" in init


def test_the_document_is_served_as_json_and_yaml(client: TestClient) -> None:
    as_yaml = client.get("/openapi.yaml")
    assert as_yaml.status_code == 200
    assert as_yaml.headers["content-type"].startswith("application/yaml")
    # The committed file, its examples naming the server asked (TestClient's http://testserver).
    committed = COMMITTED.read_text(encoding="utf-8")
    assert EXAMPLE_ORIGIN in committed
    assert as_yaml.text == committed.replace(EXAMPLE_ORIGIN, "http://testserver")
    as_json = client.get("/openapi.json")
    assert as_json.status_code == 200
    assert as_json.json() == yaml.safe_load(as_yaml.text)


def test_fastapis_cdn_pages_are_gone(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404
    assert "cdn.jsdelivr.net" not in client.get("/docs").text


def test_an_unbuilt_page_is_a_problem_that_says_how_to_build_it(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(DEFAULT_CATALOG, docs_dir=tmp_path / "nowhere")
    for url in ["/docs", "/swagger"]:
        response = client.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "make docs" in response.json()["detail"]
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 404
    assert client.get("/openapi.json").status_code == 200  # the document needs no build


def test_example_images_are_served(client: TestClient) -> None:
    response = client.get("/docs/examples/plotMap.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == (REPO_ROOT / "docs" / "examples" / "plotMap.png").read_bytes()
    assert client.get("/docs/examples/..%2F..%2Fopenapi.yaml").status_code == 404
