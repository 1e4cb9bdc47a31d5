"""Parameters are parsed once, at the facade, and travel typed: a map's ``bbox`` across a real
plot request (API process: checks, admission, the job handed to the worker pool) and an EDR
cube's ``datetime`` across a real EDR request (estimate and answer); the engine has no string
path left."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

import api.edr.queries
from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from catalog import query
from catalog.query.edr_requests import EdrCube
from catalog.selection import nearest_time, time_range
from catalog.store import Catalog
from plotting.types.map import MapParams
from plotting.types.map import render as map_render
from plotting.worker import RenderJob
from schemas import params


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    """An app over the samples, with its plot worker pool."""
    with TestClient(create_app(Settings(catalog=DEFAULT_CATALOG))) as test_client:
        yield test_client


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    """Wrap the parser ``schemas.params.<name>``: every call in this process is recorded."""
    calls: list[Any] = []
    parser: Callable[..., Any] = getattr(params, name)

    def counted(*args: Any) -> Any:
        calls.append(args)
        return parser(*args)

    monkeypatch.setattr(params, name, counted)
    return calls


def test_a_map_bbox_is_parsed_once_and_reaches_the_worker_as_a_tuple(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = counting(monkeypatch, "check_bbox")  # every bbox parse goes through it
    runner = client.app.state.runner  # type: ignore[attr-defined]
    jobs: list[RenderJob] = []
    render = runner.render

    async def recording(job: RenderJob, *args: Any) -> Any:
        jobs.append(job)
        return await render(job, *args)

    monkeypatch.setattr(runner, "render", recording)
    response = client.get(
        "/api/v1/datasets/ersst-v5/plots/map",
        params={"bbox": "-80,0,0,60", "time": "2015-12-01", "width": 200, "height": 150},
    )
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\x89PNG")
    assert len(boxes) == 1
    (job,) = jobs
    bbox = job.params.bbox  # type: ignore[attr-defined]
    assert isinstance(bbox, tuple) and bbox == (-80.0, 0.0, 0.0, 60.0)
    time = job.params.time  # type: ignore[attr-defined]
    assert isinstance(time, np.datetime64) and time == np.datetime64("2015-12-01", "ns")
    assert job.params.model_dump(mode="json")["bbox"] == [-80.0, 0.0, 0.0, 60.0]


def test_equal_map_requests_have_one_cache_key() -> None:
    """Typed values key the cache: two spellings of one request share a render, and the key
    is the same every time it is computed."""
    one = MapParams.model_validate({"bbox": "-80,0,0,60", "time": "2015-12-01"})
    two = MapParams.model_validate({"bbox": "-80.0, 0, 0, 60", "time": "2015-12-01T00:00:00Z"})
    other = MapParams.model_validate({"bbox": "-80,0,0,61", "time": "2015-12-01"})
    key = RenderJob("map", map_render, "ersst-v5", one).key
    assert key == RenderJob("map", map_render, "ersst-v5", two).key
    assert key == RenderJob("map", map_render, "ersst-v5", one.model_copy()).key
    assert key != RenderJob("map", map_render, "ersst-v5", other).key


def test_an_edr_cube_datetime_is_parsed_once_and_reaches_the_engine_typed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    selections = counting(monkeypatch, "parse_datetime")
    instants = counting(monkeypatch, "parse_instant")
    queries: list[Any] = []
    answer = api.edr.queries.answer

    async def recording(request: Any, job: Any, *args: Any) -> Any:
        queries.append(job.query)
        return await answer(request, job, *args)

    monkeypatch.setattr(api.edr.queries, "answer", recording)
    response = client.get(
        "/edr/collections/ersst-v5/cube",
        params={"bbox": "-100,0,-90,10", "datetime": "2015-01-01/2015-03-01"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["domain"]["axes"]["t"]["values"] == [
        "2015-01-01T00:00:00Z",
        "2015-02-01T00:00:00Z",
        "2015-03-01T00:00:00Z",
    ]
    assert len(selections) == 1
    assert len(instants) == 2  # the interval's two ends, once each
    (cube,) = queries
    assert isinstance(cube, EdrCube)
    assert isinstance(cube.datetime, params.DatetimeSelection)
    assert cube.datetime.start == np.datetime64("2015-01-01", "ns")
    assert cube.datetime.end == np.datetime64("2015-03-01", "ns")


def test_the_engine_takes_no_text_for_a_time() -> None:
    catalog = Catalog(DEFAULT_CATALOG)
    opened = catalog.dataset("ersst-v5")
    axis = opened.variables["sst"].time
    assert axis is not None
    with pytest.raises(TypeError):
        nearest_time(axis, "2015-12-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        time_range(axis, "2015-01-01", None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        query.point(opened, ["sst"], -140, 0, "2015-12-01")  # type: ignore[arg-type]
    parsed = query.point(opened, ["sst"], -140, 0, params.parse_instant("2015-12-01"))
    assert parsed.selection["variables"]["sst"]["time"] == "2015-12-01T00:00:00Z"


def test_instants_beyond_nanoseconds_keep_their_text() -> None:
    """Year 9999 parses, is held to the axis's range when compared, and is reported as given."""
    late = params.parse_instant("9999-12-31")
    assert params.iso_text(late) == "9999-12-31"
    assert params.iso_text(params.parse_instant("2015-12-01T06:00:00+02:00")) == (
        "2015-12-01T04:00:00Z"
    )
