"""The explorer against a busy service: a server that lets one client have only two requests
in flight (OCEANAPI_MAX_CLIENT_REQUESTS=2) answers most of the page's parallel requests 429.
The page asks again (JSON after Retry-After, tiles and plot images a moment later) and ends
with every tile and plot loaded and no problem shown: a reader of a busy service waits a
little, and does not get a broken map.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Response, expect

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from tests.e2e import test_docs_browser
from tests.e2e.live import serve
from tests.e2e.test_docs_browser import Watched, save_screenshot

browser = test_docs_browser.browser
watched = test_docs_browser.watched

TILE = re.compile(r"/tiles/WebMercatorQuad/\d+/\d+/\d+\.png\?")


@pytest.fixture(scope="module")
def busy() -> Iterator[str]:
    with serve(create_app(Settings(catalog=DEFAULT_CATALOG, max_client_requests=2))) as url:
        yield url


def test_a_busy_service_still_gives_a_whole_map_and_panel(busy: str, watched: Watched) -> None:
    page = watched.page
    answers: dict[str, list[int]] = {}

    def on_response(response: Response) -> None:
        answers.setdefault(response.url, []).append(response.status)

    page.on("response", on_response)
    # ERSST at zoom 2 (16 tiles at once) with a point panel (a value and a time series).
    page.goto(f"{busy}/?dataset=ersst-v5&variable=sst&lon=0&lat=0&zoom=2&point=-140,0.5")
    map_element = page.locator("#map")
    map_element.and_(page.locator("[data-status=idle], [data-status=error]")).wait_for(
        timeout=60_000
    )
    assert map_element.get_attribute("data-status") == "idle", page.locator("#status").inner_text()
    image = page.locator('.panel[data-kind=point] figure[data-plot="timeseries"] img')
    expect(image).to_have_attribute("data-state", "loaded", timeout=60_000)
    expect(page.locator(".panel[data-kind=point] p.value")).to_have_attribute(
        "data-value", re.compile(r"^-?\d"), timeout=60_000
    )
    save_screenshot(page, "explorer-busy.png")

    refused = [url for url, statuses in answers.items() if 429 in statuses]
    assert refused, "the server refused nothing: the test did not exercise the retries"
    tiles = [url for url in answers if TILE.search(url)]
    assert len(tiles) >= 8
    for url in tiles:  # every tile asked was, in the end, answered
        assert answers[url][-1] == 200, f"{url}: {answers[url]}"
    shown = page.locator(".leaflet-tile-pane img.leaflet-tile")
    assert shown.count() >= 8
    assert shown.evaluate_all("tiles => tiles.every(t => t.complete && t.naturalWidth === 256)")
    expect(page.locator("#legend")).to_have_attribute("data-state", "loaded")
    assert page.locator("#legend").evaluate("img => img.naturalWidth") == 280
    assert page.locator("#status").inner_text() == ""
    assert not watched.offsite
