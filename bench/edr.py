"""The EDR facade's cost over the native API, and pygeoapi 0.21 serving the same ERSST file.

1. Starts the service (uvicorn on loopback) and times each /edr query beside the native
   /api/v1 query that selects the same cells, in the same process.
2. Starts pygeoapi 0.21 (uvicorn, the same options) serving ERSST v5 twice, through our
   provider (integrations.pygeoapi_edr) and through pygeoapi's own xarray-edr provider, and
   times the same position and cube queries there and on our /edr. Each answer's values are
   checked against ours; where xarray-edr needs other coordinates to hit the same cells (its
   longitudes are 0..360) they are used and said, and where it cannot answer, why is printed.
3. Where pygeoapi's time goes: each provider built and queried in this process (pygeoapi
   builds a provider for every request).

Medians of --repeat sequential keep-alive requests after a warm-up. Prints figures; never
fails on a time.

    .venv/bin/python -m bench.edr [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx2 as httpx
import numpy as np
import shapely
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.data import median_ms
from bench.metadata import free_port, start

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
Params = dict[str, str]
Query = tuple[str, Params]  # a path and its query parameters
Kwargs = dict[str, Any]  # a pygeoapi provider's definition or query arguments

# ----------------------------------------------------------------------- 1. EDR vs native

POINT = {"coords": "POINT(-140 0.5)"}
BOX = "-60,-30,60,30"
POLYGON = "POLYGON((-60 -30,60 -30,60 30,-60 30,-60 -30))"
EDR = "/edr/collections"
NATIVE = "/api/v1/datasets"
FACADE_ROWS: list[tuple[str, Query, Query]] = [
    (
        "ERSST position (-140, 0.5) 2015-12",
        (f"{EDR}/ersst-v5/position", {**POINT, "datetime": "2015-12-01T00:00:00Z"}),
        (
            f"{NATIVE}/ersst-v5/data/point",
            {"lon": "-140", "lat": "0.5", "time": "2015-12-01", "f": "covjson"},
        ),
    ),
    (
        "ERSST position 2010-2019 (series)",
        (f"{EDR}/ersst-v5/position", {**POINT, "datetime": "2010-01-01/2019-12-31"}),
        (
            f"{NATIVE}/ersst-v5/data/timeseries",
            {"lon": "-140", "lat": "0.5", "start": "2010-01-01", "end": "2019-12-31"}
            | {"f": "covjson"},
        ),
    ),
    (
        f"ERSST cube {BOX} 2015-12",
        (f"{EDR}/ersst-v5/cube", {"bbox": BOX, "datetime": "2015-12-01"}),
        (f"{NATIVE}/ersst-v5/data/area", {"bbox": BOX, "time": "2015-12-01", "f": "covjson"}),
    ),
    (
        "ERSST area, that box as a POLYGON",
        (f"{EDR}/ersst-v5/area", {"coords": POLYGON, "datetime": "2015-12-01"}),
        (f"{NATIVE}/ersst-v5/data/area", {"bbox": BOX, "time": "2015-12-01", "f": "covjson"}),
    ),
    (
        "GLORYS position (-10, 50) z=0/5000",
        (f"{EDR}/glorys/position", {"coords": "POINT(-10 50)", "z": "0/5000"}),
        (
            f"{NATIVE}/glorys/data/profile",
            {"lon": "-10", "lat": "50", "depth_min": "0", "depth_max": "5000", "f": "covjson"},
        ),
    ),
]

# ----------------------------------------------------------------------- 2. pygeoapi

OURS, XARRAY = "ersst-ours", "ersst-xarray"  # the two pygeoapi collections


@dataclass(frozen=True)
class Comparison:
    """One query on our /edr (and pygeoapi + our provider), and the forms xarray-edr is sent.

    ``forms`` are tried in order, each with why it is tried or what it runs into; the first
    whose values equal ours is timed. The first form is the query exactly as ours is sent.
    """

    label: str
    query: Query  # after /collections/{id}
    forms: list[tuple[str, Params, str]]
    by_place: bool  # compare cells by (lon, lat, time); a position by time only
    why_not: str = "no form gives our values"  # said when none does


SERIES = "2010-01-01/2019-12-31"
EAST = {"coords": "POINT(220 0.5)"}
AS_OURS = "as ours"
WRAP = "its longitudes are the file's 0..358 and it takes the nearest, without wrapping"
DATE = (
    "it matches an instant by calendar date (time.dt.date == datetime64(instant)), "
    "which never equals a timestamp"
)
SLICE = "it selects lon with one slice(min, max) of the file's 0..358 axis, without wrapping"
COMPARISONS = [
    Comparison(
        "position (-140, 0.5) 2015-12",
        ("position", {**POINT, "datetime": "2015-12-01T00:00:00Z"}),
        [
            ("position", {**POINT, "datetime": "2015-12-01T00:00:00Z"}, AS_OURS),
            ("position", {**EAST, "datetime": "2015-12-01T00:00:00Z"}, WRAP),
            ("position", {**EAST, "datetime": "2015-12-01"}, DATE),
        ],
        by_place=False,
    ),
    Comparison(
        "position 2010-2019 (series)",
        ("position", {**POINT, "datetime": SERIES}),
        [
            ("position", {**POINT, "datetime": SERIES}, AS_OURS),
            ("position", {**EAST, "datetime": SERIES}, WRAP),
        ],
        by_place=False,
    ),
    Comparison(
        f"cube {BOX} 2015-12",
        ("cube", {"bbox": BOX, "datetime": "2015-12-01"}),
        [
            ("cube", {"bbox": BOX, "datetime": "2015-12-01"}, AS_OURS),
            ("cube", {"bbox": "300,-30,60,30", "datetime": "2015-12-01"}, SLICE),
        ],
        by_place=True,
        why_not="a box across 0 deg is two slices of its 0..358 axis: -60..60 gives only "
        "lon 0..60, 300..60 an empty selection it cannot encode (IndexError, HTTP 500)",
    ),
    Comparison(
        "cube -160,-30,-100,30 2015-12",
        ("cube", {"bbox": "-160,-30,-100,30", "datetime": "2015-12-01"}),
        [
            ("cube", {"bbox": "-160,-30,-100,30", "datetime": "2015-12-01"}, AS_OURS),
            ("cube", {"bbox": "200,-30,260,30", "datetime": "2015-12-01"}, SLICE),
        ],
        by_place=True,
    ),
]

XARRAY_PROVIDER = {
    "type": "edr",
    "name": "xarray-edr",
    "data": str(SAMPLES / "sst.mnmean.nc"),
    "x_field": "lon",
    "y_field": "lat",
    "time_field": "time",
    "format": {"name": "netcdf", "mimetype": "application/x-netcdf"},
}
OUR_PROVIDER = {
    "type": "edr",
    "name": "integrations.pygeoapi_edr.OceanDataEDRProvider",
    "data": str(SAMPLES / "catalog.yaml"),
    "dataset": "ersst-v5",
}


def pygeoapi_config(port: int) -> dict[str, Any]:
    """The e2e test's server and metadata blocks, with ERSST v5 through both providers."""
    url = f"http://127.0.0.1:{port}"
    licence = {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"}
    extents = {
        "spatial": {
            "bbox": [-180, -88, 180, 88],
            "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
        },
        "temporal": {
            "begin": datetime(2010, 1, 1, tzinfo=UTC),
            "end": datetime(2020, 8, 1, tzinfo=UTC),
        },
    }

    def collection(provider: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "collection",
            "title": "NOAA ERSST v5",
            "description": "ERSST v5 monthly sea surface temperature, 2010-01 to 2020-08",
            "keywords": ["ocean"],
            "extents": extents,
            "providers": [provider],
        }

    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": url,
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 10, "max_items": 50},
            "map": {
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "attribution": "&copy; OpenStreetMap contributors",
            },
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "Ocean Data API bench",
                "description": "ERSST v5 through two pygeoapi EDR providers",
                "keywords": ["ocean"],
                "url": url,
                "terms_of_service": licence["url"],
            },
            "license": licence,
            "provider": {"name": "Ocean Data API"},
            "contact": {"name": "Ocean Data API"},
        },
        "resources": {OURS: collection(OUR_PROVIDER), XARRAY: collection(XARRAY_PROVIDER)},
    }


