"""Web-map tiles and GetMap beside xpublish-wms 0.13.2 (xpublish 0.5.2) serving the same ERSST file.

Starts xpublish with its xpublish-wms plugin (uvicorn on loopback, the ERSST file opened with
xarray: it already carries the CF attributes the plugin reads) and the service (uvicorn on
loopback, OCEANAPI_PLOT__WORKERS as each part needs), and times the same requests on both:

1. A 256x256 WebMercatorQuad tile of ERSST: ours from /tiles, theirs as their GetMap with
   ``tile=x,y,z`` (EPSG:3857, the tile's bounds; xpublish-wms has no XYZ route). Uncached:
   every request distinct (a new tile, or a tile already drawn at a new month), p50/p90/p99
   and the ratio ours/theirs; our cached p50 (the same request again); the first tile after
   /ready on fresh servers.
2. An 800x400 GetMap of ERSST over the world (theirs EPSG:4326 with a lon,lat box; ours CRS:84
   at /wms where the WMS facade is on this branch, and always through this bench's route that
   draws the same map job as the tiles do, ``create_bench_app``), uncached (a new month each
   request), and our cached p50.
3. Per sample (ERSST, GLORYS, GIOPS, WCOFS, the UGRID mesh): uncached tile p50/p90 at a zoom
   whose tiles cover the data.
4. Tiles per second at 8 concurrent clients (each its own connection and address), with 1 and
   2 plot workers, per sample, every tile distinct; xpublish-wms's on ERSST beside.
5. A 20-tile viewport at zoom 3 (5x4 tiles over the Atlantic), cold cache (a fresh server),
   fetched 6 at a time as a browser does: time until the last tile, ours and theirs.

Peak resident size of our server and its workers during the loads is sampled every 50 ms.
Each month is asked once in parts 1 and 2, so neither our image cache nor a worker's field
cache holds it; our cache hits during the uncached parts are read from /metrics and printed,
with our render's stages (Server-Timing) and how alike both servers' pictures are. Every
answer of ours must be a 200 PNG (else the run stops); xpublish-wms's failures are listed
and left out of its figures. Prints figures; never fails on a time.

    .venv/bin/python -m bench.webmap [--repeat 30] [--seconds 5] [--starts 3] [--save DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import itertools
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx2 as httpx
import morecantile
import numpy as np
import psutil
from fastapi import FastAPI, Query, Request
from fastapi.responses import Response
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from api.deps import AsyncDatasetDep, CatalogDep
from api.images import image_response
from api.main import create_app
from api.v1.plots import RunnerDep
from api.v1.tiles import map_job
from bench.edr import stop_all
from bench.load import metric, ms
from bench.metadata import free_port, start
from plotting.webmap.params import TileParams
from plotting.webmap.targets import Target

ROOT = Path(__file__).resolve().parent.parent
ERSST_FILE = ROOT / "samples" / "sst.mnmean.nc"
TMS_ID = "WebMercatorQuad"
TMS = morecantile.tms.get(TMS_ID)
Params = dict[str, str]
Get = tuple[str, Params]  # a path and its query parameters

# What each sample draws: (dataset id, variable). The mesh's ERSST faces have its 128 months.
SAMPLES = [
    ("ersst-v5", "sst"),
    ("glorys", "thetao"),
    ("giops", "votemper"),
    ("wcofs", "u_sur"),
    ("glorys-mesh", "sst"),
]
# A third axis making requests distinct where tiles x times x depths run out (small samples):
# each colour map is a new render of the same field.
COLORMAPS = (
    *("thermal", "haline", "balance", "deep", "dense", "matter", "ice", "solar", "tempo"),
    *("speed", "amp", "algae", "turbid", "oxy", "phase", "gray", "curl", "diff", "rain"),
)

# ERSST as both servers draw it: the catalog's colour map and scale.
ERSST = "ersst-v5"
XPUBLISH_ID = "ersst"
ERSST_MONTHS = [f"{2010 + m // 12}-{m % 12 + 1:02d}-01T00:00:00Z" for m in range(128)]
SCALE = "-2,32"
OUR_STYLE = "raster/thermal"
THEIR_STYLE = "raster/cmo.thermal"  # cmocean's maps, registered in matplotlib by importing it
WORLD = "-180,-90,180,90"  # lon,lat for CRS:84 (ours) and for xpublish-wms's EPSG:4326
VIEWPORT = [(x, y) for y in range(2, 6) for x in range(1, 6)]  # z=3: 5x4, the Atlantic
VIEWPORT_MONTH = ERSST_MONTHS[60]

# ----------------------------------------------------------------------- request builders


def tile_query(
    dataset: str,
    variable: str,
    tile: morecantile.Tile,
    time_: str | None = None,
    depth: float | None = None,
    colormap: str | None = None,
    scale: str | None = None,
) -> Get:
    """Our XYZ tile (WebMercatorQuad) with its query."""
    params = {"variable": variable}
    if time_ is not None:
        params["time"] = time_
    if depth is not None:
        params["depth"] = f"{depth:g}"
    if colormap is not None:
        params["colormap"] = colormap
    if scale is not None:
        params["scale"] = scale
    return f"/api/v1/datasets/{dataset}/tiles/{TMS_ID}/{tile.z}/{tile.x}/{tile.y}.png", params


def ersst_tile(tile: morecantile.Tile, time_: str) -> Get:
    """Our ERSST tile as xpublish-wms draws it: thermal, -2..32 degC (the catalog's)."""
    return tile_query(ERSST, "sst", tile, time_, colormap="thermal", scale=SCALE)


def their_tile(tile: morecantile.Tile, time_: str) -> Get:
    """The same tile from xpublish-wms: GetMap in EPSG:3857 with its ``tile=x,y,z``, which it
    turns into the tile's bounds (mercantile.xy_bounds, the same as morecantile's)."""
    return f"/datasets/{XPUBLISH_ID}/wms", {
        "service": "WMS",
        "version": "1.3.0",
        "request": "GetMap",
        "layers": "sst",
        "styles": THEIR_STYLE,
        "crs": "EPSG:3857",
        "tile": f"{tile.x},{tile.y},{tile.z}",
        "width": "256",
        "height": "256",
        "colorscalerange": SCALE,
        "time": time_,
        "format": "image/png",
    }


def our_getmap(time_: str, width: int = 800, height: int = 400) -> Get:
    """GetMap of ERSST at our /wms, WMS 1.3.0 in CRS:84 (lon,lat) over the world."""
    return "/wms", {
        "SERVICE": "WMS",
        "VERSION": "1.3.0",
        "REQUEST": "GetMap",
        "LAYERS": f"{ERSST}/sst",
        "STYLES": OUR_STYLE,
        "CRS": "CRS:84",
        "BBOX": WORLD,
        "WIDTH": str(width),
        "HEIGHT": str(height),
        "FORMAT": "image/png",
        "TRANSPARENT": "TRUE",
        "TIME": time_,
        "COLORSCALERANGE": SCALE,
    }


def their_getmap(time_: str, width: int = 800, height: int = 400) -> Get:
    """The same map from xpublish-wms: EPSG:4326, whose bbox it reads lon,lat whatever the
    version (xpublish-wms#154)."""
    return f"/datasets/{XPUBLISH_ID}/wms", {
        "service": "WMS",
        "version": "1.3.0",
        "request": "GetMap",
        "layers": "sst",
        "styles": THEIR_STYLE,
        "crs": "EPSG:4326",
        "bbox": WORLD,
        "width": str(width),
        "height": str(height),
        "colorscalerange": SCALE,
        "time": time_,
        "format": "image/png",
    }


def bench_getmap(time_: str, width: int = 800, height: int = 400) -> Get:
    """The same map from our renderer through this bench's stand-in route (``create_bench_app``):
    the image job GetMap builds, a CRS:84 world box at this size."""
    return f"/bench/datasets/{ERSST}/map.png", {
        "variable": "sst",
        "time": time_,
        "colormap": "thermal",
        "scale": SCALE,
        "width": str(width),
        "height": str(height),
    }


def url(query: Get) -> str:
    path, params = query
    return f"{path}?{urlencode(params)}" if params else path


def covering_tiles(bbox: Sequence[float], at_least: int = 4) -> list[morecantile.Tile]:
    """The tiles of the first zoom at which at least ``at_least`` tiles touch ``bbox`` (a
    regional sample's tiles then each hold a good share of its cells), with the next zoom's."""
    west, south, east, north = bbox
    for z in range(12):
        tiles = list(TMS.tiles(west, south, east, north, zooms=[z]))
        if len(tiles) >= at_least:
            return tiles + list(TMS.tiles(west, south, east, north, zooms=[z + 1]))
    raise ValueError(f"no zoom below 12 has {at_least} tiles over {bbox}")


def distinct(axes: Sequence[Sequence[Any]], seed: int = 19) -> Iterator[tuple[Any, ...]]:
    """Every combination of ``axes`` once, in a seeded random order."""
    combos = list(itertools.product(*axes))
    random.Random(seed).shuffle(combos)
    return iter(combos)


@dataclass(frozen=True)
class Sample:
    """One dataset as the bench asks for it: its tiles, instants and depths."""

    dataset: str
    variable: str
    tiles: list[morecantile.Tile]
    times: list[str | None]
    depths: list[float | None]

    def queries(self, seed: int = 19) -> Iterator[Get]:
        """Distinct tiles: tiles x instants x depths in the variable's own colour map, then
        again in each of ``COLORMAPS`` (each a render of its own)."""
        for colormap in (None, *COLORMAPS):
            for tile, time_, depth in distinct([self.tiles, self.times, self.depths], seed):
                yield tile_query(self.dataset, self.variable, tile, time_, depth, colormap)


def describe(client: httpx.Client, dataset: str, variable: str) -> Sample:
    """A sample's tiles, instants and depths, as our API lists them."""
    summary = client.get(f"/api/v1/datasets/{dataset}").raise_for_status().json()
    times: list[str] = []
    link: str | None = f"/api/v1/datasets/{dataset}/times?limit=1000"
    while link:
        page = client.get(link).raise_for_status().json()
        times += page["times"]
        link = page.get("next")
    levels = client.get(f"/api/v1/datasets/{dataset}/depths").raise_for_status().json()["levels"]
    return Sample(
        dataset,
        variable,
        covering_tiles(summary["bbox"]),
        list(times) or [None],
        list(levels) or [None],
    )


# ----------------------------------------------------------------------- servers


def xpublish_app() -> Any:
    """xpublish serving ERSST v5 with its installed plugins (xpublish-wms among them): the
    uvicorn factory the bench starts in its own process."""
    import cmocean  # noqa: F401  (registers cmo.* colour maps in matplotlib)
    import xarray as xr
    import xpublish

    dataset = xr.open_dataset(ERSST_FILE)  # lon 0..358, lat 88..-88; CF attributes present
    return xpublish.Rest({XPUBLISH_ID: dataset}).app


def start_xpublish() -> tuple[subprocess.Popen[bytes], int, float]:
    """xpublish under uvicorn on loopback (httptools, uvloop, as ours); its port and the
    seconds until its first GetMap answers 200."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "bench.webmap:xpublish_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    command += ["--log-level", "warning", "--http", "httptools", "--loop", "uvloop"]
    began = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    probe = url(their_getmap(ERSST_MONTHS[0], 64, 32))
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=30).status_code == 200:
                return process, port, time.perf_counter() - began
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"xpublish exited with {process.returncode}")
        if time.perf_counter() - began > 120:
            stop_all([process])
            raise RuntimeError("xpublish not ready in 120 s")
        time.sleep(0.05)


def create_bench_app() -> FastAPI:
    """The service plus ``/bench/datasets/{dataset_id}/map.png?width=&height=&<tile query>``:
    a map image of the whole world in CRS:84 at any size, the job a WMS GetMap builds, drawn
    through the same runner, cache and answer as a tile. It stands in for /wms where the WMS
    facade is not on this branch, and shows the facade's own cost where it is."""
    app = create_app()

    async def world_map(
        request: Request,
        opened: AsyncDatasetDep,
        runner: RunnerDep,
        catalog: CatalogDep,
        params: Annotated[TileParams, Query()],
        width: int = 800,
        height: int = 400,
    ) -> Response:
        target = Target("CRS:84", (-180.0, -90.0, 180.0, 90.0), width, height)
        job = map_job(opened, params, target)
        return await image_response(request, runner, catalog, opened.id, job)

    app.add_api_route("/bench/datasets/{dataset_id}/map.png", world_map, include_in_schema=False)
    return app


def start_ours(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """The service with the bench's route (bench.metadata.start: uvicorn, its protocol,
    httptools, uvloop) and ``workers`` plot workers; returned once /ready answers 200."""
    env = {"OCEANAPI_PLOT__WORKERS": str(workers)}
    process, port, _ = start("bench.webmap:create_bench_app", env, subprocess.DEVNULL)
    return process, port


class PeakRss(threading.Thread):
    """The largest resident size of a process and its children seen while running."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.server = self.children = self.total = self.count = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            with contextlib.suppress(psutil.Error):
                server = self.process.memory_info().rss
                children = 0
                processes = self.process.children(recursive=True)
                self.count = max(self.count, len(processes))
                for child in processes:
                    with contextlib.suppress(psutil.Error):
                        children += child.memory_info().rss
                self.server = max(self.server, server)
                self.children = max(self.children, children)
                self.total = max(self.total, server + children)
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.running = False
        self.join()

    def words(self) -> str:
        mib = 2**20
        if not self.count:
            return f"{self.server / mib:.0f} MiB (one process)"
        return (
            f"server {self.server / mib:.0f} MiB, its {self.count} child processes (plot and "
            f"data workers, fork server) {self.children / mib:.0f} MiB, together at most "
            f"{self.total / mib:.0f} MiB"
        )


# ----------------------------------------------------------------------- timing


def get_png(client: httpx.Client, query: Get) -> httpx.Response:
    """One GET that must answer a 200 PNG."""
    response = client.get(query[0], params=query[1], timeout=120)
    if response.status_code != 200 or not response.content.startswith(b"\x89PNG"):
        raise RuntimeError(f"{url(query)}: {response.status_code} {response.text[:300]}")
    return response


def fetch_png(client: httpx.Client, query: Get) -> bytes:
    return get_png(client, query).content


Stages = dict[str, list[float]]  # our render's stages (Server-Timing), ms per request


def timed(
    client: httpx.Client,
    queries: Iterable[Get],
    stages: Stages | None = None,
    failures: list[str] | None = None,
) -> list[float]:
    """Seconds each query took, one after another on a keep-alive connection; the stages of
    our renders (their Server-Timing) added to ``stages``. An answer that is not a 200 PNG
    stops the run, or, given ``failures``, is listed there and not timed."""
    times = []
    for query in queries:
        began = time.perf_counter()
        try:
            response = get_png(client, query)
        except RuntimeError as error:
            if failures is None:
                raise
            failures.append(str(error))
            continue
        times.append(time.perf_counter() - began)
        if stages is not None:
            for part in response.headers.get("server-timing", "").split(","):
                name, _, duration = part.strip().partition(";dur=")
                if duration:
                    stages.setdefault(name, []).append(float(duration))
    return times


def stage_words(stages: Stages) -> str:
    """Median ms of each render stage, as Server-Timing names them."""
    return ", ".join(f"{name} {statistics.median(v):.1f}" for name, v in stages.items())


@dataclass(frozen=True)
class Figures:
    """Quantiles of one row, in ms."""

    n: int
    p50: float
    p90: float
    p99: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Figures:
        return cls(
            len(seconds), ms(list(seconds), 0.5), ms(list(seconds), 0.9), ms(list(seconds), 0.99)
        )

    def cells(self) -> str:
        return f"{self.p50:8.1f}{self.p90:8.1f}{self.p99:8.1f}"


def row(label: str, ours: Figures, theirs: Figures | None) -> str:
    if theirs is None:
        return f"  {label:<44}{ours.n:>5}{ours.cells()}{'':>29}"
    ratio = ours.p50 / theirs.p50
    return f"  {label:<44}{ours.n:>5}{ours.cells()}{theirs.cells()}{ratio:>8.2f}x"


HEADER = (
    f"  {'':<44}{'n':>5}{'ours':>8}{'p90':>8}{'p99':>8}{'theirs':>8}{'p90':>8}{'p99':>8}"
    f"{'ratio':>8}\n  {'':<44}{'':>5}{'p50 ms':>8}{'':>16}{'p50 ms':>8}{'':>16}{'p50':>8}"
)


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, client_ip: str
) -> tuple[int, bytes]:
    """One HTTP/1.1 GET on an open connection; the body by Content-Length or chunked (xpublish
    streams its PNGs)."""
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: {client_ip}\r\n\r\n".encode()
    )
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            name, value = line.split(b":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    if headers.get(b"transfer-encoding") == b"chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, body
            body += chunk[:-2]
    return status, await reader.readexactly(int(headers.get(b"content-length", b"0")))


async def _clients(
    port: int, paths: Iterator[str], clients: int, seconds: float | None, strict: bool
) -> tuple[list[float], float, Counter[int]]:
    """``clients`` concurrent clients (each its own connection and X-Forwarded-For address),
    taking paths from one shared iterator until it ends or ``seconds`` pass: each 200 PNG's
    latency, the elapsed time, the statuses. Any other answer stops the run if ``strict``,
    else is counted only."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    began = time.perf_counter()
    deadline = began + seconds if seconds is not None else float("inf")

    async def client(number: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for path in paths:
                sent = time.perf_counter()
                if sent >= deadline:
                    return
                status, body = await _exchange(reader, writer, path, f"198.51.100.{number + 1}")
                statuses[status] += 1
                if status == 200 and body.startswith(b"\x89PNG"):
                    latencies.append(time.perf_counter() - sent)
                elif strict:
                    raise RuntimeError(f"{path}: {status} {body[:200]!r}")
        finally:
            writer.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, time.perf_counter() - began, statuses


def concurrent(
    port: int, paths: Iterator[str], clients: int, seconds: float | None = None, strict: bool = True
) -> tuple[list[float], float, Counter[int]]:
    return asyncio.run(_clients(port, paths, clients, seconds, strict))


def cache_hits(port: int) -> float:
    return metric(port, "oceanapi_plot_cache_hits_total")


# ----------------------------------------------------------------------- the parts


def ersst_tiles(zoom: int) -> list[morecantile.Tile]:
    return list(TMS.tiles(-180, -85, 180, 85, zooms=[zoom]))


def first_tiles(starts: int) -> tuple[list[float], Stages]:
    """Seconds from /ready to the first ERSST tile's answer on ``starts`` fresh servers, and
    that tile's render stages."""
    seconds: list[float] = []
    stages: Stages = {}
    for n in range(starts):
        process, port = start_ours(2)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                query = ersst_tile(morecantile.Tile(2, 1, 2), ERSST_MONTHS[n])
                seconds += timed(client, [query], stages)
        finally:
            stop_all([process])
    return seconds, stages


def viewport(port: int, queries: list[Get], strict: bool = True) -> tuple[float, int]:
    """Seconds until the last of ``queries`` answered, fetched 6 at a time (a browser's
    connections per host), on fresh connections; how many were not a 200 PNG."""
    _, elapsed, statuses = concurrent(port, iter(url(q) for q in queries), 6, strict=strict)
    return elapsed, sum(n for status, n in statuses.items() if status != 200)


def answers_png(client: httpx.Client, query: Get) -> bool:
    response = client.get(query[0], params=query[1], timeout=60)
    return response.status_code == 200 and response.content.startswith(b"\x89PNG")


def agreement(ours: bytes, theirs: bytes) -> str:
    """How alike two PNGs of the same request are: pixels where one has data and the other
    not, and the colour difference (0..255, largest of R, G, B) where both have data."""
    a, b = (
        np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)
        for png in (ours, theirs)
    )
    if a.shape != b.shape:
        return f"sizes differ: {a.shape} and {b.shape}"
    opaque_a, opaque_b = a[..., 3] > 0, b[..., 3] > 0
    both = opaque_a & opaque_b
    step = np.abs(a[..., :3] - b[..., :3]).max(axis=-1)[both]
    return (
        f"data in {opaque_a.mean():.1%} of our pixels, {opaque_b.mean():.1%} of theirs, "
        f"{(opaque_a != opaque_b).mean():.2%} differ in having data; colour difference where "
        f"both do: median {np.median(step):.0f}, p99 {np.percentile(step, 99):.0f} of 255"
    )


def compare(
    label: str,
    ours: httpx.Client,
    theirs: httpx.Client,
    pair: tuple[Get, Get],
    save_to: Path | None,
) -> None:
    """Print how alike both servers' answers to one request are; save them if asked."""
    mine, other = fetch_png(ours, pair[0]), fetch_png(theirs, pair[1])
    print(f"  same picture? {label}: {agreement(mine, other)}")
    if save_to is not None:
        save_to.mkdir(parents=True, exist_ok=True)
        (save_to / f"ours-{label}.png").write_bytes(mine)
        (save_to / f"theirs-{label}.png").write_bytes(other)


def said_failures(failed: list[str]) -> None:
    """Print (then forget) the requests xpublish-wms did not answer with a PNG: not timed, on
    either side's figures for theirs; ours were all timed."""
    if failed:
        tiles = [
            f.split("tile=")[1].split("&")[0].replace("%2C", ",") for f in failed if "tile=" in f
        ]
        status = Counter(f.split(": ")[1].split(" ")[0] for f in failed)
        print(
            f"  xpublish-wms did not draw {len(failed)} of its requests (HTTP "
            + ", ".join(f"{s}: {n}" for s, n in status.items())
            + "; not in its figures)"
            + (f", tiles x,y,z {'; '.join(tiles[:6])}" if tiles else "")
        )
        print(f"    e.g. {failed[0].split(': ', 1)[1][:160]}")
        failed.clear()


class MonthPool:
    """ERSST's months in a seeded random order, handed out once each (then again, said)."""

    def __init__(self, exclude: str) -> None:
        self.months = [m for m in ERSST_MONTHS if m != exclude]
        random.Random(19).shuffle(self.months)
        self.next = 0
        self.reused = False

    def take(self, n: int) -> list[str]:
        taken = [self.months[(self.next + k) % len(self.months)] for k in range(n)]
        self.next += n
        self.reused = self.reused or self.next > len(self.months)
        return taken


def comparison(
    ours: httpx.Client,
    theirs: httpx.Client,
    port: int,
    repeat: int,
    firsts: tuple[list[float], Stages],
    save_to: Path | None,
) -> None:
    """Parts 1 and 2: ERSST tiles and GetMap beside xpublish-wms."""
    pool = MonthPool(exclude=VIEWPORT_MONTH)
    warm_months = pool.take(3)
    tiles = ersst_tiles(3) + ersst_tiles(4)
    random.Random(19).shuffle(tiles)
    # Warm-up, not counted: the dataset opened; xpublish-wms's datashader compiles (numba) its
    # kernels on the first requests of each kind.
    warm = [morecantile.Tile(k, 1, 2) for k in range(3)]
    warm += [morecantile.Tile(k, 2, 3) for k in range(3)] + [
        morecantile.Tile(k, 5, 4) for k in range(3)
    ]
    for k, tile in enumerate(warm):
        fetch_png(ours, ersst_tile(tile, warm_months[k % 3]))
        fetch_png(theirs, their_tile(tile, warm_months[k % 3]))
    for month in warm_months:
        fetch_png(ours, bench_getmap(month))
        fetch_png(theirs, their_getmap(month))
    hits = cache_hits(port)

    print(f"\n1. ERSST 256x256 {TMS_ID} tile ({ERSST_FILE.name}), ms, {repeat} requests a row")
    print(HEADER)
    new_tiles = list(zip(tiles[:repeat], pool.take(repeat), strict=True))
    stages: Stages = {}
    ours_new = Figures.of(timed(ours, (ersst_tile(*pair) for pair in new_tiles), stages))
    failed: list[str] = []
    theirs_new = Figures.of(timed(theirs, (their_tile(*pair) for pair in new_tiles), None, failed))
    print(row("uncached: a new tile (z 3-4) each request", ours_new, theirs_new))
    print(f"    our render stages, median ms: {stage_words(stages)}")
    # The same 4 tiles, drawn once at another month, then at a new month each request.
    seen = [morecantile.Tile(x, y, 2) for x, y in ((0, 1), (1, 1), (2, 1), (3, 1))]
    (seen_month,) = pool.take(1)
    for tile in seen:
        fetch_png(ours, ersst_tile(tile, seen_month))
    again = [(seen[k % 4], month) for k, month in enumerate(pool.take(repeat))]
    stages = {}
    ours_again = Figures.of(timed(ours, (ersst_tile(*pair) for pair in again), stages))
    theirs_again = Figures.of(timed(theirs, (their_tile(*pair) for pair in again), None, failed))
    print(row("uncached: a drawn tile (z 2) at a new month", ours_again, theirs_again))
    print(f"    our render stages, median ms: {stage_words(stages)}")
    cached = Figures.of(timed(ours, [ersst_tile(*again[0])] * repeat))
    print(row("cached: the same tile again", cached, None))
    said_failures(failed)
    uncached_hits = cache_hits(port) - hits - repeat
    seconds, first_stages = firsts
    print(
        f"  the first tile after /ready on {len(seconds)} fresh servers (2 workers): "
        + ", ".join(f"{s * 1000:.1f}" for s in seconds)
        + f" ms, median {statistics.median(seconds) * 1000:.1f} ms"
    )
    print(f"    its render stages, median ms: {stage_words(first_stages)}")
    for tile in (morecantile.Tile(2, 1, 2), morecantile.Tile(0, 0, 1)):
        label = f"tile-{tile.z}-{tile.x}-{tile.y}"
        compare(
            label,
            ours,
            theirs,
            (ersst_tile(tile, again[0][1]), their_tile(tile, again[0][1])),
            save_to,
        )

    print(f"\n2. ERSST 800x400 GetMap of the world, ms, {repeat} requests a row")
    print(HEADER)
    wms = answers_png(ours, our_getmap(warm_months[0]))  # the warm-up's map: cached
    maps = pool.take(repeat)
    theirs_map = Figures.of(timed(theirs, (their_getmap(month) for month in maps), None, failed))
    if wms:
        fetch_png(ours, our_getmap(warm_months[1]))
    hits = cache_hits(port)  # after the probes above, which the warm-up's maps answer
    if wms:
        stages = {}
        wms_months = pool.take(repeat)
        ours_wms = Figures.of(timed(ours, (our_getmap(m) for m in wms_months), stages))
        print(row("/wms uncached: a new month each request", ours_wms, theirs_map))
        print(f"    our render stages, median ms: {stage_words(stages)}")
        cached_wms = Figures.of(timed(ours, [our_getmap(wms_months[0])] * repeat))
        print(row("/wms cached: the same map again", cached_wms, None))
    stages = {}
    ours_map = Figures.of(timed(ours, (bench_getmap(month) for month in maps), stages))
    print(row("bench route: uncached, a new month each", ours_map, theirs_map))
    print(f"    our render stages, median ms: {stage_words(stages)}")
    cached_map = Figures.of(timed(ours, [bench_getmap(maps[0])] * repeat))
    print(row("bench route: cached, the same map again", cached_map, None))
    print(
        "  (bench route: the map job GetMap builds, a CRS:84 world box, through the tiles' "
        "runner and answer" + ("" if wms else "; /wms is not on this branch") + ")"
    )
    said_failures(failed)
    uncached_hits += cache_hits(port) - hits - repeat * (2 if wms else 1)
    print(f"  our cache answered {uncached_hits:.0f} of the uncached requests in 1 and 2")
    if pool.reused:
        print("  (more requests than ERSST's months: some months were asked twice; a worker may")
        print("   have held their field, though never their image)")
    if wms:
        compare("getmap", ours, theirs, (our_getmap(maps[0]), their_getmap(maps[0])), save_to)
    compare("bench-map", ours, theirs, (bench_getmap(maps[0]), their_getmap(maps[0])), save_to)


def per_sample(
    client: httpx.Client,
    samples: list[Sample],
    streams: dict[str, Iterator[Get]],
    repeat: int,
    save_to: Path | None,
) -> None:
    """Part 3: uncached tile p50/p90 per sample."""
    print(f"\n3. Uncached {TMS_ID} tiles per sample, ms, {repeat} distinct requests each")
    print(
        f"  {'sample':<13}{'variable':<10}{'zooms':<7}{'tiles':>6}{'p50':>8}{'p90':>8}{'p99':>8}"
        "  render stages, median ms"
    )
    for sample in samples:
        dataset, queries = sample.dataset, streams[sample.dataset]
        for k, query in enumerate(itertools.islice(queries, 2)):  # warm-up: dataset opened
            response = get_png(client, query)
            if save_to is not None:
                z, x, y = query[0].removesuffix(".png").rsplit("/", 3)[1:]
                name = f"ours-{dataset}-{z}-{x}-{y}-{k}.png"
                (save_to / name).write_bytes(response.content)
        stages: Stages = {}
        figures = Figures.of(timed(client, itertools.islice(queries, repeat), stages))
        zooms = sorted({t.z for t in sample.tiles})
        print(
            f"  {dataset:<13}{sample.variable:<10}{'-'.join(map(str, zooms)):<7}"
            f"{len(sample.tiles):>6}{figures.cells()}  {stage_words(stages)}"
        )


@dataclass(frozen=True)
class Rate:
    """A load run's figures."""

    tiles: int
    per_second: float
    p50: float
    p99: float
    slow: int  # answers that took 1 s or more
    failed: int = 0

    def cells(self) -> str:
        return (
            f"{self.tiles:>6}{self.per_second:>8.1f}/s{self.p50:>8.1f}{self.p99:>8.1f}"
            f"{self.slow:>5}"
        )


def load_run(port: int, paths: Iterator[str], seconds: float, strict: bool = True) -> Rate:
    """8 clients for ``seconds``: 200 PNGs per second and their p50/p99 ms; the others
    counted (``strict``: any stops the run)."""
    latencies, elapsed, statuses = concurrent(port, paths, 8, seconds, strict)
    failed = sum(n for status, n in statuses.items() if status != 200)
    slow = sum(1 for latency in latencies if latency >= 1.0)
    rate = len(latencies) / elapsed
    return Rate(len(latencies), rate, ms(latencies, 0.5), ms(latencies, 0.99), slow, failed)


def throughput(port: int, streams: dict[str, Iterator[Get]], seconds: float) -> dict[str, Rate]:
    """Part 4: tiles/s, p50 and p99 ms at 8 clients per sample, every request distinct."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        for queries in streams.values():  # warm-up: each dataset opened in the workers
            for query in itertools.islice(queries, 4):
                fetch_png(client, query)
    return {
        dataset: load_run(port, (url(q) for q in queries), seconds)
        for dataset, queries in streams.items()
    }


def streams_of(samples: list[Sample], seed: int) -> dict[str, Iterator[Get]]:
    """Each sample's distinct requests, one iterator per server so none repeats."""
    return {sample.dataset: sample.queries(seed) for sample in samples}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per latency row")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one load run")
    parser.add_argument("--starts", type=int, default=3, help="fresh servers for the first tile")
    parser.add_argument("--save", type=Path, help="write sample PNGs of both servers here")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; loopback only")
    print(f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")

    firsts = first_tiles(args.starts)  # fresh servers, nothing else running
    servers: list[subprocess.Popen[bytes]] = []
    try:
        xpublish, their_port, their_start = start_xpublish()
        servers.append(xpublish)
        print(f"xpublish-wms up (its first GetMap answered) {their_start:.1f} s after spawn")
        theirs = httpx.Client(base_url=f"http://127.0.0.1:{their_port}")

        # Part 5 first, on a fresh server of ours: the cold cache.
        process, port = start_ours(2)
        servers.append(process)
        ours = httpx.Client(base_url=f"http://127.0.0.1:{port}")
        view = [ersst_tile(morecantile.Tile(x, y, 3), VIEWPORT_MONTH) for x, y in VIEWPORT]
        their_view = [their_tile(morecantile.Tile(x, y, 3), VIEWPORT_MONTH) for x, y in VIEWPORT]
        cold, _ = viewport(port, view)
        warm, _ = viewport(port, view)
        theirs_cold, theirs_failed = viewport(their_port, their_view, strict=False)

        comparison(ours, theirs, port, args.repeat, firsts, args.save)
        samples = [describe(ours, dataset, variable) for dataset, variable in SAMPLES]
        streams = streams_of(samples, seed=4)
        per_sample(ours, samples, streams, args.repeat, args.save)

        loads: dict[int, dict[str, Rate]] = {}
        rss: dict[int, str] = {}
        hits = cache_hits(port)
        with PeakRss(process.pid) as peak:
            loads[2] = throughput(port, streams, args.seconds)
        rss[2] = peak.words()
        hits = cache_hits(port) - hits
        ersst = [ersst_tiles(2) + ersst_tiles(3), ERSST_MONTHS]
        their_paths = (url(their_tile(t, m)) for t, m in distinct(ersst, 5))
        with PeakRss(xpublish.pid) as their_peak:
            their_rate = load_run(their_port, their_paths, args.seconds, strict=False)
        stop_all([process])
        ours.close()

        process, port = start_ours(1)
        servers.append(process)
        with PeakRss(process.pid) as peak:
            loads[1] = throughput(port, streams_of(samples, seed=6), args.seconds)
        rss[1] = peak.words()
        hits += cache_hits(port)
        stop_all([process])

        print(
            f"\n4. Tiles per second, 8 concurrent clients for {args.seconds:g} s, every tile "
            "distinct; p50/p99 ms per tile; >=1s: tiles that took 1 s or more"
        )
        print(f"  {'':<13}{'1 worker':^37}{'2 workers':^37}")
        print(f"  {'sample':<13}" + f"{'tiles':>6}{'rate':>10}{'p50':>8}{'p99':>8}{'>=1s':>5}" * 2)
        for sample in samples:
            one, two = loads[1][sample.dataset], loads[2][sample.dataset]
            print(f"  {sample.dataset:<13}{one.cells()}{two.cells()}")
        print(f"  {'xpublish-wms':<13}{'':>37}{their_rate.cells()}  ERSST, its one process")
        if their_rate.failed:
            print(f"  (xpublish-wms did not draw {their_rate.failed} more: not counted)")
        print(f"  our cache answered {hits:.0f} of these tiles")
        print(f"  peak resident, ours with 1 worker: {rss[1]}")
        print(f"  peak resident, ours with 2 workers: {rss[2]}")
        print(f"  peak resident, xpublish-wms: {their_peak.words()}")

        print("\n5. A 20-tile ERSST viewport at zoom 3 (x 1-5, y 2-5), 6 at a time: until the last")
        print(f"  ours, cold (a fresh server, 2 workers) {cold * 1000:8.1f} ms")
        print(f"  ours, the same viewport again          {warm * 1000:8.1f} ms")
        print(
            f"  xpublish-wms                           {theirs_cold * 1000:8.1f} ms"
            + (f" ({theirs_failed} of the 20 not drawn)" if theirs_failed else "")
        )
        theirs.close()
    finally:
        stop_all(servers)
    print(f"\nload average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
