"""How long the docs pages take to become usable in headless Chromium, from a local server.

The service runs as `uvicorn --factory` on loopback; Debian's Chromium (Playwright) loads each
page in a fresh context (no cache) and the clock stops when the page is usable: ReDoc hydrated
with every operation in its menu, Swagger UI with every operation block drawn. The baseline is
the same browser fetching /openapi.json, the document both pages show: the ratio is what a
page costs beyond its document. Also prints the bytes each page brings (Content-Length,
uncompressed). Never fails on a time.

    .venv/bin/python -m bench.docs [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import yaml
from playwright.sync_api import Page, sync_playwright

from bench.metadata import ROOT, start, stop

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def operation_count() -> int:
    document = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    return sum(len(item) for item in document["paths"].values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    count = operation_count()
    ready: dict[str, Callable[[Page], None]] = {
        "/openapi.json (baseline)": lambda page: None,
        "/docs (ReDoc)": lambda page: page.wait_for_function(
            "n => document.querySelector('#redoc')._reactRootContainer !== undefined"
            " && document.querySelectorAll('[data-item-id*=\"operation/\"]').length >= n",
            arg=count,
        ),
        "/swagger (Swagger UI)": lambda page: page.wait_for_function(
            "n => document.querySelectorAll('.opblock').length >= n", arg=count
        ),
    }
    server, port, _ = start("api.main:create_app")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            print(f"{count} operations; medians of {args.runs} cold loads (fresh context each)")
            print(f"{'page':28} {'ms':>8} {'x baseline':>11} {'bytes':>10}")
            baseline = None
            for label, wait in ready.items():
                times, sizes = [], []
                for _ in range(args.runs):
                    context = browser.new_context()
                    page = context.new_page()
                    received: list[int] = []
                    page.on(
                        "response",
                        lambda r, got=received: got.append(int(r.headers.get("content-length", 0))),
                    )
                    began = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}{label.split()[0]}")
                    wait(page)
                    times.append((time.perf_counter() - began) * 1000)
                    sizes.append(sum(received))
                    context.close()
                median = statistics.median(times)
                baseline = baseline or median
                print(
                    f"{label:28} {median:8.1f} {median / baseline:11.1f} "
                    f"{statistics.median(sizes):10,.0f}"
                )
            browser.close()
    finally:
        stop(server)


if __name__ == "__main__":
    main()