def start_pygeoapi(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    """pygeoapi's Starlette app under uvicorn, as the e2e test runs it; its base URL."""
    port = free_port()
    config, openapi, log = work / "config.yml", work / "openapi.yml", work / "server.log"
    config.write_text(yaml.safe_dump(pygeoapi_config(port), sort_keys=False))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYGEOAPI_CONFIG": str(config),
        "PYGEOAPI_OPENAPI": str(openapi),
    }
    bin_dir = Path(sys.executable).parent
    generate = [str(bin_dir / "pygeoapi"), "openapi", "generate", str(config)]
    generate += ["--output-file", str(openapi)]
    done = subprocess.run(generate, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"pygeoapi openapi generate failed:\n{done.stderr[-4000:]}")
    command = [str(bin_dir / "uvicorn"), "pygeoapi.starlette_app:APP", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log", "--log-level", "warning"]
    command += ["--http", "httptools", "--loop", "uvloop"]  # as bench/metadata.py runs ours
    with log.open("w") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"pygeoapi exited:\n{log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base}/collections/{XARRAY}", timeout=2).status_code == 200:
                    return process, base
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"pygeoapi not ready in 60 s:\n{log.read_text()[-4000:]}")
            time.sleep(0.1)
    except BaseException:
        stop_all([process])
        raise


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """Terminate each server (kill one that does not stop in 20 s)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=20)


# ----------------------------------------------------------------------- answers

Cell = tuple[float | None, float | None, str | None]


def axis(values: dict[str, Any]) -> list[Any]:
    """A CoverageJSON axis as a list (``values``, or ``start``/``stop``/``num``)."""
    if "values" in values:
        return list(values["values"])
    n, first, last = int(values["num"]), float(values["start"]), float(values["stop"])
    return [first + (last - first) * i / max(n - 1, 1) for i in range(n)]


def cells(document: dict[str, Any], by_place: bool) -> dict[Cell, float | None]:
    """Every value of the (single) parameter by (lon mod 360, lat, time), or by time only."""
    axes = {name: axis(a) for name, a in document["domain"]["axes"].items()}
    (values,) = document["ranges"].values()
    names, shape = values.get("axisNames") or [], values.get("shape") or []
    array = np.array(values["values"], dtype=object).reshape(shape)
    found: dict[Cell, float | None] = {}
    for index in np.ndindex(*shape):
        at = dict(zip(names, index, strict=True))
        x, y = axes["x"][at.get("x", 0)], axes["y"][at.get("y", 0)]
        t = str(axes["t"][at.get("t", 0)])[:19] if "t" in axes else None
        key = (round(float(x) % 360, 3), round(float(y), 3), t) if by_place else (None, None, t)
        value = array[index]
        found[key] = None if value is None else float(value)
    return found


def summary(document: dict[str, Any], by_place: bool) -> str:
    """What an answer holds, in a line: one value, or counts, ranges and mean; and, for a
    position, the place the answer reports."""
    found = cells(document, by_place)
    present = [v for v in found.values() if v is not None]
    axes = document["domain"]["axes"]
    place = "" if by_place else f" (reports x {axis(axes['x'])[0]:g}, y {axis(axes['y'])[0]:g})"
    if len(found) == 1:
        ((_, _, t), value) = next(iter(found.items()))
        return f"{value} at {t}{place}"
    keys = list(found)
    times = sorted({t for _, _, t in keys if t})
    text = f"{len(found)} values ({len(present)} not null)"
    if keys[0][0] is not None:
        lons = sorted({x for x, _, _ in keys if x is not None})
        lats = [y for _, y, _ in keys if y is not None]
        text += f", lon {lons[0]:g}..{lons[-1]:g} (mod 360), lat {min(lats):g}..{max(lats):g}"
    if times:
        text += f", {times[0][:10]}..{times[-1][:10]}" if len(times) > 1 else f", {times[0]}"
    if present:
        text += f", mean {sum(present) / len(present):.6f}"
    return text + place


def fetch(client: httpx.Client, path: str, params: Params) -> tuple[int, Any]:
    """Status and parsed body (or the first of the text) of one GET, on its own connection.

    pygeoapi sends its 204 (no data) with a JSON body, which uvicorn refuses mid-response
    ("Response content longer than Content-Length"), and may then reset the connection.
    """
    response = client.get(path, params=params, headers={"Connection": "close"}, timeout=60)
    if response.status_code == 200:
        return 200, response.json()
    return response.status_code, response.text[:160].replace("\n", " ")


def timer(client: httpx.Client, path: str, params: Params) -> Callable[[], object]:
    """A GET that must answer 200."""

    def call() -> object:
        response = client.get(path, params=params, timeout=60)
        assert response.status_code == 200, f"{path} {params}: {response.text[:300]}"
        return response.content

    return call


def in_words(query: Query) -> str:
    return f"{query[0]}?" + "&".join(f"{k}={v}" for k, v in query[1].items())


# ----------------------------------------------------------------------- the three parts


def facade_cost(client: httpx.Client, repeat: int) -> None:
    print(f"1. The EDR facade over the native API (same process), medians of {repeat} warm runs\n")
    print(f"{'query':<38}{'EDR ms':>9}{'native ms':>11}{'ratio':>8}  same CoverageJSON")
    for label, (edr_path, edr_params), (native_path, native_params) in FACADE_ROWS:
        same = fetch(client, edr_path, edr_params) == fetch(client, native_path, native_params)
        edr_ms = median_ms(timer(client, edr_path, edr_params), repeat)
        native_ms = median_ms(timer(client, native_path, native_params), repeat)
        verdict = "yes" if same else "NO"
        print(f"{label:<38}{edr_ms:9.2f}{native_ms:11.2f}{edr_ms / native_ms:8.2f}  {verdict}")


def judged(status: int, answer: Any, mine: dict[str, Any], by_place: bool) -> tuple[bool, str]:
    """Whether an answer holds our values, and a line saying what it holds."""
    if status != 200:
        return False, f"HTTP {status}{': ' + answer if answer else ' (empty body)'}"
    if answer == mine:
        return True, f"{summary(answer, by_place)} -> identical CoverageJSON"
    same = cells(answer, by_place) == cells(mine, by_place)
    return same, f"{summary(answer, by_place)} -> {'same values' if same else 'DIFFERENT'}"


def against_pygeoapi(ours: httpx.Client, pygeoapi: httpx.Client, repeat: int) -> None:
    print(f"\n2. pygeoapi 0.21 on the same ERSST file, medians of {repeat} warm runs\n")
    notes: list[str] = []
    header = f"{'query':<32}{'ours /edr':>10}{'pg+ours':>9}{'pg+xarray':>11}"
    print(f"{header}{'pg+ours/ours':>14}{'pg+xarray/ours':>16}  (ms)")
    for row in COMPARISONS:
        path, params = row.query
        _, mine = fetch(ours, f"{EDR}/ersst-v5/{path}", params)
        notes.append(f"{row.label}:\n    ours /edr:               {summary(mine, row.by_place)}")
        pg_path, pg_params = f"/collections/{OURS}/{path}", {**params, "f": "json"}
        _, said = judged(*fetch(pygeoapi, pg_path, pg_params), mine, row.by_place)
        notes.append(f"    pygeoapi + our provider: {said}")
        chosen: Query | None = None
        for form, form_params, why in row.forms:
            status, answer = fetch(pygeoapi, f"/collections/{XARRAY}/{form}", form_params)
            same, said = judged(status, answer, mine, row.by_place)
            notes.append(f"    pygeoapi + xarray-edr:   {in_words((form, form_params))}")
            if why != AS_OURS:
                notes.append(f"        (this form because {why})")
            notes.append(f"        {said}")
            if same:
                chosen = (form, form_params)
                break
        ours_ms = median_ms(timer(ours, f"{EDR}/ersst-v5/{path}", params), repeat)
        pg_ms = median_ms(timer(pygeoapi, pg_path, pg_params), repeat)
        line = f"{row.label:<32}{ours_ms:10.2f}{pg_ms:9.2f}"
        if chosen is None:
            notes.append(f"    -> xarray-edr cannot answer this query: {row.why_not}")
            print(f"{line}{'n/a':>11}{pg_ms / ours_ms:14.2f}{'n/a':>16}")
            continue
        xr_ms = median_ms(timer(pygeoapi, f"/collections/{XARRAY}/{chosen[0]}", chosen[1]), repeat)
        print(f"{line}{xr_ms:11.2f}{pg_ms / ours_ms:14.2f}{xr_ms / ours_ms:16.2f}")
    print("\nWhat each returns (xarray-edr: each form in turn until one gives our values)")
    print("\n".join(notes))


def where_time_goes(repeat: int) -> None:
    from pygeoapi.provider.xarray_edr import XarrayEDRProvider

    from integrations.pygeoapi_edr import OceanDataEDRProvider

    print(f"\n3. Inside pygeoapi: each provider in this process, medians of {repeat} runs")
    print("   (pygeoapi builds a new provider for every request)\n")
    cases: list[tuple[str, Callable[[Kwargs], Any], Kwargs, Kwargs, Kwargs]] = [
        (
            "xarray-edr",
            XarrayEDRProvider,
            XARRAY_PROVIDER,
            {"wkt": shapely.Point(220, 0.5), "datetime_": "2015-12-01"},
            {"bbox": [200, -30, 260, 30], "datetime_": "2015-12-01"},
        ),
        (
            "our provider",
            OceanDataEDRProvider,
            OUR_PROVIDER,
            {"wkt": shapely.Point(-140, 0.5), "datetime_": "2015-12-01T00:00:00Z"},
            {"bbox": [-160, -30, -100, 30], "datetime_": "2015-12-01"},
        ),
    ]
    print(f"{'provider':<16}{'build ms':>10}{'position ms':>13}{'cube ms':>10}")
    for name, provider, definition, point, box in cases:
        build_ms = median_ms(partial(provider, definition), repeat)
        built = provider(definition)
        position = partial(built.query, query_type="position", format_="json", **point)
        cube = partial(built.query, query_type="cube", format_="json", **box)
        position_ms, cube_ms = median_ms(position, repeat), median_ms(cube, repeat)
        print(f"{name:<16}{build_ms:10.2f}{position_ms:13.2f}{cube_ms:10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    servers: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="bench-edr-") as work:
        try:
            process, port, _ = start("api.main:create_app")
            servers.append(process)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as ours:
                facade_cost(ours, args.repeat)
                process, base = start_pygeoapi(Path(work))
                servers.append(process)
                with httpx.Client(base_url=base) as pygeoapi:
                    against_pygeoapi(ours, pygeoapi, args.repeat)
        finally:
            stop_all(servers)
    where_time_goes(max(args.repeat // 4, 5))  # with both servers stopped


if __name__ == "__main__":
    main()
