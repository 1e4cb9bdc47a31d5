"""Observation collections in the explorer, in a real browser.

The app of tests/e2e/test_explorer.py (bundled catalog, under uvicorn on loopback) and Debian's
headless Chromium. The collections are offered once the "Observations" section is opened (not
asked for with the page); a chosen collection's positions on the map are the API's answer to
the search the page shows, followed page by page (checked against a search of the whole
collection filtered here by the view's box and the time range), drawn where pyproj puts them
on the screen in the colour the page gives them; the platform's track is the API's, on three
copies of the world; a click on a position opens the profile's panel, whose facts are the
profile's JSON and whose images are byte for byte the API's answer to the URLs shown; the
permalink restores the collection, the time range and the panel. A float moved across the
antimeridian is drawn on both sides of it with no track segment across the globe.
Screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

import io
import itertools
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx2 as httpx
import netCDF4
import numpy as np
import pytest
import xarray as xr
from PIL import Image
from playwright.sync_api import Browser, Page, Request

from api.main import create_app
from api.settings import REPO_ROOT, Settings
from tests.conftest import SAMPLES, sample_entries, write_catalog
from tests.e2e import test_docs_browser, test_explorer
from tests.e2e.live import serve
from tests.e2e.test_docs_browser import Watched, save_screenshot
from tests.e2e.test_explorer import body_of, map_origin, query_of, record, wait_idle, wait_images
from tests.e2e.test_explorer_snippets import run_python
from tests.e2e.test_map_pages import View

browser = test_docs_browser.browser
watched = test_docs_browser.watched
base = test_explorer.base

ARGO = "argo-5900865"
# The float's first year, around its whole track (off north-west Australia).
FLOAT_VIEW = {"dataset": "ersst-v5", "lon": 112.0, "lat": -11.4, "zoom": 6}
YEAR = {"obs_start": "2006-01-01", "obs_end": "2006-12-31"}


def api(url: str, **query: Any) -> Any:
    response = httpx.get(url, params=query or None, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def wait_observations(page: Page) -> None:
    """Until the observation layer has drawn what it asked for; a problem fails."""
    page.wait_for_selector('#observations[data-status="idle"], #observations[data-status="error"]')
    status = page.locator("#observations").get_attribute("data-status")
    assert status == "idle", page.locator("#obs-problem").inner_text()


def open_page(page: Page, base: str, **query: Any) -> list[Request]:
    requests = record(page)
    page.goto(f"{base}/?{urlencode(query)}")
    wait_idle(page)
    if "obs" in query:
        wait_observations(page)
    return requests


def follow(url: str) -> tuple[list[dict[str, Any]], int]:
    """The features of every page from ``url`` on (``next`` followed), and numberMatched."""
    features: list[dict[str, Any]] = []
    matched = 0
    next_url: str | None = url
    while next_url:
        page = api(next_url)
        features += page["features"]
        matched = page["numberMatched"]
        next_url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    return features, matched


def shown(page: Page) -> list[dict[str, Any]]:
    markers: list[dict[str, Any]] = page.evaluate("window.oceanExplorer.observations.shown()")
    return markers


def current_view(page: Page) -> View:
    """The map's view as it is now (the panels narrow it)."""
    lon, lat, zoom, width, height = page.evaluate(
        """() => { const m = window.oceanExplorer.map, c = m.getCenter(),
                         e = document.getElementById('map');
                   return [c.lng, c.lat, m.getZoom(), e.clientWidth, e.clientHeight]; }"""
    )
    return View(lon, lat, int(zoom), width, height)


