"""Problem documents beyond the bad-input catalogue (tests/api/test_bad_input.py): valid ids
listed, allowed methods named, request ids, and the 500 that says nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from catalog.derived import DERIVED

D = "/api/v1/datasets"


def test_not_found_lists_valid_ids(client: TestClient) -> None:
    problem = client.get(f"{D}/nope").json()
    assert problem["valid_values"] == ["ersst-v5", "giops", "glorys", "glorys-mesh", "wcofs"]
    assert "ersst-v5" in problem["detail"]
    problem = client.get(f"{D}/glorys/variables/temp").json()
    stored = ["so", "thetao", "uo", "vo", "zos"]
    assert problem["valid_values"] == sorted([*stored, *DERIVED])  # the TEOS-10 ones too


def test_method_not_allowed_names_the_allowed_ones(client: TestClient) -> None:
    response = client.post(D)
    assert response.headers["allow"] == "GET"
    assert "GET" in response.json()["detail"]


def test_limit_reason_says_what_is_valid(client: TestClient) -> None:
    (param,) = client.get(f"{D}/ersst-v5/times?limit=0").json()["invalid_params"]
    assert param == {"name": "limit", "reason": "must be >= 1", "location": "query"}


def test_request_id_generated_when_absent_or_unsafe(client: TestClient) -> None:
    generated = [client.get("/health").headers["x-request-id"] for _ in range(3)]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in generated)  # 32 hex digits
    assert len(set(generated)) == 3
    unsafe = client.get("/health", headers={"X-Request-ID": "a b\tc<script>"})
    assert unsafe.headers["x-request-id"] != "a b\tc<script>"


def test_500_is_a_problem_without_internals(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(catalog=DEFAULT_CATALOG))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError(f"secret failure reading {Path('/srv/data/secret.nc')}")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.get(
            "/boom", headers={"X-Request-ID": "boom-1", "Origin": "https://maps.example.org"}
        )
    assert response.status_code == 500
    assert response.headers["access-control-allow-origin"] == "*"  # a web page can read it
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


def test_problems_lists_every_error_the_service_defines(client: TestClient) -> None:
    """The one table (api.problems.PROBLEM_TYPES) holds every OceanAPIError subclass defined in
    the service's packages, wherever it is raised from (data, pools, web)."""
    from catalog.errors import OceanAPIError

    def subclasses(cls: type[OceanAPIError]) -> set[type[OceanAPIError]]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(c) for c in found)) if found else found

    defined = {
        c.slug
        for c in subclasses(OceanAPIError)
        if c.__module__.split(".")[0] in {"api", "catalog", "plotting"}
    } | {"internal-error"}
    listed = [p["type"].removeprefix("/problems/") for p in client.get("/problems").json()]
    assert sorted(listed) == sorted(defined)
    assert {"dataset-unavailable", "plot-busy", "too-many-requests"} <= set(listed)
    for slug in ("plot-busy", "request-head-too-large", "no-data"):
        described = client.get(f"/problems/{slug}").json()
        assert described["type"] == f"/problems/{slug}" and described["status"] >= 400
