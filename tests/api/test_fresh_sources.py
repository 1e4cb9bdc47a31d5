"""A source replaced or rewritten while it is served: every endpoint gives the new values once
the check interval has passed (here 0: every use), through the API process, the data workers and
the plot workers alike; an unreadable one is 503 everywhere, and served again once restored."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from fastapi.testclient import TestClient
from httpx2 import Response

from plotting.runner import PlotRunner
from tests.conftest import SAMPLES, sample_entries, write_catalog
from tests.unit.test_source_versions import replace, write_shifted
from tests.webmap.tiles_support import decode

D = "/api/v1/datasets/ersst-v5"
PLACE = {"variables": "sst", "lon": -30, "lat": 20}
YEAR = {"start": "2016-01-01", "end": "2016-12-31"}
INSTANT = "2016-12-01"


@pytest.fixture(scope="module")
def shifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ERSST sample with sst + 10 and one more month (2020-09)."""
    path = tmp_path_factory.mktemp("shifted") / "plus10.nc"
    write_shifted(path, add=10, months=1)
    return path


def serve_copy(
    tmp_path: Path, make_client: Callable[..., TestClient], **settings: Any
) -> tuple[TestClient, Path]:
    """An app serving a copy of the ERSST sample that the test replaces; small queries (<= 10
    values) answered in the API process, larger ones by a data worker; one plot and one data
    worker."""
    target = tmp_path / "sst.nc"
    shutil.copyfile(SAMPLES / "sst.mnmean.nc", target)
    entry = sample_entries()[0]
    entry["source"] = {"path": "sst.nc"}
    plot, data = settings.pop("plot", {}), settings.pop("data", {})
    client = make_client(
        write_catalog(tmp_path, [entry]),
        plot={"workers": 1, **plot},
        data={"workers": 1, "inline_max_values": 10, **data},
        **settings,
    )
    return client, target


@pytest.fixture
def served(tmp_path: Path, make_client: Callable[..., TestClient]) -> tuple[TestClient, Path]:
    """``serve_copy`` with the source checked at every use."""
    return serve_copy(tmp_path, make_client, source_check_seconds=0)


def expected(file: Path) -> dict[str, Any]:
    """What xarray reads from ``file`` for the queries of ``answers``."""
    with xr.open_dataset(file) as ds:
        cell = ds.sst.sel(lon=330, lat=20)
        return {
            "point": float(cell.sel(time=INSTANT)),
            "edr": float(cell.sel(time=INSTANT)),
            "series": cell.sel(time=slice(YEAR["start"], YEAR["end"])).values.tolist(),
            "steps": int(ds.time.size),
            "listed_steps": int(ds.time.size),
        }


def answers(client: TestClient) -> dict[str, Any]:
    """A point (in the API process), a year's series (in a data worker), an EDR position and
    the time axis as the dataset's endpoints and the list give it."""
    point = client.get(f"{D}/data/point", params={**PLACE, "time": INSTANT})
    series = client.get(f"{D}/data/timeseries", params={**PLACE, **YEAR})
    edr = client.get(
        "/edr/collections/ersst-v5/position",
        params={"coords": "POINT(-30 20)", "datetime": INSTANT, "f": "CoverageJSON"},
    )
    times = client.get(f"{D}/times", params={"limit": 1})
    listing = client.get("/api/v1/datasets")
    for response in (point, series, edr, times, listing):
        assert response.status_code == 200, response.text
    assert point.headers["server-timing"] == 'source;desc="inline"'
    assert series.headers["server-timing"] == 'source;desc="worker"'
    (edr_value,) = edr.json()["ranges"]["sst"]["values"]
    return {
        "point": point.json()["variables"]["sst"]["values"],
        "edr": edr_value,
        "series": series.json()["variables"]["sst"]["values"],
        "steps": times.json()["total"],
        "listed_steps": listing.json()["datasets"][0]["time_extent"]["count"],
    }


def assert_serves(client: TestClient, file: Path) -> None:
    got, want = answers(client), expected(file)
    assert got["series"] == pytest.approx(want.pop("series"))
    got.pop("series")
    assert got == pytest.approx(want)


def plot(client: TestClient, etag: str | None = None) -> Response:
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"{D}/plots/map", params={"time": INSTANT}, headers=headers)


def renders(client: TestClient) -> int:
    runner: PlotRunner = client.app.state.runner  # type: ignore[attr-defined]
    return runner.stats.renders


@pytest.mark.parametrize("how", ["moved over", "overwritten in place"])
def test_a_replaced_source_is_served_everywhere_and_its_cached_plot_is_not(
    served: tuple[TestClient, Path], shifted: Path, how: str
) -> None:
    client, target = served
    assert_serves(client, target)
    first = plot(client)
    assert first.status_code == 200 and first.content.startswith(b"\x89PNG")
    assert plot(client, first.headers["etag"]).status_code == 304  # from the cache
    drawn = renders(client)

    if how == "moved over":
        replace(target, shifted)  # a new inode: the old handle would keep the old values
    else:
        shutil.copyfile(shifted, target)  # the same inode, truncated and written again
    assert_serves(client, shifted)
    after = plot(client, first.headers["etag"])
    assert after.status_code == 200, after.text  # not the cached image of the old file
    assert after.headers["etag"] != first.headers["etag"]
    assert after.content != first.content and after.content.startswith(b"\x89PNG")
    assert renders(client) == drawn + 1
    assert plot(client, after.headers["etag"]).status_code == 304  # the new one is cached
    assert renders(client) == drawn + 1


