"""The bad-input catalogue: hostile and sloppy requests, each a 4xx problem that says what is wrong.

One table for the whole API (native data, plots, metadata, EDR, docs files). Every answer must
be an RFC 9457 problem with the right status and type, the request id, the parameter named with
a reason, a `type` that is itself described; and while the catalogue runs, no file outside the
catalog's folder, the service's own files and the Python installation is opened (path traversal
in ids, colour maps, static files). The test client refuses URLs over 64 KiB, so the
100,000-character query string goes to uvicorn over a raw socket in tests/e2e/test_serve.py;
here the longest values are 64,001 characters.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG, REPO_ROOT
from tests.audit import watching

D = "/api/v1/datasets"
P = f"{D}/ersst-v5/data/point"
G = f"{D}/glorys"
M = f"{D}/ersst-v5/plots/map"
E = "/edr/collections/glorys/position"
INVALID = "invalid-parameters"
TRAVERSAL = "..%2F..%2F..%2Fetc%2Fpasswd"
MANY_VERTICES = ";".join(["1,50", "2,55"] * 5000)  # 10,000 vertices, 50,000 characters
MANY_WKT = ",".join(["1 5", "2 6"] * 5000)  # 10,000 vertices, 60,000 characters encoded


def bad(
    url: str, param: str | None, status: int = 400, kind: str = INVALID, method: str = "GET"
) -> Any:
    """One row: the request and the problem it must get (param: the one invalid_params names)."""
    label = f"{method} {url}" if len(url) < 90 else f"{method} {url[:60]}...({len(url):,} chars)"
    return pytest.param(method, url, status, kind, param, id=label)


CATALOGUE = [
    # -- numbers: NaN, infinities, overflow, out of range, not numbers
    bad(f"{P}?lon=nan&lat=0", "lon"),
    bad(f"{P}?lon=0&lat=inf", "lat"),
    bad(f"{P}?lon=-Infinity&lat=0", "lon"),
    bad(f"{P}?lon=1e308&lat=0", "lon"),
    bad(f"{P}?lon=0&lat=-1e309", "lat"),
    bad(f"{P}?lon=0&lat=91", "lat"),
    bad(f"{P}?lon=0&lat=-90.5", "lat"),
    bad(f"{P}?lon=0x1A&lat=0", "lon"),
    bad(f"{P}?lon=&lat=0", "lon"),
    bad(f"{P}?lat=0", "lon"),
    bad(f"{D}/giops/data/point?lon=0&lat=0", "lon"),  # outside the curvilinear footprint
    # -- times
    bad(f"{P}?lon=0&lat=0&time=0000-01-01", "time"),
    bad(f"{P}?lon=0&lat=0&time=1990-01-01", "time"),
    bad(f"{P}?lon=0&lat=0&time=9999-12-31", "time"),
    bad(f"{P}?lon=0&lat=0&time=2015-13-45", "time"),
    bad(f"{P}?lon=0&lat=0&time=soon", "time"),
    bad(f"{D}/ersst-v5/data/timeseries?lon=0&lat=0&start=9999-12-31", "start"),
    bad(f"{D}/ersst-v5/data/timeseries?lon=0&lat=0&start=2016-01-01&end=2015-01-01", "start"),
    bad(f"{D}/ersst-v5/data/timeseries?lon=0&lat=0&start=2030-01-01", "start"),
    bad(f"{D}/ersst-v5/times?start=0.5", "start"),
    bad(f"{D}/ersst-v5/times?start=0000-01-01", "start"),
    bad(f"{D}/ersst-v5/times?start=yesterday", "start"),
    bad(f"{D}/ersst-v5/times?end=2015-13-01", "end"),
    bad(f"{D}/ersst-v5/times?start=NaN", "start"),
    bad(f"{D}/ersst-v5/times?start=2016-01-01&end=2015-01-01", "start"),
    bad(f"{D}/ersst-v5/times?start=", "start"),
    # -- depths
    bad(f"{P}?lon=0&lat=0&depth=-5", "depth"),
    bad(f"{P}?lon=0&lat=0&depth=deep", "depth"),
    bad(f"{G}/data/point?lon=-10&lat=55&depth=20000", "depth"),
    bad(f"{G}/data/profile?lon=-10&lat=55&depth_min=500&depth_max=100", "depth_min"),
    bad(f"{G}/data/profile?lon=-10&lat=55&variables=zos", "variables"),
    bad(f"{D}/ersst-v5/data/profile?lon=0&lat=0", "variables"),
    # -- formats, units, interpolation, variables
    bad(f"{P}?lon=0&lat=0&f=xml", "f"),
    bad(f"{P}?lon=0&lat=0&interp=cubic", "interp"),
    bad(f"{P}?lon=0&lat=0&units=m", "units"),
    bad(f"{P}?lon=0&lat=0&units=furlongs", "units"),
    bad(f"{D}/ersst-v5/plots/colorbar?units=000", "units"),
    bad(f"{P}?lon=0&lat=0&variables=temp", None, 404, "variable-not-found"),
    bad(f"{P}?lon=0&lat=0&variables=,", "variables"),
    bad(f"{D}/wcofs/data/area?bbox=-125,44,-124,45", "variables"),
    # -- boxes: too few numbers, inverted, beyond the poles, not numbers, off the grid
    bad(f"{D}/ersst-v5/data/area?bbox=0,10,20", "bbox"),
    bad(f"{D}/ersst-v5/data/area?bbox=0,10,20,5", "bbox"),
    bad(f"{D}/ersst-v5/data/area?bbox=0,-95,20,5", "bbox"),
    bad(f"{D}/ersst-v5/data/area?bbox=a,b,c,d", "bbox"),
    bad(f"{D}/ersst-v5/data/area?bbox=nan,0,10,10", "bbox"),
    bad(f"{D}/ersst-v5/data/area?bbox=0,0,1e308,10", "bbox"),
    bad(f"{D}/ersst-v5/data/area?bbox=0,0,10,10&stride=0", "stride"),
    bad(f"{G}/data/area?bbox=100,0,110,10", None, 404, "no-data"),
    bad(f"{G}/data/area?bbox=170,40,-170,50", None, 404, "no-data"),  # across the antimeridian
    # -- paths: one vertex, beyond the pole, not numbers, 10,000 vertices, 100,000 characters
    bad(f"{G}/data/transect?path=-15,50", "path"),
    bad(f"{G}/data/transect?path=-15,50;0,95", "path"),
    bad(f"{G}/data/transect?path=-15,50;x,y", "path"),
    bad(f"{G}/data/transect?path=-15,50;0,60&n=1", "n"),
    bad(f"{G}/data/transect?path=-15,50;0,60&n=100000", "n"),
    bad(f"{G}/data/transect?path=" + ";".join(["-15,50"] * 1001), "path"),
    bad(f"{G}/data/transect?path={MANY_VERTICES}", "path"),
    bad(f"{G}/plots/transect?path={MANY_VERTICES}", "path"),
    bad(f"{G}/data/transect?path=" + "1" * 64_001, "path"),
    bad(f"{G}/data/transect?path=-15,50;0,60&path_type=great-circle", "path_type"),
    bad(f"{G}/plots/transect?path=-15,50;0,60&path_type=loxodrome", "path_type"),
    bad(f"{D}/ersst-v5/plots/hovmoller?path=-170,0;-100,0&path_type=", "path_type"),
    bad(f"{D}?" + "q=" + "x" * 60_000, "q"),
    # -- plots: huge or tiny images, unknown format, colour map, scale, title; plot types
    bad(f"{M}?width=100000", "width"),
    bad(f"{M}?height=10", "height"),
    bad(f"{M}?dpi=100000", "dpi"),
    bad(f"{M}?width=4096&height=4096", "height"),
    bad(f"{M}?width=100&width=200", "width"),
    bad(f"{M}?f=gif", "f"),
    bad(f"{M}?colormap=nope", "colormap"),
    bad(f"{M}?colormap=..%2F..%2Fetc%2Fpasswd", "colormap"),
    bad(f"{M}?scale=nan,1", "scale"),
    bad(f"{M}?title=" + "t" * 201, "title"),
    bad(f"{M}?time=0000-01-01", "time"),
    bad(f"{M}?projection=gnomonic", "projection"),
    bad(f"{M}?projection=mercator&bbox=0,85,10,89", "projection"),  # beyond Mercator's 84°N
    bad(f"{M}?variable=nope", None, 404, "variable-not-found"),
    bad(f"{D}/ersst-v5/plots/nope", None, 404, "plot-type-not-found"),
    bad(f"{D}/ersst-v5/plots/transect?path=-15,50;0,60", None, 404, "plot-type-not-found"),
    # -- ids: unknown, wrong case, unicode, null bytes, path traversal anywhere
    bad(f"{D}/nope", None, 404, "dataset-not-found"),
    bad(f"{D}/ERSST-V5", None, 404, "dataset-not-found"),
    bad(f"{D}/nope/variables", None, 404, "dataset-not-found"),
    bad(f"{D}/nope/data/point?lon=0&lat=0", None, 404, "dataset-not-found"),
    bad(f"{D}/ersst-v5/variables/temp", None, 404, "variable-not-found"),
    bad(f"{D}/wcofs/variables/angle", None, 404, "variable-not-found"),  # hidden
    bad(f"{D}/giops/variables/nav_lat", None, 404, "variable-not-found"),  # a coordinate
    bad(f"{D}/%E2%98%83", "dataset_id"),
    bad(f"{D}/ersst-v5%00", "dataset_id"),
    bad(f"{D}/%2E%2E", "dataset_id"),
    bad(f"{D}/{TRAVERSAL}", None, 404, "not-found"),
    bad(f"{D}/ersst-v5/variables/{TRAVERSAL}", None, 404, "not-found"),
    bad(f"{D}/ersst-v5/variables/%2E%2E%2F%2E%2E", None, 404, "not-found"),
    bad(f"/edr/collections/{TRAVERSAL}/position?coords=POINT(0 0)", None, 404, "not-found"),
    bad("/edr/collections/%E2%98%83", "collectionId"),
    bad(f"/docs/assets/{TRAVERSAL}", None, 404, "not-found"),
    bad("/docs/examples/..%2F..%2Fapi%2Fmain.py", None, 404, "not-found"),
    bad("/problems/oops", None, 404, "not-found"),
    bad("/api/v2/datasets", None, 404, "not-found"),
    # -- parameters: unknown, misspelt, repeated; methods
    bad(f"{D}?limit=5", "limit"),
    bad(f"{D}/ersst-v5?verbose=1", "verbose"),
    bad("/health?x=1", "x"),
    bad("/metrics?format=json", "format"),
    bad(f"{D}/ersst-v5/times?limt=3", "limt"),
    bad(f"{D}/ersst-v5/times?limit=1&limit=2", "limit"),
    bad(f"{P}?lon=0&lat=0&lon=1", "lon"),
    bad(f"{D}/ersst-v5/times?limit=0", "limit"),
    bad(f"{D}/ersst-v5/times?limit=10001", "limit"),
    bad(f"{D}/ersst-v5/times?limit=ten", "limit"),
    bad(f"{D}/ersst-v5/times?limit=1e308", "limit"),
    bad(f"{D}/ersst-v5/times?offset=-1", "offset"),
    bad(D, None, 405, "method-not-allowed", method="POST"),
    bad(f"{D}/ersst-v5", None, 405, "method-not-allowed", method="DELETE"),
    # -- OGC API - EDR
    bad(f"{E}?coords=POINT(-10 50)&bogus=1", "bogus"),
    bad(f"{E}?coords=POINT(-10 50)&coords=POINT(0 0)", "coords"),
    bad(E, "coords"),
    bad(f"{E}?coords=POINT(abc def)", "coords"),
    bad(f"{E}?coords=LINESTRING(0 0,1 1)", "coords"),
    bad(f"{E}?coords=POINT(-10 91)", "coords"),
    bad(f"{E}?coords=POINT(NaN 50)", "coords"),
    bad(f"{E}?coords=POINT(-10 1e308)", "coords"),
    bad(f"{E}?coords=POINT Z(-10 50 5)", "coords"),
    bad(f"{E}?coords=POINT(100 0)", "coords"),  # outside the grid's footprint
    bad(f"{E}?coords=POINT(-10 50)&z=-5", "z"),
    bad(f"{E}?coords=POINT(-10 50)&z=deep", "z"),
    bad(f"{E}?coords=POINT(-10 50)&z=20000", "z"),
    bad(f"{E}?coords=POINT(-10 50)&z=100/10", "z"),
    bad(f"{E}?coords=POINT(-10 50)&z=R0/0/10", "z"),
    bad(f"{E}?coords=POINT(-10 50)&datetime=yesterday", "datetime"),
    bad(f"{E}?coords=POINT(-10 50)&datetime=0000-01-01", "datetime"),
    bad(f"{E}?coords=POINT(-10 50)&datetime=2021-07-01/2021-06-01", "datetime"),
    bad(f"{E}?coords=POINT(-10 50)&datetime=1990-01-01", "datetime"),
    bad(f"{E}?coords=POINT(-10 50)&datetime=2021-06-29/..&z=0/100", "datetime"),
    bad(f"{E}?coords=POINT(-10 50)&parameter-name=temp", "parameter-name"),
    bad(f"{E}?coords=POINT(-10 50)&parameter-name=thetao&parameter_names=so", "parameter-name"),
    bad(f"{E}?coords=POINT(-10 50)&crs=EPSG:3857", "crs"),
    bad(f"{E}?coords=POINT(-10 50)&f=xml", "f"),
    bad("/edr/collections/glorys/radius?coords=POINT(-10 50)&within-units=km", "within"),
    bad(
        "/edr/collections/glorys/radius?coords=POINT(-10 50)&within=5&within-units=parsec",
        "within-units",
    ),
    bad("/edr/collections/glorys/radius?coords=POINT(-10 50)&within=5", "within-units"),
    bad("/edr/collections/glorys/radius?coords=POINT(-10 50)&within=-1&within-units=km", "within"),
    bad("/edr/collections/glorys/cube?bbox=-12,52,-8,48", "bbox"),
    bad("/edr/collections/glorys/cube?bbox=-12,48,-8,52&resolution-x=0", "resolution-x"),
    bad("/edr/collections/glorys/area?coords=POLYGON((0 0,1 1,0 0))", "coords"),
    bad(
        "/edr/collections/glorys/trajectory?coords=LINESTRING(-15 48,5 62)&datetime=../..",
        "datetime",
    ),
    bad("/edr/collections/glorys/trajectory?coords=LINESTRING(-15 48,5 62)&z=0/100", "z"),
    bad(
        "/edr/collections/glorys/trajectory?coords=LINESTRING(-15 48,5 62)&path_type=straight",
        "path_type",
    ),
    bad(f"/edr/collections/glorys/trajectory?coords=LINESTRING({MANY_WKT})", "coords"),
    bad("/edr/collections/ersst-v5/cube?bbox=-150,-5,-130,5&z=0/100", "z"),
    bad("/edr/collections/glorys?f=xml", "f"),
    bad("/edr/collections/argo", None, 404, "dataset-not-found"),
]


# ----------------------------------------------------------------------------- file audit

ALLOWED_ROOTS = [
    DEFAULT_CATALOG.parent.resolve(),  # the catalog's folder: its data files
    Path(sys.prefix).resolve(),  # the virtual environment: lazily imported modules, fonts
    Path(sys.base_prefix).resolve(),  # the standard library
    # The service's own code (FastAPI reads an endpoint's source lines for error context) and
    # the documents it serves: files it ships, never ones a request names.
    *(REPO_ROOT / name for name in ("api", "catalog", "plotting", "schemas", "docs")),
    Path("/etc/mime.types"),  # Python's mimetypes reads it to name a served file's type
]


def outside_the_catalog(paths: list[str]) -> list[str]:
    return [
        p
        for p in paths
        if not any(Path(p).resolve().is_relative_to(root) for root in ALLOWED_ROOTS)
    ]


# ----------------------------------------------------------------------------- the test


def test_the_catalogue_is_big_enough() -> None:
    assert len(CATALOGUE) >= 60


@pytest.mark.parametrize(("method", "url", "status", "kind", "param"), CATALOGUE)
def test_bad_input_gets_a_problem_saying_what_is_wrong(
    client: TestClient, method: str, url: str, status: int, kind: str, param: str | None
) -> None:
    with watching() as opened:
        response = client.request(method, url, headers={"X-Request-ID": "bad-input"})
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "bad-input"
    problem = response.json()
    assert problem["type"] == f"/problems/{kind}"
    assert problem["status"] == status
    assert problem["title"]
    assert len(problem["detail"]) >= 20, problem["detail"]  # a sentence, not a code
    assert problem["instance"] == response.request.url.path
    assert problem["request_id"] == "bad-input"
    if param is not None:
        reasons = {p["name"]: p["reason"] for p in problem["invalid_params"]}
        assert param in reasons, reasons
        assert all(len(reason) >= 10 for reason in reasons.values()), reasons
        if len(reasons) == 1:  # one bad parameter: the detail alone says what is wrong
            ((name, reason),) = reasons.items()
            assert name in problem["detail"] and reason in problem["detail"], problem["detail"]
    assert len(response.content) < 20_000  # a 100,000-character value is not echoed back
    assert not outside_the_catalog(opened), outside_the_catalog(opened)
    assert not [p for p in opened if "passwd" in p or "/etc/" in p]
    described = client.get(problem["type"])  # the type is described where it points
    assert described.status_code == 200 and described.json()["status"] == status


def test_the_audit_sees_what_a_request_opens(client: TestClient) -> None:
    """The audit is live: a served file is recorded, and one outside the roots is flagged."""
    with watching() as opened:
        assert client.get("/docs/assets/swagger-init.js").status_code == 200
        (REPO_ROOT / "README.md").read_bytes()
    assert any(p.endswith("docs/site/assets/swagger-init.js") for p in opened)
    assert str(REPO_ROOT / "README.md") in outside_the_catalog(opened)