def screen_pixels(page: Page, name: str) -> np.ndarray:
    path = save_screenshot(page, name)
    return np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGB"))


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def marker_pixels(page: Page, view: View, markers: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """The page pixel of each marker's centre, computed with pyproj from the view."""
    i, j = view.pixel(np.array([m["lon"] for m in markers]), np.array([m["lat"] for m in markers]))
    x0, y0 = map_origin(page)
    return [(round(x0 + a), round(y0 + b)) for a, b in zip(i, j, strict=True)]


def in_box(position: list[float], bbox: list[float]) -> bool:
    lon, lat = position
    west, south, east, north = bbox
    inside_lon = west <= lon <= east if west <= east else (lon >= west or lon <= east)
    return inside_lon and south <= lat <= north


# 1. Offered, lazily --------------------------------------------------------------------------


def test_the_collections_are_offered_when_the_section_opens(base: str, watched: Watched) -> None:
    page = watched.page
    requests = open_page(page, base, dataset="ersst-v5")
    page.wait_for_timeout(300)
    assert not [r for r in requests if urlsplit(r.url).path == "/api/v1/observations"]
    assert page.locator("#obs-collection").is_disabled()

    page.locator("#observations-summary").click()
    page.wait_for_selector("#obs-collection:not([disabled])")
    listed = api(f"{base}/api/v1/observations")["collections"]
    options = page.locator("#obs-collection option").evaluate_all(
        "os => os.map(o => [o.value, o.textContent, o.disabled])"
    )
    profiles = [c for c in listed if c["available"] and "profile" in c["feature_types"]]
    assert options == [["", "none", False]] + [[c["id"], c["title"], False] for c in profiles]
    assert {c["id"] for c in profiles} >= {ARGO, "argo-5900865-dsg", "glorys-matchup"}
    series = next(c for c in listed if c["id"] == "ersst-series")  # time series: not drawn here
    assert series["feature_types"] == ["timeSeries", "trajectory"]
    asked = [r for r in requests if urlsplit(r.url).path == "/api/v1/observations"]
    assert len(asked) == 1

    # Chosen: the map goes to the float and draws its 80 profiles (no time range).
    page.locator("#obs-collection").select_option(ARGO)
    wait_observations(page)
    markers = shown(page)
    assert len(markers) == 80
    assert page.locator("#obs-status").inner_text().endswith("80 profiles in view.")
    assert query_of(page.url)["obs"] == ARGO
    save_screenshot(page, "explorer-observations-chosen.png")
    watched.assert_clean()


# 2. The positions and tracks drawn -----------------------------------------------------------


def test_the_positions_drawn_are_the_apis_for_the_view_and_time_range(
    base: str, watched: Watched
) -> None:
    page = watched.page
    open_page(page, base, **FLOAT_VIEW, obs=ARGO, **YEAR)
    searched = page.evaluate("window.oceanExplorer.observations.searched()")
    query = query_of(searched)
    assert urlsplit(searched).path == f"/api/v1/datasets/{ARGO}/observations"
    assert query["start"] == "2006-01-01T00:00:00Z" and query["end"] == "2006-12-31T23:59:59Z"
    # The box is the map's view.
    bounds = page.evaluate(
        """() => { const b = window.oceanExplorer.map.getBounds();
                   return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"""
    )
    bbox = [float(v) for v in query["bbox"].split(",")]
    assert bbox == pytest.approx(bounds, abs=1e-4)
    shown_link = page.locator("#obs-link a.api-url")
    assert shown_link.get_attribute("href") == searched
    assert shown_link.inner_text() == searched

    # The markers are the API's answer to that search, in its order ...
    features, matched = follow(searched)
    markers = shown(page)
    assert [(m["id"], m["lon"], m["lat"]) for m in markers] == [
        (f["id"], *f["geometry"]["coordinates"]) for f in features
    ]
    # ... which is every profile of 2006 in the view, found here from the whole collection.
    everything, _ = follow(f"{base}/api/v1/datasets/{ARGO}/observations?limit=1000")
    expected = [
        f["id"]
        for f in everything
        if f["properties"]["time"].startswith("2006") and in_box(f["geometry"]["coordinates"], bbox)
    ]
    assert [m["id"] for m in markers] == expected and 0 < len(expected) == matched < 80
    assert page.locator("#obs-status").inner_text().endswith(f"{matched} profiles in view.")

    # On the screen: each marker's centre (where pyproj puts it) is drawn in its colour.
    view = current_view(page)
    pixels = screen_pixels(page, "explorer-observations-2006.png")
    centres = marker_pixels(page, view, markers)
    checked = 0
    for k, ((x, y), marker) in enumerate(zip(centres, markers, strict=True)):
        # Markers drawn later cover earlier ones: only the centres no later marker reaches.
        if any(abs(x - a) <= 7 and abs(y - b) <= 7 for a, b in centres[k + 1 :]):
            continue
        got = pixels[y, x].astype(int)
        assert np.abs(got - rgb(marker["colour"])).max() <= 6, (marker, got)
        checked += 1
    assert checked >= len(markers) // 2
    # The colours run through the time range: the first of 2006 dark, the last yellow.
    assert rgb(markers[0]["colour"]).sum() < rgb(markers[-1]["colour"]).sum()

    # The platform's track: the API's MultiLineString, on three copies of the world.
    track = api(f"{base}/api/v1/datasets/{ARGO}/platforms/5900865")["track"]["coordinates"]
    drawn = page.evaluate("window.oceanExplorer.observations.tracks()")
    assert [d["platform"] for d in drawn] == ["5900865"] * 3
    for shift, line in zip([-360, 0, 360], drawn, strict=True):
        assert line["lines"] == [
            [pytest.approx([lon + shift, lat]) for lon, lat in part] for part in track
        ]
    # A pixel on the track, halfway between two of its positions far enough apart, is dark.
    part = track[0]
    gaps = [np.hypot(*np.subtract(b, a)) for a, b in itertools.pairwise(part)]
    a, b = part[int(np.argmax(gaps))], part[int(np.argmax(gaps)) + 1]
    ((x, y),) = marker_pixels(page, view, [{"lon": (a[0] + b[0]) / 2, "lat": (a[1] + b[1]) / 2}])
    window = pixels[y - 1 : y + 2, x - 1 : x + 2].astype(int).sum(axis=2)
    assert window.min() < 300, window  # the line's #1d2a33 over the map's colours

    # Panning asks again for the new view (once the map rests), the time range kept.
    page.evaluate("() => { window.oceanExplorer.map.panBy([300, 0], { animate: false }); }")
    wait_observations(page)
    again = page.evaluate("window.oceanExplorer.observations.searched()")
    assert again != searched and query_of(again)["start"] == query["start"]
    assert [m["id"] for m in shown(page)] == [f["id"] for f in follow(again)[0]]
    watched.assert_clean()


def test_a_large_answer_is_followed_page_by_page_up_to_the_cap(base: str, watched: Watched) -> None:
    """With pages of 20 and a cap of 50 (the page's limits, made small here): three requests
    (offsets 0, 20, 40), 50 markers, and the page says how many it does not show."""
    page = watched.page
    requests = open_page(page, base, **FLOAT_VIEW)
    page.evaluate("Object.assign(window.oceanExplorer.observations.limits, { page: 20, most: 50 })")
    page.locator("#observations-summary").click()
    page.wait_for_selector("#obs-collection:not([disabled])")
    page.locator("#obs-collection").select_option(ARGO)
    wait_observations(page)
    searches = [
        query_of(r.url)
        for r in requests
        if urlsplit(r.url).path == f"/api/v1/datasets/{ARGO}/observations"
    ]
    assert [(q.get("offset", "0"), q["limit"]) for q in searches] == [
        ("0", "20"),
        ("20", "20"),
        ("40", "20"),
    ]
    searched = page.evaluate("window.oceanExplorer.observations.searched()")
    features, matched = follow(searched)
    assert matched == 80
    assert [m["id"] for m in shown(page)] == [f["id"] for f in features[:50]]
    assert "showing 50 of 80 profiles in view" in page.locator("#obs-status").inner_text()
    watched.assert_clean()


# 3. A profile's panel --------------------------------------------------------------------------


def profile_panel(page: Page) -> dict[str, Any]:
    panel = page.locator('#panels > section.panel[data-kind="profile"]')
    panel.locator("dl.profile-facts").wait_for()
    wait_images(page, '#panels > section.panel[data-kind="profile"]')
    facts = panel.locator("dd[data-field]").evaluate_all(
        "dds => dds.map(d => [d.dataset.field, d.dataset.value, d.textContent])"
    )
    figures = panel.locator("figure.plot").evaluate_all(
        """fs => fs.map(f => [f.dataset.plot, f.querySelector('img').getAttribute('src'),
                              f.querySelector('a.api-url').textContent,
                              [...f.querySelectorAll('.downloads a')].map(
                                  a => [a.dataset.format, a.getAttribute('href')])])"""
    )
    return {
        "id": panel.get_attribute("data-profile"),
        "heading": panel.locator("h2").inner_text(),
        "facts": {field: (value, text) for field, value, text in facts},
        "url": panel.locator(".facts a.api-url").inner_text(),
        "downloads": panel.locator(".facts .downloads a").evaluate_all(
            "as => as.map(a => [a.dataset.format, a.getAttribute('href')])"
        ),
        "figures": figures,
    }


def number(value: float) -> str:
    """A number as the page writes it (JavaScript's toLocaleString: three decimals at most)."""
    return f"{round(value, 3):,}".removesuffix(".0")


def expected_facts(profile: dict[str, Any]) -> dict[str, tuple[str, str]]:
    lon, lat = profile["lon"], profile["lat"]
    pressures = [p for p in profile["pressure"] if p is not None]
    modes = {
        "D": "D: delayed mode (adjusted values)",
        "A": "A: adjusted in real time (adjusted values)",
        "R": "R: real time (raw values)",
    }
    return {
        "profile_id": (profile["profile_id"], profile["profile_id"]),
        "platform": (profile["platform"], profile["platform"]),
        "cycle": (str(profile["cycle"]), str(profile["cycle"])),
        "direction": (
            profile["direction"],
            {"A": "ascending", "D": "descending"}[profile["direction"]],
        ),
        "time": (profile["time"], profile["time"].replace("T", " ").replace("Z", " UTC")),
        "position": (
            f"[{lon},{lat}]",
            f"{abs(lat):g}°{'S' if lat < 0 else 'N'} {abs(lon):g}°{'W' if lon < 0 else 'E'}",
        ),
        "data_mode": (profile["data_mode"], modes.get(profile["data_mode"], "")),
        "qc_flags": (
            f'["{profile["time_qc"]}","{profile["position_qc"]}"]',
            f"{profile['time_qc']}, {profile['position_qc']}",
        ),
        "levels": (
            str(len(profile["pressure"])),
            f"{len(profile['pressure'])}, {number(min(pressures))} to "
            f"{number(max(pressures))} dbar",
        ),
    }


def test_a_click_on_a_position_opens_its_profile(
    base: str, browser: Browser, watched: Watched
) -> None:
    page = watched.page
    requests = open_page(page, base, **FLOAT_VIEW, obs=ARGO, **YEAR)
    markers = shown(page)
    view = current_view(page)
    centres = marker_pixels(page, view, markers)
    # The last marker drawn: nothing covers it.
    target = markers[-1]
    page.mouse.click(*centres[-1])
    panel = profile_panel(page)
    assert panel["id"] == target["id"] and panel["heading"] == f"Profile {target['id']}"
    assert query_of(page.url)["profile"] == target["id"]
    # No gridded point panel: the click was the profile's.
    assert page.locator('#panels > section.panel[data-kind="point"]').count() == 0

    # The facts are the profile's JSON, at the URL shown.
    url = panel["url"]
    assert urlsplit(url).path == f"/api/v1/datasets/{ARGO}/observations/{target['id']}"
    profile = api(url)
    assert (profile["lon"], profile["lat"]) == (target["lon"], target["lat"])
    assert panel["facts"] == expected_facts(profile)
    assert dict(panel["downloads"]) == {f: f"{url}?f={f}" for f in ["json", "csv", "nc", "covjson"]}
    csv_rows = httpx.get(f"{url}?f=csv", timeout=60).text.strip().splitlines()
    assert len(csv_rows) == 1 + len(profile["pressure"])
    assert all(row.startswith(f"{target['id']},") for row in csv_rows[1:])
    netcdf = httpx.get(f"{url}?f=nc", timeout=60)
    assert netcdf.status_code == 200 and netcdf.content.startswith((b"CDF", b"\x89HDF"))

    # Its plots: temperature and salinity profiles and the T-S diagram, each image the API's
    # answer to the URL shown under it, with the profile's levels as data downloads.
    plots = {kind: (src, text, dict(links)) for kind, src, text, links in panel["figures"]}
    assert list(plots) == ["obsprofile-temperature", "obsprofile-salinity", "ts"]
    collection = f"{base}/api/v1/datasets/{ARGO}/plots"
    for kind, (src, text, links) in plots.items():
        assert src == text
        plot, _, variable = kind.partition("-")
        assert urlsplit(src).path == f"/api/v1/datasets/{ARGO}/plots/{plot}"
        assert src.startswith(collection)
        expected = {"profile_id": target["id"], "width": "560", "height": "420"}
        if variable:
            expected["variable"] = variable
        assert query_of(src) == expected
        fresh = httpx.get(src, timeout=60)
        assert fresh.headers["content-type"] == "image/png"
        assert body_of(requests, src) == fresh.content
        assert links["csv"] == f"{url}?f=csv" and links["nc"] == f"{url}?f=nc"
        assert links["svg"] == f"{src}&f=svg"

    # The platform's track and sections are a click away.
    page.locator(".panel[data-kind=profile] details.platform > summary").click()
    wait_images(page, ".panel[data-kind=profile] details.platform")
    platform_plots = page.locator(
        ".panel[data-kind=profile] details.platform figure.plot"
    ).evaluate_all("fs => fs.map(f => [f.dataset.plot, f.querySelector('img').src])")
    assert [kind for kind, _ in platform_plots] == [
        "track",
        "obssection-temperature",
        "obssection-salinity",
    ]
    for _, src in platform_plots:
        assert query_of(src)["platform"] == "5900865"
        assert body_of(requests, src) == httpx.get(src, timeout=60).content

    # The open profile's position is ringed on the map.
    pixels = screen_pixels(page, "explorer-observations-profile.png")
    view = current_view(page)
    ((x, y),) = marker_pixels(page, view, [target])
    ring = pixels[y - 10 : y + 11, x - 10 : x + 11].astype(int).sum(axis=2)
    assert (ring < 60).sum() >= 20  # the ring's #111

    # The permalink restores the collection, the time range and the panel in a new page.
    wait_observations(page)  # the panel narrowed the map: the positions of the view now
    now_shown = [m["id"] for m in shown(page)]
    link = page.url
    assert {k: query_of(link)[k] for k in ["obs", "obs_start", "obs_end", "profile"]} == {
        "obs": ARGO,
        **YEAR,
        "profile": target["id"],
    }
    fresh_context = browser.new_context(viewport=test_docs_browser.VIEWPORT)
    try:
        again = fresh_context.new_page()
        errors: list[str] = []
        again.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        again.on("pageerror", lambda e: errors.append(e.message))
        again.goto(link)
        wait_idle(again)
        wait_observations(again)
        restored = profile_panel(again)
        assert again.locator("#obs-collection").input_value() == ARGO
        assert again.locator("#obs-start").input_value() == YEAR["obs_start"]
        assert again.locator("#obs-end").input_value() == YEAR["obs_end"]
        assert restored == panel
        assert [m["id"] for m in shown(again)] == now_shown
        assert again.url == link
        assert not errors
        save_screenshot(again, "explorer-observations-permalink.png")
    finally:
        fresh_context.close()
    # Choosing no collection takes the positions, the tracks and the panel away.
    page.locator("#obs-collection").select_option("")
    wait_observations(page)
    assert shown(page) == [] and page.evaluate("window.oceanExplorer.observations.tracks()") == []
    assert page.locator('#panels > section.panel[data-kind="profile"]').count() == 0
    assert "obs" not in query_of(page.url) and "profile" not in query_of(page.url)
    watched.assert_clean()


# 4. Across the antimeridian ------------------------------------------------------------------


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the sample float moved to 180° (tests/api/test_observations.py's file)."""
    folder = tmp_path_factory.mktemp("moved")
    target = folder / "moved_prof.nc"
    shutil.copy(SAMPLES / "5900865_prof.nc", target)
    with netCDF4.Dataset(target, "r+") as nc:
        lon = nc["LONGITUDE"][:].astype(float)
        nc["LONGITUDE"][:] = (lon - lon.mean() + 180.0 + 180.0) % 360.0 - 180.0
    shutil.copy(SAMPLES / "sst.mnmean.nc", folder / "sst.mnmean.nc")
    argo = next(e for e in sample_entries() if e["id"] == ARGO)
    ersst = next(e for e in sample_entries() if e["id"] == "ersst-v5")
    entry = {**{k: v for k, v in argo.items() if k != "source"}, "source": {"argo": target.name}}
    catalog = write_catalog(Path(folder), [ersst, entry])
    with serve(create_app(Settings(catalog=catalog))) as url:
        yield url


def test_a_float_across_the_antimeridian_is_drawn_on_both_sides(
    moved: str, watched: Watched
) -> None:
    page = watched.page
    open_page(page, moved, dataset="ersst-v5", lon=180, lat=-11.4, zoom=6, obs=ARGO)
    searched = page.evaluate("window.oceanExplorer.observations.searched()")
    west, _, east, _ = (float(v) for v in query_of(searched)["bbox"].split(","))
    assert west > 0 > east  # a box across the antimeridian
    markers = shown(page)
    lons = np.array([m["lon"] for m in markers])
    assert (lons > 0).any() and (lons < 0).any()
    # Each drawn in the copy of the world nearest the view's centre (180°).
    assert all(abs(m["x"] - 180) < 180 for m in markers)
    assert [m["id"] for m in markers] == [f["id"] for f in follow(searched)[0]]
    # The track: pieces split at ±180 by the API, no segment across the globe on the map.
    drawn = page.evaluate("window.oceanExplorer.observations.tracks()")
    pieces = [part for line in drawn for part in line["lines"]]
    assert len(drawn[1]["lines"]) >= 2
    for part in pieces:
        assert (np.abs(np.diff([p[0] for p in part])) < 180).all()
    # On the screen, with pyproj: both sides' markers are in the view and drawn.
    view = current_view(page)
    pixels = screen_pixels(page, "explorer-observations-antimeridian.png")
    # (Web Mercator's x is linear in longitude: taken east of 180° here, where pyproj would
    # wrap it back to -180°.)
    x0, y0 = map_origin(page)
    east_of = (lons - view.lon + 180) % 360 - 180 + view.lon
    xs = x0 + view.width / 2 + (east_of - view.lon) / 360 * 256 * 2**view.zoom
    _, ys = view.pixel(np.full(len(lons), view.lon), np.array([m["lat"] for m in markers]))
    ys = y0 + ys
    assert ((xs > x0 + view.width / 2) & (lons < 0)).any()
    assert ((xs < x0 + view.width / 2) & (lons > 0)).any()
    assert ((xs > x0) & (xs < x0 + view.width)).all()
    got = pixels[round(ys[-1]), round(xs[-1])].astype(int)
    assert np.abs(got - rgb(markers[-1]["colour"])).max() <= 6
    watched.assert_clean()


def test_the_readmes_permalink_opens_what_it_says(base: str, watched: Watched) -> None:
    """The README's example link (section "The explorer") opens the float's 2006 positions
    and profile 5900865_050's panel."""
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme.split("## The explorer", 1)[1].split("\n## ", 1)[0]
    (link,) = re.findall(r"`(/\?[^`]*obs=[^`]*)`", section)
    query = query_of(link)
    page = watched.page
    page.goto(f"{base}{link}")
    wait_idle(page)
    wait_observations(page)
    panel = profile_panel(page)
    assert panel["id"] == query["profile"] == "5900865_050"
    assert panel["facts"] == expected_facts(api(panel["url"]))
    searched = page.evaluate("window.oceanExplorer.observations.searched()")
    assert {k: query_of(searched)[k] for k in ["start", "end"]} == {
        "start": f"{query['obs_start']}T00:00:00Z",
        "end": f"{query['obs_end']}T23:59:59Z",
    }
    assert [m["id"] for m in shown(page)] == [f["id"] for f in follow(searched)[0]]
    # The link's state, the gridded layer's variable and time added; the centre within a pixel
    # (a centre between two screen pixels is rounded by Leaflet).
    now = query_of(page.url)
    assert {k: now[k] for k in query if k not in ("lon", "lat")} == {
        k: v for k, v in query.items() if k not in ("lon", "lat")
    }
    pixel = 360 / (256 * 2 ** int(query["zoom"]))
    for name in ("lon", "lat"):
        assert float(now[name]) == pytest.approx(float(query[name]), abs=pixel)
    watched.assert_clean()


def test_a_profile_id_typed_opens_its_panel(base: str, watched: Watched) -> None:
    """Without a mouse: the profile field offers the ids in view; one typed (Enter) opens its
    panel, an unknown one shows the API's problem, an emptied field closes the panel."""
    page = watched.page
    open_page(page, base, **FLOAT_VIEW, obs=ARGO, **YEAR)
    offered = page.locator("#obs-profiles option").evaluate_all("os => os.map(o => o.value)")
    assert offered == [m["id"] for m in shown(page)]
    field = page.locator("#obs-profile")
    field.fill(offered[3])
    field.press("Enter")
    panel = profile_panel(page)
    assert panel["id"] == offered[3]
    assert panel["facts"] == expected_facts(api(panel["url"]))
    assert query_of(page.url)["profile"] == offered[3]

    field.fill("5900865_999")
    field.press("Enter")
    problem = page.locator('.panel[data-kind="profile"] .facts p.problem')
    problem.wait_for()
    listed = httpx.get(f"{base}/api/v1/datasets/{ARGO}/observations/5900865_999", timeout=60)
    assert listed.status_code == 404
    assert problem.inner_text() == listed.json()["detail"]

    field.fill("")
    field.press("Enter")
    assert page.locator('.panel[data-kind="profile"]').count() == 0
    assert "profile" not in query_of(page.url)
    # The one console error is the browser's note of that 404.
    assert not watched.offsite
    assert len(watched.errors) == 1 and "status of 404" in watched.errors[0], watched.errors


def test_the_profiles_snippets_run_as_they_are(base: str, watched: Watched, tmp_path: Path) -> None:
    """The profile panel's Python, copied from the page and run in a fresh process: the data
    snippet opens the profile's NetCDF with xarray (the JSON's temperatures), the plot snippet
    writes the image the page shows; the curl line fetches the same URL."""
    page = watched.page
    page.goto(f"{base}/?dataset=ersst-v5&obs={ARGO}&profile=5900865_001")
    panel = profile_panel(page)
    section = page.locator('.panel[data-kind="profile"]')
    for summary in section.locator("details.snippets > summary").all():
        summary.click()
    profile = api(panel["url"])
    printed = run_python(section.locator(".facts code.python").inner_text(), tmp_path)
    assert "temperature" in printed
    (saved,) = tmp_path.glob("*.nc")
    with xr.open_dataset(saved) as data:
        temperature = data["temperature"].values.astype(float)
    assert [None if np.isnan(t) else pytest.approx(t) for t in temperature] == [
        None if t is None else pytest.approx(t) for t in profile["temperature"]
    ]
    figure = section.locator('figure[data-plot="obsprofile-salinity"]')
    src = figure.locator("img").get_attribute("src")
    curl = figure.locator("code.curl").inner_text()
    assert re.fullmatch(r'curl -fo (\S+)\.png "(.+)"', curl).group(2) == src  # type: ignore[union-attr]
    run_python(figure.locator("code.python").first.inner_text(), tmp_path)
    (image,) = tmp_path.glob("*.png")
    assert image.read_bytes() == httpx.get(str(src), timeout=60).content
    watched.assert_clean()
