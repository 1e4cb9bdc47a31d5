"""The documentation pages in a real browser: ReDoc at /docs and Swagger UI at /swagger.

The app (bundled catalog, real plot process pool) runs under uvicorn on loopback; Debian's
headless Chromium, driven by Playwright, opens each page. A page must load nothing from
another host (requests there are aborted and count as failures), log no console error and
throw no page error, and list exactly the operations of the committed openapi.yaml. Swagger
UI's "Try it out" must fetch a map plot and show it, and fetch the dataset list. Screenshots
are kept in test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Locator,
    Page,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)

from api.main import create_app
from api.openapi import API_DESCRIPTION
from api.settings import DEFAULT_CATALOG, DEFAULT_DOCS_DIR, REPO_ROOT, Settings
from schemas.origin import EXAMPLE_ORIGIN
from tests.conftest import gridded_entries
from tests.e2e.live import serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
]
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
ARTIFACTS = REPO_ROOT / "test-artifacts"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LOCAL_SCHEMES = {"data", "blob", "about"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Generous: the first render of a page or a plot may be slow on a loaded CI machine.
TIMEOUT_MS = 30_000
STALE_HINT = "(if openapi.yaml changed, rebuild the pages: `make docs`)"


@dataclass(frozen=True)
class Operation:
    """One operation of the committed document."""

    method: str
    path: str
    operation_id: str
    tags: tuple[str, ...]
    parameters: tuple[dict[str, Any], ...]


@dataclass
class Watched:
    """A page in its own browser context, with what it requested and what went wrong."""

    page: Page
    offsite: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    refused_for_load: list[str] = field(default_factory=list)
    """Resources the service refused for a moment (429, 503): the pages ask again after
    Retry-After (tests/e2e/test_explorer_busy.py checks that they recover), so these are
    what a busy machine does, not errors of the page."""

    def assert_clean(self) -> None:
        """Nothing was requested from another host; no console error, no page error."""
        assert not self.offsite, f"requests leaving 127.0.0.1: {self.offsite}"
        assert not self.errors, f"errors in the page: {self.errors}"


def is_local(url: str) -> bool:
    """A URL that stays on this machine: http(s) to 127.0.0.1, or data:, blob:, about:."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https"} and parts.hostname == "127.0.0.1"


def committed_operations() -> list[Operation]:
    """Every path x method of the committed openapi.yaml, in document order."""
    document: dict[str, Any] = yaml.safe_load((REPO_ROOT / "openapi.yaml").read_text())
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                operations.append(
                    Operation(
                        method=method,
                        path=path,
                        operation_id=operation["operationId"],
                        tags=tuple(operation.get("tags") or ["default"]),
                        parameters=tuple(item.get("parameters", []))
                        + tuple(operation.get("parameters", [])),
                    )
                )
    return operations


def committed_operation(operation_id: str) -> Operation:
    """The committed document's operation with this id."""
    found = [op for op in committed_operations() if op.operation_id == operation_id]
    assert len(found) == 1, f"openapi.yaml has {len(found)} operations {operation_id!r}"
    return found[0]


def swagger_id(tag: str, operation_id: str) -> str:
    """The id Swagger UI gives an operation's block: whitespace in the tag becomes "_"."""
    tag = re.sub(r"\s", "_", tag)
    return f"operations-{tag}-{operation_id}"


def swagger_block(page: Page, operation: Operation) -> Locator:
    """The operation's block under its first tag."""
    return page.locator(f'[id="{swagger_id(operation.tags[0], operation.operation_id)}"]')