def assert_unavailable(response: Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/dataset-unavailable"


@pytest.mark.parametrize("how", ["truncated", "garbage", "removed"])
def test_an_unreadable_source_is_unavailable_everywhere_until_restored(
    served: tuple[TestClient, Path], how: str
) -> None:
    client, target = served
    assert_serves(client, target)
    assert plot(client).status_code == 200  # cached: must not be served while unreadable
    if how == "truncated":
        data = target.read_bytes()
        target.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        target.write_bytes(b"this is not a netcdf file\n" * 100)
    else:
        target.unlink()

    for response in (
        client.get(f"{D}/data/point", params={**PLACE, "time": INSTANT}),
        client.get(f"{D}/data/timeseries", params={**PLACE, **YEAR}),
        client.get(
            "/edr/collections/ersst-v5/position",
            params={"coords": "POINT(-30 20)", "datetime": INSTANT, "f": "CoverageJSON"},
        ),
        plot(client),
        client.get(D),
        client.get(f"{D}/times"),
        client.get("/edr/collections/ersst-v5"),
    ):
        assert_unavailable(response)
    (listed,) = client.get("/api/v1/datasets").json()["datasets"]
    assert listed["available"] is False
    assert client.get("/edr/collections").json()["collections"] == []

    shutil.copyfile(SAMPLES / "sst.mnmean.nc", target)  # noticed at once: its stamp changed
    assert_serves(client, SAMPLES / "sst.mnmean.nc")
    assert plot(client).status_code == 200


@pytest.mark.parametrize("pool", ["plot", "data"])
def test_a_worker_that_finds_another_source_makes_every_endpoint_check_it(
    tmp_path: Path, make_client: Callable[..., TestClient], shifted: Path, pool: str
) -> None:
    """The API process would not look again for an hour; each worker serves one job and its
    replacement opens the catalog as the disk has it. After the file is moved over, the first
    job (of the old version) is answered by a worker that has the old file open: the old
    values, as every endpoint gives them. The next one reaches a worker that opened the new
    file: 503, and from then on the API process has checked and every endpoint gives the new
    values, instead of the old ones for the rest of the hour beside 503s."""
    client, target = serve_copy(
        tmp_path,
        make_client,
        source_check_seconds=3600,
        **{pool: {"max_tasks": 1}},  # type: ignore[arg-type]
    )
    old, new = expected(target), expected(shifted)
    state = client.app.state  # type: ignore[attr-defined]
    backend = (state.runner if pool == "plot" else state.data).backend
    deadline = time.monotonic() + 120
    while backend.warm_workers < 2:  # the first one served its start-up ping and was replaced
        assert time.monotonic() < deadline, "the replacement worker did not start"
        time.sleep(0.05)

    def through_a_worker(year: str) -> Response:
        if pool == "plot":
            return client.get(f"{D}/plots/map", params={"time": f"{year}-01-01"})
        year_long = {"start": f"{year}-01-01", "end": f"{year}-12-31"}  # 12 values: a worker's
        return client.get(f"{D}/data/timeseries", params={**PLACE, **year_long})

    replace(target, shifted)
    first = through_a_worker("2016")
    assert first.status_code == 200, first.text  # the old version, consistently:
    assert client.get(f"{D}/data/point", params={**PLACE, "time": INSTANT}).json()["variables"][
        "sst"
    ]["values"] == pytest.approx(old["point"])
    assert_unavailable(through_a_worker("2017"))  # a worker with the new file open
    assert_serves(client, shifted)
    again = through_a_worker("2016")
    assert again.status_code == 200, again.text
    assert again.content != first.content
    assert new["point"] == pytest.approx(old["point"] + 10)


def test_a_tile_drawn_before_is_drawn_again_from_the_new_source(
    tmp_path: Path, make_client: Callable[..., TestClient], shifted: Path
) -> None:
    """A tile URL asked again is answered from the cache before it is parsed again (the tiles'
    fast path), but never once its source was replaced and opened again: then the new file's
    colours (sst + 10 moves each cell ten degrees up the scale) and a new ETag."""
    client, target = serve_copy(tmp_path, make_client, source_check_seconds=1.0)
    url = f"{D}/tiles/WorldCRS84Quad/0/0/0.png?time={INSTANT}&scale=-2,60"
    first = client.get(url)
    again = client.get(url)
    assert again.headers["server-timing"] == 'cache;desc="hit"'
    assert again.content == first.content
    assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    remembered = client.app.state.drawn_tiles.urls  # type: ignore[attr-defined]
    assert [path for path, _ in remembered] == [url.split("?")[0]]
    replace(target, shifted)
    time.sleep(1.1)
    assert client.get(D).json()["time_extent"]["count"] == 129  # opened again: generation 2
    fresh = client.get(url)  # the source is settled: only the generation tells it is new
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != first.headers["etag"]
    assert "cache" not in fresh.headers["server-timing"]
    before, after = decode(first.content)[0], decode(fresh.content)[0]
    wet = (before > 0) & (before <= 250) & (after > 0) & (after <= 250)
    assert wet.sum() > 1000
    shift = np.median(after[wet].astype(int) - before[wet].astype(int))
    assert abs(shift - 10 / 62 * 250) <= 2  # ten degrees on a 62-degree range of 250 bands
