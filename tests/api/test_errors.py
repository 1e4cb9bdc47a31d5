"""Every error is an RFC 9457 problem: one table of bad requests, and the 500 that says nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings

D = "/api/v1/datasets"

# (method, url, status, problem type, parameter named in invalid_params or None)
BAD_REQUESTS = [
    # found by schemathesis: a number was taken for a Unix time, a bad unit for a colour bar
    # whose scale comes from the catalog was a 500
    ("GET", f"{D}/ersst-v5/times?start=0.5", 400, "invalid-parameters", "start"),
    ("GET", f"{D}/ersst-v5/times?start=0000-01-01", 400, "invalid-parameters", "start"),
    ("GET", f"{D}/ersst-v5/plots/colorbar?units=000", 400, "invalid-parameters", "units"),
    ("GET", f"{D}/nope", 404, "dataset-not-found", None),
    ("GET", f"{D}/ERSST-V5", 404, "dataset-not-found", None),
    ("GET", f"{D}/nope/variables", 404, "dataset-not-found", None),
    ("GET", f"{D}/nope/times", 404, "dataset-not-found", None),
    ("GET", f"{D}/nope/depths", 404, "dataset-not-found", None),
    ("GET", f"{D}/ersst-v5/variables/temp", 404, "variable-not-found", None),
    ("GET", f"{D}/wcofs/variables/angle", 404, "variable-not-found", None),  # hidden
    ("GET", f"{D}/giops/variables/nav_lat", 404, "variable-not-found", None),  # a coordinate
    ("GET", f"{D}/..%2F..%2Fetc%2Fpasswd", 404, "not-found", None),
    ("GET", f"{D}/%E2%98%83", 400, "invalid-parameters", "dataset_id"),
    ("GET", "/api/v2/datasets", 404, "not-found", None),
    ("GET", "/problems/oops", 404, "not-found", None),
    ("POST", D, 405, "method-not-allowed", None),
    ("DELETE", f"{D}/ersst-v5", 405, "method-not-allowed", None),
    ("GET", f"{D}?limit=5", 400, "invalid-parameters", "limit"),
    ("GET", f"{D}/ersst-v5?verbose=1", 400, "invalid-parameters", "verbose"),
    ("GET", "/health?x=1", 400, "invalid-parameters", "x"),
    ("GET", f"{D}/ersst-v5/times?limt=3", 400, "invalid-parameters", "limt"),
    ("GET", f"{D}/ersst-v5/times?limit=1&limit=2", 400, "invalid-parameters", "limit"),
    ("GET", f"{D}/ersst-v5/times?limit=0", 400, "invalid-parameters", "limit"),
    ("GET", f"{D}/ersst-v5/times?limit=10001", 400, "invalid-parameters", "limit"),
    ("GET", f"{D}/ersst-v5/times?limit=ten", 400, "invalid-parameters", "limit"),
    ("GET", f"{D}/ersst-v5/times?limit=1e308", 400, "invalid-parameters", "limit"),
    ("GET", f"{D}/ersst-v5/times?offset=-1", 400, "invalid-parameters", "offset"),
    ("GET", f"{D}/ersst-v5/times?start=yesterday", 400, "invalid-parameters", "start"),
    ("GET", f"{D}/ersst-v5/times?end=2015-13-01", 400, "invalid-parameters", "end"),
    ("GET", f"{D}/ersst-v5/times?start=NaN", 400, "invalid-parameters", "start"),
    (
        "GET",
        f"{D}/ersst-v5/times?start=2016-01-01&end=2015-01-01",
        400,
        "invalid-parameters",
        "start",
    ),
    ("GET", f"{D}/ersst-v5/times?start=", 400, "invalid-parameters", "start"),
]


@pytest.mark.parametrize(("method", "url", "status", "kind", "param"), BAD_REQUESTS)
def test_bad_request_gets_a_problem(
    client: TestClient, method: str, url: str, status: int, kind: str, param: str | None
) -> None:
    response = client.request(method, url, headers={"X-Request-ID": "req-123"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-123"
    problem = response.json()
    assert problem["type"] == f"/problems/{kind}"
    assert problem["status"] == status
    assert problem["title"] and problem["detail"]
    assert problem["instance"] == response.request.url.path
    assert problem["request_id"] == "req-123"
    if param is not None:
        names = [p["name"] for p in problem["invalid_params"]]
        assert param in names
        assert all(p["reason"] for p in problem["invalid_params"])
    # The problem type is described where `type` points.
    described = client.get(problem["type"])
    assert described.status_code == 200 and described.json()["status"] == status


def test_not_found_lists_valid_ids(client: TestClient) -> None:
    problem = client.get(f"{D}/nope").json()
    assert problem["valid_values"] == ["ersst-v5", "giops", "glorys", "wcofs"]
    assert "ersst-v5" in problem["detail"]
    problem = client.get(f"{D}/glorys/variables/temp").json()
    assert problem["valid_values"] == ["so", "thetao", "uo", "vo", "zos"]


def test_method_not_allowed_names_the_allowed_ones(client: TestClient) -> None:
    response = client.post(D)
    assert response.headers["allow"] == "GET"
    assert "GET" in response.json()["detail"]


def test_limit_reason_says_what_is_valid(client: TestClient) -> None:
    (param,) = client.get(f"{D}/ersst-v5/times?limit=0").json()["invalid_params"]
    assert param == {"name": "limit", "reason": "must be >= 1", "location": "query"}


def test_request_id_generated_when_absent_or_unsafe(client: TestClient) -> None:
    generated = client.get("/health").headers["x-request-id"]
    assert len(generated) == 32
    unsafe = client.get("/health", headers={"X-Request-ID": "a b\tc<script>"})
    assert unsafe.headers["x-request-id"] != "a b\tc<script>"


def test_500_is_a_problem_without_internals(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(catalog=DEFAULT_CATALOG))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"secret failure reading {Path('/srv/data/secret.nc')}")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "boom-1"
    body = response.text
    assert "secret" not in body and "Traceback" not in body and "/srv" not in body
    assert response.json()["type"] == "/problems/internal-error"
    logged = [r for r in caplog.records if r.name == "oceanapi.errors"]
    assert len(logged) == 1 and "boom-1" in logged[0].getMessage()
    assert logged[0].exc_info is not None


def test_type_errors_say_the_valid_range(client: TestClient) -> None:
    params = client.get(f"{D}/ersst-v5/times?limit=ten&offset=x").json()["invalid_params"]
    reasons = {p["name"]: p["reason"] for p in params}
    assert reasons == {
        "limit": "must be an integer, >= 1 and <= 10000",
        "offset": "must be an integer, >= 0 and <= 100000000",
    }