def save_screenshot(target: Page | Locator, name: str) -> Path:
    """Save a (viewport or element) screenshot as a test artifact; check it is a PNG."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    if isinstance(target, Page):
        target.screenshot(path=path, full_page=False)
    else:
        target.screenshot(path=path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    assert len(data) > len(PNG_SIGNATURE)
    return path


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """The service root URL of the app under uvicorn, serving the built pages."""
    for page in ("redoc.html", "swagger.html"):
        assert (DEFAULT_DOCS_DIR / page).is_file(), (
            f"{DEFAULT_DOCS_DIR / page} has not been built: run `make docs`"
        )
    with serve(create_app(Settings(catalog=DEFAULT_CATALOG))) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium; missing, it is a failure (CI installs it), not a skip."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    """A fresh page that records every request, aborts those to other hosts, logs errors."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch = Watched(page)

    def on_request(url: str) -> None:
        if not is_local(url):
            watch.offsite.append(url)

    def route(route: Route) -> None:
        if is_local(route.request.url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            text = f"console: {message.text} ({where['url']}:{where['lineNumber']})"
            busy = re.search(r"Failed to load resource: .* status of (429|503)\b", message.text)
            (watch.refused_for_load if busy else watch.errors).append(text)

    def on_page_error(error: Error) -> None:
        watch.errors.append(f"pageerror: {error.message}")

    context.on("request", lambda request: on_request(request.url))
    context.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    yield watch
    context.close()


def test_redoc_lists_every_operation_and_stays_offline(base: str, watched: Watched) -> None:
    page = watched.page
    operations = committed_operations()
    page.goto(f"{base}/docs")

    # The page arrives rendered (redoc-cli pre-renders it) and React takes it over in a timer
    # after the load event: wait for React's mark on the container (React 17, as bundled by
    # redoc 2.0; "__reactContainer$..." from React 18 on). Then opening a tag's group in the
    # menu and clicking an operation, which scrolls to it and sets the URL's fragment, shows
    # that the scripts work.
    page.wait_for_function(
        """() => Object.keys(document.getElementById('redoc')).some(
            key => key === '_reactRootContainer' || key.startsWith('__reactContainer$'))"""
    )
    last = operations[-1].operation_id
    item = page.locator(f'[data-item-id$="/operation/{last}"]')
    if not item.locator("label").is_visible():
        item.locator("xpath=ancestor::li[1]/label").click()
    item.locator("label").click()
    page.wait_for_url(re.compile(rf"#.*operation/{re.escape(last)}$"))

    found = page.evaluate(
        """() => ({
            menu: [...document.querySelectorAll('[data-item-id*="operation/"]')]
                .map(e => e.getAttribute('data-item-id')),
            sections: [...document.querySelectorAll('[id^="operation/"]')].map(e => {
                const verb = e.querySelector('.http-verb');
                return [e.id, verb && verb.textContent, verb && verb.nextElementSibling
                    && verb.nextElementSibling.textContent];
            }),
        })"""
    )
    menu = sorted(re.sub(r"^.*operation/", "", item_id) for item_id in found["menu"])
    sections = sorted(
        (section_id.removeprefix("operation/"), (verb or "").lower(), path)
        for section_id, verb, path in found["sections"]
    )
    assert menu == sorted(op.operation_id for op in operations), f"ReDoc's menu {STALE_HINT}"
    assert sections == sorted((op.operation_id, op.method, op.path) for op in operations), (
        f"ReDoc's operation sections {STALE_HINT}"
    )

    page.evaluate("window.scrollTo(0, 0)")
    save_screenshot(page, "docs-redoc.png")
    watched.assert_clean()


def test_swagger_lists_every_operation_and_stays_offline(base: str, watched: Watched) -> None:
    page = watched.page
    operations = committed_operations()
    page.goto(f"{base}/swagger")
    expect(page.locator(".opblock")).to_have_count(
        sum(len(op.tags) for op in operations), timeout=TIMEOUT_MS
    )

    found = page.evaluate(
        """() => [...document.querySelectorAll('.opblock')].map(e => [
            e.id,
            e.querySelector('.opblock-summary-method').textContent,
            e.querySelector('.opblock-summary-path').getAttribute('data-path'),
        ])"""
    )
    blocks = sorted(block_id for block_id, _, _ in found)
    endpoints = sorted((method.lower(), path) for _, method, path in found)
    # An operation is shown once under each of its tags.
    assert blocks == sorted(
        swagger_id(tag, op.operation_id) for op in operations for tag in op.tags
    )
    assert endpoints == sorted((op.method, op.path) for op in operations for _ in op.tags)

    save_screenshot(page, "docs-swagger.png")
    watched.assert_clean()


def try_it_out(page: Page, operation: Operation, values: dict[str, str]) -> tuple[Locator, Any]:
    """Open an operation, send it with exactly these parameter values; its block and response.

    Fields that Swagger UI fills in itself (defaults, examples) are cleared, so that only
    ``values`` are sent.
    """
    required = {p["name"] for p in operation.parameters if p.get("required")}
    assert required <= values.keys(), f"{operation.operation_id} also requires {required}"
    block = swagger_block(page, operation)
    block.locator(".opblock-summary-control").click()
    block.get_by_role("button", name="Try it out").click()
    for row in block.locator("tr[data-param-name]").all():
        name = row.get_attribute("data-param-name") or ""
        value = values.get(name, "")
        if row.locator("select").count():
            row.locator("select").select_option(value)
        else:
            row.locator("input[type=text]").fill(value)
    expected_path = operation.path
    for name, value in values.items():
        expected_path = expected_path.replace(f"{{{name}}}", value)
    query = {k: v for k, v in values.items() if f"{{{k}}}" not in operation.path}
    with page.expect_response(lambda r: urlsplit(r.url).path == expected_path) as response:
        block.get_by_role("button", name="Execute").click()
    sent = response.value
    assert urlsplit(sent.url).path == expected_path
    assert {k: v[-1] for k, v in parse_qs(urlsplit(sent.url).query).items()} == query, sent.url
    return block, sent


def test_swagger_try_it_out_map_plot(base: str, watched: Watched) -> None:
    page = watched.page
    operation = committed_operation("plotMap")
    page.goto(f"{base}/swagger")
    values = {
        "dataset_id": "glorys",
        "variable": "thetao",
        "f": "png",
        "width": "800",
        "height": "600",
    }
    block, sent = try_it_out(page, operation, values)
    assert sent.status == 200, sent.text()
    assert sent.headers["content-type"] == "image/png"

    live = block.locator(".live-responses-table")
    expect(live.locator("tr.response .response-col_status")).to_have_text("200", timeout=TIMEOUT_MS)
    image = live.locator(".response-col_description img")
    expect(image).to_have_attribute("src", re.compile(r"^blob:"), timeout=TIMEOUT_MS)
    page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=image.element_handle()
    )
    size = image.evaluate("image => [image.naturalWidth, image.naturalHeight]")
    assert size == [int(values["width"]), int(values["height"])]

    image.scroll_into_view_if_needed()
    save_screenshot(page, "docs-swagger-try-map.png")
    watched.assert_clean()


