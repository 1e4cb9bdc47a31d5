"""What a page load costs in headless Chromium: bytes on the wire and paint, load and map times.

The service runs as `uvicorn --factory api.main:create_app` on loopback (the bundled samples,
real worker pools); Debian's Chromium (/usr/bin/chromium, driven by Playwright, the docs
tests' arguments) loads each page. Per page and per run: a cold load in a new browser context
(an empty cache), then a warm one (a reload in the same context). A load ends at the load
event, then, on a map page (the explorer at `/`, `/maps/leaflet`), when `#map` says
`data-status="idle"` (its layer is drawn), then when the network has been quiet for 500 ms.

- Transfer: the sum of CDP `Network.loadingFinished` encodedDataLength, i.e. the bytes
  received for each response as sent on the wire (compressed when the server compresses,
  response headers included; 0 for an answer from the browser's cache), split into the page's
  own files (HTML, scripts, styles, fonts, icons: every path not below) and data (the API:
  /api/, /wms, /edr, /openapi.*, /docs/examples: JSON, tiles, plots). Requests: http(s)
  requests the page made, the cache's answers included. A request to any other host than the
  server is a failure (listed; the browser resolves no other host name).
- Times, in ms from the navigation's start: first paint and first contentful paint (the
  `paint` entries of a PerformanceObserver), DOMContentLoaded and load (the navigation entry's
  event starts), and "map idle": the last time `#map`'s data-status became idle.

Prints medians and maxima of N runs (one discarded load per page first, so the server's first
renders are not counted), then the issue's targets for the explorer (under 400 kB compressed
in all, first paint under 2 s) beside each page's figures and ReDoc's (/docs, the baseline).
kB = 1000 bytes. `--throttle 4` slows the CPU four times (CDP Emulation.setCPUThrottlingRate),
a slow phone. Never fails on a time.

    .venv/bin/python -m bench.pageload [--runs 7] [--throttle 4] [--pages / /docs]
        [--requests] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, CDPSession, Page, ViewportSize, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.metadata import start, stop

CHROMIUM = "/usr/bin/chromium"
# tests/e2e/test_docs_browser.py's arguments, and no host name resolves but the server's.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}  # the docs tests'
PAGES = ["/", "/docs", "/swagger", "/maps/leaflet"]
MAP_PAGES = {"/", "/maps/leaflet"}  # pages whose #map says data-status="idle" when drawn
BASELINE = "/docs"  # ReDoc
DATA_PATHS = ("/api/", "/wms", "/edr", "/openapi.", "/docs/examples/")
TARGET_KB = 400  # the targets for the explorer
TARGET_PAINT_MS = 2000
TIMEOUT_MS = 60_000
KB = 1000

# Installed before the page's scripts: the paint entries and each change of #map's status.
RECORDER = """
window.__pageload = { paint: {}, status: [] };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__pageload.paint[entry.name] = entry.startTime;
}).observe({ type: "paint", buffered: true });
new MutationObserver((records) => {
  for (const record of records) {
    if (record.target.id === "map") {
      window.__pageload.status.push([record.target.dataset.status, performance.now()]);
    }
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-status"] });
"""
READ_TIMES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const map = document.getElementById("map");
  const idle = window.__pageload.status.filter(([state]) => state === "idle").pop();
  return {
    first_paint: window.__pageload.paint["first-paint"] ?? null,
    first_contentful_paint: window.__pageload.paint["first-contentful-paint"] ?? null,
    dom_content_loaded: nav ? nav.domContentLoadedEventStart : null,
    load: nav ? nav.loadEventStart : null,
    map_status: map ? map.dataset.status ?? null : null,
    map_idle: idle ? idle[1] : null,
  };
}"""


@dataclass
class Fetched:
    """One http(s) request of a load, as CDP's Network domain reported it."""

    url: str
    kind: str  # "page" (the page's own files) or "data" (the API)
    type: str = ""  # CDP resource type: Document, Script, Stylesheet, Font, Image, Fetch...
    status: int | None = None
    bytes: int = 0  # encodedDataLength at loadingFinished: on the wire, headers included
    content_length: int | None = None  # the response's Content-Length header, if any
    content_encoding: str = ""
    cached: bool = False  # answered from the browser's memory or disk cache
    failed: str | None = None  # loadingFailed's errorText


@dataclass
class Load:
    """One page load: its requests and its times (ms from the navigation's start)."""

    path: str
    warm: bool
    status: int
    requests: list[Fetched] = field(default_factory=list)
    first_paint: float | None = None
    first_contentful_paint: float | None = None
    dom_content_loaded: float | None = None
    load: float | None = None
    map_status: str | None = None
    map_idle: float | None = None
    offsite: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)  # the map or the network never settled

    def total(self, kind: str | None = None) -> int:
        """Bytes received, of one kind of request or all."""
        return sum(r.bytes for r in self.requests if kind in (None, r.kind))

    @property
    def failures(self) -> list[str]:
        """Requests that went to another host or failed, a 4xx/5xx, a map not drawn."""
        found = [f"off-site: {url}" for url in self.offsite] + self.timeouts
        found += [f"{r.failed}: {r.url}" for r in self.requests if r.failed]
        found += [f"{r.status}: {r.url}" for r in self.requests if (r.status or 0) >= 400]
        if self.path in MAP_PAGES and self.map_status != "idle":
            found.append(f"#map data-status={self.map_status}")
        return found


Results = dict[str, dict[bool, list[Load]]]  # path -> warm? -> its loads


def kind_of(path: str) -> str:
    """ "data" for what the API answers (JSON, tiles, plots), "page" for the page's files."""
    return "data" if path.startswith(DATA_PATHS) else "page"


class Network:
    """The http(s) requests of one page, from its CDP session's Network events."""

    def __init__(self, cdp: CDPSession, origin: str) -> None:
        self.origin = origin
        self.requests: dict[str, Fetched] = {}
        self.offsite: list[str] = []
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.send("Network.enable")

    def reset(self) -> None:
        self.requests, self.offsite = {}, []

    def _sent(self, event: dict[str, Any]) -> None:
        url = event["request"]["url"]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return  # data:, blob:: nothing on the wire
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.offsite.append(url)
        if event["requestId"] not in self.requests:  # a redirect keeps its request's id
            self.requests[event["requestId"]] = Fetched(url, kind_of(parts.path))
        self.requests[event["requestId"]].type = event.get("type", "")

    def _received(self, event: dict[str, Any]) -> None:
        if (fetched := self.requests.get(event["requestId"])) is None:
            return
        response = event["response"]
        headers = {name.lower(): value for name, value in response["headers"].items()}
        fetched.status = response["status"]
        fetched.type = event.get("type", fetched.type)
        fetched.cached = fetched.cached or response.get("fromDiskCache", False)
        fetched.content_encoding = headers.get("content-encoding", "")
        if "content-length" in headers:
            fetched.content_length = int(headers["content-length"])

    def _from_cache(self, event: dict[str, Any]) -> None:
        if (fetched := self.requests.get(event["requestId"])) is not None:
            fetched.cached = True

    def _finished(self, event: dict[str, Any]) -> None:
        if (fetched := self.requests.get(event["requestId"])) is not None:
            fetched.bytes = int(event["encodedDataLength"])

    def _failed(self, event: dict[str, Any]) -> None:
        if (fetched := self.requests.get(event["requestId"])) is not None:
            fetched.failed = event["errorText"]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's headless Chromium with the docs tests' arguments."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def finish(page: Page, network: Network, path: str, warm: bool, status: int) -> Load:
    """Wait for the map (on a map page) and a quiet network; read the times and requests."""
    waits: list[str] = []
    try:
        if path in MAP_PAGES:
            page.wait_for_selector("#map:not([data-status=loading])", timeout=TIMEOUT_MS)
        page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    except PlaywrightTimeoutError as error:
        waits.append(f"gave up waiting: {error.message.splitlines()[0]}")
    load = Load(path, warm, status, **page.evaluate(READ_TIMES))
    load.timeouts = waits
    load.requests = list(network.requests.values())
    load.offsite = list(network.offsite)
    return load


def measure(
    browser: Browser,
    base: str,
    path: str,
    throttle: float = 1,
    screenshot: Path | None = None,
) -> tuple[Load, Load | None]:
    """A cold load of ``base + path`` in a new context, then a warm one (a reload) in the same
    context; no warm load when the page is not a 200."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        context.add_init_script(RECORDER)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        network = Network(cdp, base)
        if throttle != 1:
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        response = page.goto(base + path, wait_until="load", timeout=TIMEOUT_MS)
        status = response.status if response is not None else 0
        if status != 200:
            return Load(path, False, status), None
        cold = finish(page, network, path, False, status)
        if screenshot is not None:
            page.screenshot(path=screenshot)
        network.reset()
        response = page.reload(wait_until="load", timeout=TIMEOUT_MS)
        warm = finish(page, network, path, True, response.status if response else 0)
        return cold, warm
    finally:
        context.close()


# --------------------------------------------------------------------------------- figures

Figure = Callable[[Load], float | None]
FIGURES: dict[str, tuple[Figure, str]] = {  # column -> (the figure, its format)
    "requests": (lambda load: len(load.requests), "{:.0f}"),
    "cached": (lambda load: sum(r.cached for r in load.requests), "{:.0f}"),
    "page kB": (lambda load: load.total("page") / KB, "{:.1f}"),
    "data kB": (lambda load: load.total("data") / KB, "{:.1f}"),
    "total kB": (lambda load: load.total() / KB, "{:.1f}"),
    "first paint": (lambda load: load.first_paint, "{:.0f}"),
    "FCP": (lambda load: load.first_contentful_paint, "{:.0f}"),
    "DCL": (lambda load: load.dom_content_loaded, "{:.0f}"),
    "load": (lambda load: load.load, "{:.0f}"),
    "map idle": (lambda load: load.map_idle, "{:.0f}"),
}


def median_max(loads: Sequence[Load], figure: Figure) -> tuple[float, float] | None:
    values = [v for v in map(figure, loads) if v is not None]
    return (statistics.median(values), max(values)) if values else None


def cell(loads: Sequence[Load], column: str) -> str:
    figure, form = FIGURES[column]
    found = median_max(loads, figure)
    return "-" if found is None else f"{form.format(found[0])} / {form.format(found[1])}"


def table(results: Results, columns: Sequence[str]) -> list[str]:
    width = 17
    lines = [f"  {'page':<15}{'cache':<6}" + "".join(f"{c:>{width}}" for c in columns)]
    for path, by_cache in results.items():
        for warm, loads in by_cache.items():
            label = "warm" if warm else "cold"
            row = "".join(f"{cell(loads, c):>{width}}" for c in columns)
            lines.append(f"  {path:<15}{label:<6}{row}")
    return lines


def targets(results: Results) -> list[str]:
    """Each page's cold medians beside the explorer's targets and ReDoc's."""
    baseline = results.get(BASELINE, {}).get(False, [])

    def med(loads: list[Load], figure: Figure) -> float | None:
        found = median_max(loads, figure)
        return None if found is None else found[0]

    rows = [
        ("total transfer kB", FIGURES["total kB"][0], TARGET_KB),
        ("page's own files kB", FIGURES["page kB"][0], TARGET_KB),
        ("first paint ms", FIGURES["first paint"][0], TARGET_PAINT_MS),
    ]
    lines = [f"  {'page':<15}{'figure (cold median)':<22}{'measured':>10}{'target':>10}"
             f"{'met':>5}{'ReDoc':>10}{'x ReDoc':>9}"]  # fmt: skip
    for path, by_cache in results.items():
        for label, figure, target in rows:
            value, base = med(by_cache[False], figure), med(baseline, figure)
            if value is None:
                continue
            met = "yes" if value < target else "NO"
            ratio = f"{value / base:9.2f}" if base else f"{'-':>9}"
            redoc = f"{base:10.1f}" if base is not None else f"{'-':>10}"
            lines.append(
                f"  {path:<15}{label:<22}{value:10.1f}{'< ' + str(target):>10}{met:>5}"
                f"{redoc}{ratio}"
            )
    return lines


def request_list(load: Load) -> list[str]:
    lines = [f"  {load.path} ({'warm' if load.warm else 'cold'}): {len(load.requests)} requests"]
    for r in sorted(load.requests, key=lambda r: -r.bytes):
        how = "cache" if r.cached else r.content_encoding or "identity"
        lines.append(
            f"    {r.bytes:>9,} B {r.kind:<5}{r.type:<11}{r.status or '-'!s:>4} {how:<9}"
            f"{urlsplit(r.url).path[:80]}"
        )
    return lines


def run(
    browser: Browser,
    base: str,
    pages: Sequence[str],
    runs: int,
    throttle: float = 1,
    warmup: bool = True,
    save: Path | None = None,
) -> tuple[Results, dict[str, int]]:
    """Measure each page ``runs`` times cold and warm; the pages that were not a 200 are
    returned apart with their status."""
    results: Results = {}
    missing: dict[str, int] = {}
    for path in pages:
        if warmup:
            measure(browser, base, path, throttle)
        loads: dict[bool, list[Load]] = {False: [], True: []}
        for index in range(runs):
            shot = None
            if save is not None and index == 0:
                shot = save / f"pageload-{path.strip('/').replace('/', '-') or 'root'}.png"
            cold, warm = measure(browser, base, path, throttle, shot)
            if warm is None:
                missing[path] = cold.status
                break
            loads[False].append(cold)
            loads[True].append(warm)
        else:
            results[path] = loads
    return results, missing


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="cold and warm loads per page")
    parser.add_argument("--throttle", type=float, default=1, help="CPU slowdown, e.g. 4")
    parser.add_argument("--pages", nargs="+", default=PAGES, help="paths to load")
    parser.add_argument("--quick", action="store_true", help="1 run, no discarded first load")
    parser.add_argument("--requests", action="store_true", help="list each first load's requests")
    parser.add_argument("--save", type=Path, help="write every load as JSON and screenshots here")
    return parser


def collect(args: argparse.Namespace) -> tuple[Results, dict[str, int]]:
    """Start the service, measure the pages; the results and the pages that were not a 200."""
    if args.quick:
        args.runs = 1
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
    server, port, _ = start("api.main:create_app", output=subprocess.DEVNULL)
    try:
        with chromium() as browser:
            args.browser = browser.version
            return run(
                browser,
                f"http://127.0.0.1:{port}",
                args.pages,
                args.runs,
                args.throttle,
                warmup=not args.quick,
                save=args.save,
            )
    finally:
        stop(server)


def report(results: Results, missing: dict[str, int], args: argparse.Namespace) -> list[str]:
    """The tables, the targets, the failures (and each first load's requests)."""
    lines = [
        f"Chromium {args.browser}; CPU throttling {args.throttle:g}x",
        f"Median / max of {args.runs} loads per page; cold: a new browser context (empty "
        "cache); warm: a reload in the same context.",
        "Transfer: CDP Network.loadingFinished encodedDataLength summed, as sent on the wire "
        "(compressed if the server compresses; headers included); kB = 1000 B",
        *table(results, ["requests", "cached", "page kB", "data kB", "total kB"]),
        "",
        "Times, ms from navigation start (FCP: first contentful paint, DCL: DOMContentLoaded)",
        *table(results, ["first paint", "FCP", "DCL", "load", "map idle"]),
        "",
        "The issue's targets for the explorer (cold loads), beside ReDoc (/docs)",
        *targets(results),
        *(f"  {path}: answered {status}, not measured" for path, status in missing.items()),
    ]
    failures = sorted(
        {
            f"{load.path} {'warm' if load.warm else 'cold'}: {failure}"
            for by_cache in results.values()
            for loads in by_cache.values()
            for load in loads
            for failure in load.failures
        }
    )
    lines += [
        "",
        f"Failures (off-site or failed requests, maps not drawn, waits given up): {len(failures)}",
    ]
    lines += [f"  {failure}" for failure in failures]
    if args.requests:
        lines += ["", "Requests of each page's first cold and warm load, largest first"]
        for by_cache in results.values():
            for loads in by_cache.values():
                lines += request_list(loads[0])
    return lines


def write_json(results: Results, missing: dict[str, int], folder: Path) -> None:
    """Every load (its figures and requests) and the pages not measured, as pageload.json."""
    document = {
        "missing": missing,
        "loads": {
            path: {("warm" if w else "cold"): [asdict(x) for x in loads]
                   for w, loads in by_cache.items()}
            for path, by_cache in results.items()
        },
    }  # fmt: skip
    (folder / "pageload.json").write_text(json.dumps(document, indent=1), encoding="utf-8")


def main() -> None:
    args = parser().parse_args()
    print(f"machine: {os.cpu_count()} cores; loopback only; {CHROMIUM}")
    print(f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    results, missing = collect(args)
    print("\n".join(report(results, missing, args)))
    if args.save is not None:
        write_json(results, missing, args.save)
    print(f"\nload average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
