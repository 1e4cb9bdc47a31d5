"""Bad data requests: each a 4xx problem naming the parameter; too much data is a 413."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG

D = "/api/v1/datasets"
P = f"{D}/ersst-v5/data/point"

# (url, status, problem type, parameter named or None)
BAD = [
    (f"{P}?lon=0&lat=91", 400, "invalid-parameters", "lat"),
    (f"{P}?lon=0&lat=-90.5", 400, "invalid-parameters", "lat"),
    (f"{P}?lon=nan&lat=0", 400, "invalid-parameters", "lon"),
    (f"{P}?lon=0&lat=inf", 400, "invalid-parameters", "lat"),
    (f"{P}?lon=1e308&lat=0", 400, "invalid-parameters", "lon"),
    (f"{P}?lat=0", 400, "invalid-parameters", "lon"),
    (f"{P}?lon=0&lat=0&time=1990-01-01", 400, "invalid-parameters", "time"),
    (f"{P}?lon=0&lat=0&time=0000-01-01", 400, "invalid-parameters", "time"),
    (f"{P}?lon=0&lat=0&time=9999-12-31", 400, "invalid-parameters", "time"),
    # nanosecond instants once wrapped 9999 round to 1816: the whole series came back
    (
        f"{D}/ersst-v5/data/timeseries?lon=0&lat=0&start=9999-12-31",
        400,
        "invalid-parameters",
        "start",
    ),
    (f"{P}?lon=0&lat=0&time=soon", 400, "invalid-parameters", "time"),
    (f"{P}?lon=0&lat=0&depth=-5", 400, "invalid-parameters", "depth"),
    (f"{P}?lon=0&lat=0&depth=deep", 400, "invalid-parameters", "depth"),
    (f"{P}?lon=0&lat=0&f=xml", 400, "invalid-parameters", "f"),
    (f"{P}?lon=0&lat=0&interp=cubic", 400, "invalid-parameters", "interp"),
    (f"{P}?lon=0&lat=0&units=m", 400, "invalid-parameters", "units"),
    (f"{P}?lon=0&lat=0&units=furlongs", 400, "invalid-parameters", "units"),
    (f"{P}?lon=0&lat=0&variables=temp", 404, "variable-not-found", None),
    (f"{P}?lon=0&lat=0&variables=,", 400, "invalid-parameters", "variables"),
    (f"{P}?lon=0&lat=0&lon=1", 400, "invalid-parameters", "lon"),
    (f"{D}/giops/data/point?lon=0&lat=0", 400, "invalid-parameters", "lon"),
    (f"{D}/nope/data/point?lon=0&lat=0", 404, "dataset-not-found", None),
    (
        f"{D}/ersst-v5/data/timeseries?lon=0&lat=0&start=2016-01-01&end=2015-01-01",
        400,
        "invalid-parameters",
        "start",
    ),
    (
        f"{D}/ersst-v5/data/timeseries?lon=0&lat=0&start=2030-01-01",
        400,
        "invalid-parameters",
        "start",
    ),
    (f"{D}/ersst-v5/data/profile?lon=0&lat=0", 400, "invalid-parameters", "variables"),
    (
        f"{D}/glorys/data/profile?lon=-10&lat=55&depth_min=500&depth_max=100",
        400,
        "invalid-parameters",
        "depth_min",
    ),
    (
        f"{D}/glorys/data/profile?lon=-10&lat=55&variables=zos",
        400,
        "invalid-parameters",
        "variables",
    ),
    (f"{D}/ersst-v5/data/area?bbox=0,10,20", 400, "invalid-parameters", "bbox"),
    (f"{D}/ersst-v5/data/area?bbox=0,10,20,5", 400, "invalid-parameters", "bbox"),
    (f"{D}/ersst-v5/data/area?bbox=0,-95,20,5", 400, "invalid-parameters", "bbox"),
    (f"{D}/ersst-v5/data/area?bbox=a,b,c,d", 400, "invalid-parameters", "bbox"),
    (f"{D}/ersst-v5/data/area?bbox=nan,0,10,10", 400, "invalid-parameters", "bbox"),
    (f"{D}/ersst-v5/data/area?bbox=0,0,10,10&stride=0", 400, "invalid-parameters", "stride"),
    (f"{D}/glorys/data/area?bbox=100,0,110,10", 404, "no-data", None),
    (f"{D}/wcofs/data/area?bbox=-125,44,-124,45", 400, "invalid-parameters", "variables"),
    (f"{D}/glorys/data/transect?path=-15,50", 400, "invalid-parameters", "path"),
    (f"{D}/glorys/data/transect?path=-15,50;0,95", 400, "invalid-parameters", "path"),
    (f"{D}/glorys/data/transect?path=-15,50;x,y", 400, "invalid-parameters", "path"),
    (f"{D}/glorys/data/transect?path=-15,50;0,60&n=1", 400, "invalid-parameters", "n"),
    (f"{D}/glorys/data/transect?path=-15,50;0,60&n=100000", 400, "invalid-parameters", "n"),
    (
        f"{D}/glorys/data/transect?path=" + ";".join(["-15,50"] * 1001),
        400,
        "invalid-parameters",
        "path",
    ),
]


@pytest.mark.parametrize(("url", "status", "kind", "param"), BAD)
def test_bad_data_request(
    client: TestClient, url: str, status: int, kind: str, param: str | None
) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == f"/problems/{kind}"
    if param:
        assert param in [p["name"] for p in problem["invalid_params"]]


def test_too_much_data_is_413_with_the_figures(make_client: Callable[..., TestClient]) -> None:
    client = make_client(DEFAULT_CATALOG, max_values=10_000)
    response = client.get(f"{D}/ersst-v5/data/area", params={"bbox": "-180,-88,180,88"})
    assert response.status_code == 413
    problem = response.json()
    assert problem["type"] == "/problems/selection-too-large"
    assert problem["estimate"] == 89 * 180 and problem["limit"] == 10_000
    assert "stride" in problem["detail"]
    # The same box thinned fits.
    thinned = client.get(f"{D}/ersst-v5/data/area", params={"bbox": "-180,-88,180,88", "stride": 2})
    assert thinned.status_code == 200
    series = client.get(f"{D}/ersst-v5/data/timeseries", params={"lon": 0, "lat": 0})
    assert series.status_code == 200