def test_swagger_try_it_out_dataset_list(base: str, watched: Watched) -> None:
    page = watched.page
    page.goto(f"{base}/swagger")
    block, sent = try_it_out(page, committed_operation("listDatasets"), {})
    assert sent.status == 200, sent.text()

    live = block.locator(".live-responses-table")
    expect(live.locator("tr.response .response-col_status")).to_have_text("200", timeout=TIMEOUT_MS)
    body = live.locator(".response-col_description pre").first
    expect(body).to_contain_text("ersst-v5", timeout=TIMEOUT_MS)
    text = body.inner_text()
    assert all(entry["id"] in text for entry in gridded_entries())
    watched.assert_clean()


@pytest.mark.parametrize("operation_id", ["plotMap", "queryPoint", "edrQueryPosition"])
def test_swagger_try_it_out_as_prefilled_works(
    base: str, watched: Watched, operation_id: str
) -> None:
    """A reader who only presses "Try it out" and "Execute" sends the document's examples."""
    page = watched.page
    operation = committed_operation(operation_id)
    page.goto(f"{base}/swagger")
    block = swagger_block(page, operation)
    block.locator(".opblock-summary-control").click()
    block.get_by_role("button", name="Try it out").click()
    path = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(operation.path)) + "$")
    with page.expect_response(lambda r: path.match(urlsplit(r.url).path) is not None) as response:
        block.get_by_role("button", name="Execute").click()
    sent = response.value
    assert sent.status == 200, f"{sent.url}: {sent.text()}"
    examples = {p["name"]: p["example"] for p in operation.parameters if "example" in p}
    query = {k: v[-1] for k, v in parse_qs(urlsplit(sent.url).query).items()}
    path_ids = [v for k, v in examples.items() if f"{{{k}}}" in operation.path]
    for name, value in examples.items():
        if f"{{{name}}}" in operation.path:
            continue
        assert name in query, f"{name} was not filled in: {sent.url}"
        if isinstance(value, float):
            assert float(query[name]) == value, name
        else:
            assert query[name] == str(value), name
    assert all(f"/{value}/" in urlsplit(sent.url).path for value in path_ids), sent.url
    live = block.locator(".live-responses-table")
    expect(live.locator("tr.response .response-col_status")).to_have_text("200", timeout=TIMEOUT_MS)
    watched.assert_clean()


