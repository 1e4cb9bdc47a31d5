"""Web-map tiles and GetMap beside xpublish-wms 0.13.2 (xpublish 0.5.2) serving the same ERSST file.

Starts xpublish with its xpublish-wms plugin (uvicorn on loopback, the ERSST file opened with
xarray: it already carries the CF attributes the plugin reads) and the service (uvicorn on
loopback, OCEANAPI_PLOT__WORKERS as each part needs), and times the same requests on both:

1. A 256x256 WebMercatorQuad tile of ERSST: ours from /tiles, theirs as their GetMap with
   ``tile=x,y,z`` (EPSG:3857, the tile's bounds; xpublish-wms has no XYZ route). Uncached:
   every request distinct (a new tile, or a tile already drawn at a new month), p50/p90/p99
   and the ratio ours/theirs; our cached p50 (the same request again); the first tile after
   /ready on fresh servers.
2. An 800x400 GetMap of ERSST over the world (ours CRS:84 at /wms, theirs EPSG:4326 with the
   same lon,lat box), uncached (a new month each request), and our cached p50.
3. Per sample (ERSST, GLORYS, GIOPS, WCOFS, the UGRID mesh): uncached tile p50/p90 at a zoom
   whose tiles cover the data.
4. Tiles per second at 8 concurrent clients (each its own connection and address), with 1 and
   2 plot workers, per sample, every tile distinct; xpublish-wms's on ERSST beside.
5. A 20-tile viewport at zoom 3 (5x4 tiles over the Atlantic), cold cache (a fresh server),
   fetched 6 at a time as a browser does: time until the last tile, ours and theirs.

Peak resident size of our server and its workers during the loads is sampled every 50 ms.
Every answer must be a 200 PNG (else the run stops); our response-cache hits during the
uncached parts are read from /metrics and printed. Prints figures; never fails on a time.

    .venv/bin/python -m bench.webmap [--repeat 40] [--seconds 5] [--starts 3] [--save DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from typing import Any
from urllib.parse import urlencode

import httpx2 as httpx
import morecantile
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.edr import stop_all
from bench.load import metric, ms
from bench.metadata import free_port, start

ROOT = Path(__file__).resolve().parent.parent
ERSST_FILE = ROOT / "samples" / "sst.mnmean.nc"
TMS_ID = "WebMercatorQuad"
TMS = morecantile.tms.get(TMS_ID)
Params = dict[str, str]
Query = tuple[str, Params]  # a path and its query parameters

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
COLORMAPS = ("thermal", "haline", "balance", "deep", "dense", "matter", "ice", "solar", "tempo")

# ERSST as both servers draw it: the catalog's colour map and scale.
ERSST = "ersst-v5"
XPUBLISH_ID = "ersst"
ERSST_MONTHS = [f"{2010 + m // 12}-{m % 12 + 1:02d}-01T00:00:00Z" for m in range(128)]
SCALE = "-2,32"
OUR_STYLE = "raster/thermal"
THEIR_STYLE = "raster/cmo.thermal"  # cmocean's maps, registered in matplotlib by importing it
WORLD = "-180,-90,180,90"  # lon,lat for CRS:84 (ours) and for xpublish-wms's EPSG:4326
VIEWPORT = [(x, y) for y in range(2, 6) for x in range(1, 6)]  # z=3: 5x4, the Atlantic

# ----------------------------------------------------------------------- request builders


def tile_query(
    dataset: str,
    variable: str,
    tile: morecantile.Tile,
    time_: str | None = None,
    depth: float | None = None,
    colormap: str | None = None,
    scale: str | None = None,
) -> Query:
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


def ersst_tile(tile: morecantile.Tile, time_: str) -> Query:
    """Our ERSST tile as xpublish-wms draws it: thermal, -2..32 degC (the catalog's)."""
    return tile_query(ERSST, "sst", tile, time_, colormap="thermal", scale=SCALE)


def their_tile(tile: morecantile.Tile, time_: str) -> Query:
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


def our_getmap(time_: str, width: int = 800, height: int = 400) -> Query:
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


def their_getmap(time_: str, width: int = 800, height: int = 400) -> Query:
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


def url(query: Query) -> str:
    path, params = query
    return f"{path}?{urlencode(params)}" if params else path


def covering_tiles(bbox: Sequence[float], at_least: int = 4) -> list[morecantile.Tile]:
    """The tiles of the first zoom at which at least ``at_least`` tiles touch ``bbox`` (a
    regional sample's tiles then each hold a good share of its cells), with the next zoom's."""
    west, south, east, north = bbox
    for z in range(0, 12):
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

    def queries(self, seed: int = 19, colormaps: Sequence[str] = COLORMAPS) -> Iterator[Query]:
        """Distinct tiles: tiles x instants x depths first, then again with each other colour
        map (each a render of its own)."""
        first = distinct([self.tiles, self.times, self.depths], seed)
        for combo in first:
            yield tile_query(self.dataset, self.variable, *combo, colormap=colormaps[0])
        for colormap in colormaps[1:]:
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


def start_ours(workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """The service (bench.metadata.start: uvicorn, its protocol, httptools, uvloop) with
    ``workers`` plot workers; returned once /ready answers 200."""
    env = {"OCEANAPI_PLOT__WORKERS": str(workers)}
    process, port, _ = start("api.main:create_app", env, subprocess.DEVNULL)
    return process, port


class PeakRss(threading.Thread):
    """The largest resident size of a process and its children seen while running."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.server = self.children = self.total = 0
        self.running = True

    def run(self) -> None:
        while self.running:
            with contextlib.suppress(psutil.Error):
                server = self.process.memory_info().rss
                children = 0
                for child in self.process.children(recursive=True):
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
        return (
            f"server {self.server / mib:.0f} MiB, workers (with the fork server) "
            f"{self.children / mib:.0f} MiB, together at most {self.total / mib:.0f} MiB"
        )


# ----------------------------------------------------------------------- timing


def fetch_png(client: httpx.Client, query: Query) -> bytes:
    """One GET that must answer a 200 PNG."""
    response = client.get(query[0], params=query[1], timeout=120)
    if response.status_code != 200 or not response.content.startswith(b"\x89PNG"):
        raise RuntimeError(f"{url(query)}: {response.status_code} {response.text[:300]}")
    return response.content


def timed(client: httpx.Client, queries: Iterable[Query]) -> list[float]:
    """Seconds each query took, one after another on a keep-alive connection."""
    times = []
    for query in queries:
        began = time.perf_counter()
        fetch_png(client, query)
        times.append(time.perf_counter() - began)
    return times


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
    port: int, paths: Iterator[str], clients: int, seconds: float | None
) -> tuple[list[float], float, Counter[int]]:
    """``clients`` concurrent clients (each its own connection and X-Forwarded-For address),
    taking paths from one shared iterator until it ends or ``seconds`` pass: each answer's
    latency, the elapsed time, the statuses."""
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
                latencies.append(time.perf_counter() - sent)
                statuses[status] += 1
                if status != 200 or not body.startswith(b"\x89PNG"):
                    raise RuntimeError(f"{path}: {status} {body[:200]!r}")
        finally:
            writer.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return latencies, time.perf_counter() - began, statuses


def concurrent(
    port: int, paths: Iterator[str], clients: int, seconds: float | None = None
) -> tuple[list[float], float, Counter[int]]:
    return asyncio.run(_clients(port, paths, clients, seconds))


def cache_hits(port: int) -> float:
    return metric(port, "oceanapi_plot_cache_hits_total")


# ----------------------------------------------------------------------- the parts


def ersst_tiles(zoom: int) -> list[morecantile.Tile]:
    return list(TMS.tiles(-180, -85, 180, 85, zooms=[zoom]))


def first_tiles(starts: int) -> list[float]:
    """Seconds from /ready to the first ERSST tile's answer on ``starts`` fresh servers."""
    seconds = []
    for n in range(starts):
        process, port = start_ours(2)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                query = ersst_tile(morecantile.Tile(2, 1, 2), ERSST_MONTHS[n])
                began = time.perf_counter()
                fetch_png(client, query)
                seconds.append(time.perf_counter() - began)
        finally:
            stop_all([process])
    return seconds


def viewport(port: int, queries: list[Query]) -> float:
    """Seconds until the last of ``queries`` answered, fetched 6 at a time (a browser's
    connections per host), on fresh connections."""
    _, elapsed, _ = concurrent(port, iter(url(q) for q in queries), 6)
    return elapsed


def save(folder: Path | None, name: str, client: httpx.Client, query: Query) -> None:
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(fetch_png(client, query))


def comparison(
    ours: httpx.Client,
    theirs: httpx.Client,
    port: int,
    repeat: int,
    firsts: list[float],
    save_to: Path | None,
) -> None:
    """Parts 1 and 2: ERSST tiles and GetMap beside xpublish-wms."""
    months = ERSST_MONTHS[:]
    random.Random(19).shuffle(months)
    tiles = ersst_tiles(3) + ersst_tiles(4)
    random.Random(19).shuffle(tiles)
    # Warm-up (not counted): the dataset opened on both, a render each.
    for k in range(3):
        fetch_png(ours, ersst_tile(tiles[-1 - k], months[-1 - k]))
        fetch_png(theirs, their_tile(tiles[-1 - k], months[-1 - k]))
    hits = cache_hits(port)

    print(f"\n1. ERSST 256x256 {TMS_ID} tile ({ERSST_FILE.name}), ms, {repeat} requests a row")
    print(HEADER)
    new_tiles = [(tiles[k], months[k % 100]) for k in range(repeat)]
    ours_new = Figures.of(timed(ours, (ersst_tile(*pair) for pair in new_tiles)))
    theirs_new = Figures.of(timed(theirs, (their_tile(*pair) for pair in new_tiles)))
    print(row("uncached: a new tile (z 3-4) each request", ours_new, theirs_new))
    # The same 4 tiles, drawn once at another month, then at a new month each request.
    seen = [morecantile.Tile(x, y, 2) for x, y in ((0, 1), (1, 1), (2, 1), (3, 1))]
    for tile in seen:
        fetch_png(ours, ersst_tile(tile, months[-10]))
    again = [(seen[k % 4], months[k % 100]) for k in range(repeat)]
    ours_again = Figures.of(timed(ours, (ersst_tile(*pair) for pair in again)))
    theirs_again = Figures.of(timed(theirs, (their_tile(*pair) for pair in again)))
    print(row("uncached: a drawn tile (z 2) at a new month", ours_again, theirs_again))
    cached_query = ersst_tile(seen[0], months[0])
    cached = Figures.of(timed(ours, [cached_query] * repeat))
    print(row("cached: the same tile again", cached, None))
    after = cache_hits(port)
    print(f"  (our cache answered {after - hits - repeat:.0f} of the uncached requests)")
    print(
        f"  the first tile after /ready on {len(firsts)} fresh servers (2 workers): "
        + ", ".join(f"{s * 1000:.1f}" for s in firsts)
        + f" ms, median {statistics.median(firsts) * 1000:.1f} ms"
    )
    save(save_to, "ours-tile-z2-2-1.png", ours, ersst_tile(morecantile.Tile(2, 1, 2), months[0]))
    save(
        save_to, "theirs-tile-z2-2-1.png", theirs, their_tile(morecantile.Tile(2, 1, 2), months[0])
    )

    print(f"\n2. ERSST 800x400 GetMap of the world, ms, {repeat} requests a row")
    print(HEADER)
    wms = ours.get(*our_getmap(months[0])[:1], params=our_getmap(months[0])[1], timeout=60)
    theirs_map = Figures.of(timed(theirs, (their_getmap(months[k % 128]) for k in range(repeat))))
    if wms.status_code == 200 and wms.content.startswith(b"\x89PNG"):
        ours_map = Figures.of(
            timed(ours, (our_getmap(months[k % 128]) for k in range(1, repeat + 1)))
        )
        print(row("uncached: a new month each request", ours_map, theirs_map))
        print(
            row(
                "cached: the same map again",
                Figures.of(timed(ours, [our_getmap(months[1])] * repeat)),
                None,
            )
        )
        save(save_to, "ours-getmap.png", ours, our_getmap(months[0]))
    else:
        print(f"  ours: /wms answers {wms.status_code} (not on this branch): no figure")
        print(
            f"  {'theirs: uncached, a new month each request':<44}{theirs_map.n:>5}{'':>24}{theirs_map.cells()}"
        )
    save(save_to, "theirs-getmap.png", theirs, their_getmap(months[0]))


def per_sample(client: httpx.Client, samples: list[Sample], repeat: int) -> None:
    """Part 3: uncached tile p50/p90 per sample."""
    print(f"\n3. Uncached {TMS_ID} tiles per sample, ms, {repeat} distinct requests each")
    print(f"  {'sample':<13}{'variable':<10}{'zooms':<7}{'tiles':>6}{'p50':>8}{'p90':>8}{'p99':>8}")
    for sample in samples:
        queries = sample.queries(seed=3)
        for query in itertools.islice(queries, 2):  # warm-up: the dataset opened
            fetch_png(client, query)
        figures = Figures.of(timed(client, itertools.islice(queries, repeat)))
        zooms = sorted({t.z for t in sample.tiles})
        print(
            f"  {sample.dataset:<13}{sample.variable:<10}{'-'.join(map(str, zooms)):<7}"
            f"{len(sample.tiles):>6}{figures.cells()}"
        )


def throughput(
    port: int, samples: list[Sample], seconds: float, seed: int
) -> dict[str, tuple[float, float, float]]:
    """Part 4: tiles/s, p50 and p99 ms at 8 clients per sample, every request distinct."""
    found = {}
    for sample in samples:
        queries = sample.queries(seed=seed)
        for query in itertools.islice(queries, 2):
            httpx.get(f"http://127.0.0.1:{port}{url(query)}", timeout=60)
        latencies, elapsed, _ = concurrent(port, (url(q) for q in queries), 8, seconds)
        found[sample.dataset] = (len(latencies) / elapsed, ms(latencies, 0.5), ms(latencies, 0.99))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="requests per latency row")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of one load run")
    parser.add_argument("--starts", type=int, default=3, help="fresh servers for the first tile")
    parser.add_argument("--save", type=Path, help="write sample PNGs of both servers here")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; loopback only")

    firsts = first_tiles(args.starts)  # fresh servers, nothing else running
    servers: list[subprocess.Popen[bytes]] = []
    try:
        xpublish, their_port, their_start = start_xpublish()
        servers.append(xpublish)
        print(f"xpublish-wms up (first GetMap answered) {their_start:.1f} s after spawn")
        theirs = httpx.Client(base_url=f"http://127.0.0.1:{their_port}")

        # Part 5 first, on a fresh server of ours: the cold cache.
        process, port = start_ours(2)
        servers.append(process)
        ours = httpx.Client(base_url=f"http://127.0.0.1:{port}")
        view = [ersst_tile(morecantile.Tile(x, y, 3), ERSST_MONTHS[60]) for x, y in VIEWPORT]
        their_view = [their_tile(morecantile.Tile(x, y, 3), ERSST_MONTHS[60]) for x, y in VIEWPORT]
        cold = viewport(port, view)
        warm = viewport(port, view)
        theirs_cold = viewport(their_port, their_view)

        comparison(ours, theirs, port, args.repeat, firsts, args.save)
        samples = [describe(ours, dataset, variable) for dataset, variable in SAMPLES]
        per_sample(ours, samples, args.repeat)

        print(
            f"\n4. Tiles per second, 8 concurrent clients for {args.seconds:g} s, every tile "
            "distinct (p50/p99 ms per tile)"
        )
        loads: dict[int, dict[str, tuple[float, float, float]]] = {}
        rss: dict[int, str] = {}
        hits = cache_hits(port)
        with PeakRss(process.pid) as peak:
            loads[2] = throughput(port, samples, args.seconds, seed=4)
        rss[2] = peak.words()
        print(f"  (our cache answered {cache_hits(port) - hits:.0f} of them with 2 workers)")
        ersst = Sample(ERSST, "sst", ersst_tiles(2) + ersst_tiles(3), ERSST_MONTHS, [None])
        their_paths = (
            url(their_tile(t, m)) for t, m, _ in distinct([ersst.tiles, ersst.times, [None]], 5)
        )
        with PeakRss(xpublish.pid) as their_peak:
            latencies, elapsed, _ = concurrent(their_port, their_paths, 8, args.seconds)
        theirs_rate = (len(latencies) / elapsed, ms(latencies, 0.5), ms(latencies, 0.99))
        stop_all([process])
        ours.close()

        process, port = start_ours(1)
        servers.append(process)
        with PeakRss(process.pid) as peak:
            loads[1] = throughput(port, samples, args.seconds, seed=6)
        rss[1] = peak.words()
        stop_all([process])

        print(
            f"  {'sample':<13}{'1 worker':>10}{'p50':>8}{'p99':>8}{'2 workers':>11}{'p50':>8}{'p99':>8}"
        )
        for sample in samples:
            one, two = loads[1][sample.dataset], loads[2][sample.dataset]
            print(
                f"  {sample.dataset:<13}{one[0]:>8.1f}/s{one[1]:>8.1f}{one[2]:>8.1f}"
                f"{two[0]:>9.1f}/s{two[1]:>8.1f}{two[2]:>8.1f}"
            )
        print(
            f"  {'xpublish-wms':<13}{'':>26}{theirs_rate[0]:>9.1f}/s{theirs_rate[1]:>8.1f}{theirs_rate[2]:>8.1f}"
            "  (ERSST, one uvicorn process)"
        )
        print(f"  peak resident, 1 worker: {rss[1]}")
        print(f"  peak resident, 2 workers: {rss[2]}")
        print(f"  peak resident, xpublish-wms: {their_peak.words().split(',')[0]}")

        print("\n5. A 20-tile viewport at zoom 3 (x 1-5, y 2-5), 6 at a time: until the last tile")
        print(f"  ours, cold (fresh server, 2 workers) {cold * 1000:8.1f} ms")
        print(f"  ours, the same viewport again        {warm * 1000:8.1f} ms")
        print(f"  xpublish-wms                         {theirs_cold * 1000:8.1f} ms")

        theirs.close()
    finally:
        stop_all(servers)


if __name__ == "__main__":
    main()