def test_redoc_quick_start_shows_its_commands_for_this_server(base: str, watched: Watched) -> None:
    """The quick start's code blocks, as the browser renders them, hold each command, naming
    the server the page came from (its random port), not the document's placeholder."""
    page = watched.page
    response = page.goto(f"{base}/docs")
    assert response is not None and response.status == 200
    # Sent compressed (Chromium asks for gzip), and the same page once decoded.
    assert response.headers["content-encoding"] == "gzip"
    committed = (DEFAULT_DOCS_DIR / "redoc.html").read_bytes()
    assert response.body() == committed.replace(EXAMPLE_ORIGIN.encode(), base.encode())
    page.wait_for_function(
        """() => Object.keys(document.getElementById('redoc')).some(
            key => key === '_reactRootContainer' || key.startsWith('__reactContainer$'))"""
    )
    blocks = page.locator('[data-role="redoc-description"] pre')
    expect(blocks.first).to_contain_text("curl", timeout=TIMEOUT_MS)
    rendered = "\n".join(block.inner_text() for block in blocks.all())
    commands = re.findall(r"^curl .*$", API_DESCRIPTION, re.MULTILINE)
    assert len(commands) >= 5
    for command in commands:
        assert command.replace(EXAMPLE_ORIGIN, base) in rendered, command
    assert f'curl "{base}/api/v1/datasets"' in rendered
    assert "127.0.0.1:8000" not in page.locator("#redoc").inner_text()
    # The rest of the description, which the cut used to hide, is there too.
    expect(page.locator('[data-role="redoc-description"]')).to_contain_text("406")
    blocks.first.scroll_into_view_if_needed()
    save_screenshot(page, "docs-redoc-quick-start.png")
    watched.assert_clean()


def test_swagger_assets_arrive_compressed(base: str, watched: Watched) -> None:
    page = watched.page
    with page.expect_response(lambda r: r.url.endswith("/swagger-ui-bundle.js")) as bundle:
        page.goto(f"{base}/swagger")
    sent = bundle.value
    assert sent.status == 200
    assert sent.headers["content-encoding"] == "gzip"
    assert sent.body() == (DEFAULT_DOCS_DIR / "assets" / "swagger-ui-bundle.js").read_bytes()
    expect(page.locator(".opblock").first).to_be_visible(timeout=TIMEOUT_MS)
    watched.assert_clean()


@pytest.mark.parametrize("collection", ["ersst-v5", "wcofs"])
def test_edr_collection_page_shows_its_map_and_examples(
    base: str, watched: Watched, collection: str
) -> None:
    """The page a browser gets for a collection: its map drawn, its example links followed."""
    page = watched.page
    page.goto(f"{base}/edr/collections/{collection}")  # a browser's Accept gets the HTML
    image = page.locator("figure.map img")
    page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=image.element_handle()
    )
    size = image.evaluate("image => [image.naturalWidth, image.naturalHeight]")
    assert max(size) == 320
    links = page.locator("table.examples a[data-format]")
    expect(links).to_have_count(20)
    explorer = page.get_by_role("link", name="Open in the explorer")
    assert explorer.get_attribute("href") == f"{base}/?dataset={collection}"
    with page.expect_response(lambda r: "/position?" in r.url) as answer:
        page.locator('a[data-query="position"][data-format="GeoJSON"]').click()
    assert answer.value.status == 200
    assert answer.value.headers["content-type"] == "application/geo+json"
    page.go_back()
    image.scroll_into_view_if_needed()
    save_screenshot(page, f"edr-collection-{collection}.png")
    watched.assert_clean()
