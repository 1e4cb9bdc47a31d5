"""The service's configurable limits: image pixels, path vertices, CORS origins.

The per-client limit on requests in flight needs real concurrency: tests/e2e/test_limits.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG
from plotting.layout import canvas_size
from plotting.types.map import box_ratio
from tests.plotting.test_plots import decode

D = "/api/v1/datasets"
GLORYS_PATH = "-15,50;-10,53;-5,56;0,60"  # four vertices, inside the grid


def invalid(response: object, name: str, words: str) -> None:
    assert response.status_code == 400, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    (param,) = response.json()["invalid_params"]  # type: ignore[attr-defined]
    assert param["name"] == name
    assert words in param["reason"], param["reason"]


def test_image_pixels_default_and_configured(make_client: Callable[..., TestClient]) -> None:
    default = make_client(DEFAULT_CATALOG)
    invalid(
        default.get(f"{D}/ersst-v5/plots/map", params={"width": 4096, "height": 4096}),
        "height",
        "16,777,216 pixels; at most 8,000,000",
    )
    small = make_client(DEFAULT_CATALOG, max_image_pixels=100_000)
    # without width or height, a map is 800 wide and as high as its box's aspect asks
    width, height = canvas_size(None, None, 100, box_ratio((-180.0, 180.0, -88.0, 88.0)))
    invalid(
        small.get(f"{D}/ersst-v5/plots/map"),
        "height",
        f"{width} x {height} = {width * height:,} pixels; at most 100,000",
    )
    invalid(
        small.get(f"{D}/glorys/plots/transect", params={"path": GLORYS_PATH}),
        "height",
        "800 x 600 = 480,000 pixels; at most 100,000",
    )
    fits = small.get(f"{D}/ersst-v5/plots/map", params={"width": 300, "height": 300})
    assert fits.status_code == 200
    image = decode(fits.content)
    assert image.shape == (300, 300, 3) and image.std() > 10


def test_path_vertices_limit_applies_to_every_path(make_client: Callable[..., TestClient]) -> None:
    client = make_client(DEFAULT_CATALOG, max_path_points=3)
    line = "LINESTRING(" + ",".join(p.replace(",", " ") for p in GLORYS_PATH.split(";")) + ")"
    for response, name in (
        (client.get(f"{D}/glorys/data/transect", params={"path": GLORYS_PATH}), "path"),
        (client.get(f"{D}/glorys/plots/transect", params={"path": GLORYS_PATH}), "path"),
        (client.get(f"{D}/glorys/plots/hovmoller", params={"path": GLORYS_PATH}), "path"),
        (
            client.get(
                "/edr/collections/glorys/trajectory",
                params={"coords": line, "z": "0.494", "f": "CoverageJSON"},
            ),
            "coords",
        ),
    ):
        invalid(response, name, "has 4 vertices; at most 3")
    three = GLORYS_PATH.rsplit(";", 1)[0]
    transect = client.get(f"{D}/glorys/data/transect", params={"path": three, "depth": "surface"})
    assert transect.status_code == 200
    assert len(transect.json()["coords"]["distance"]["values"]) == 100


def test_cors_any_origin_by_default(client: TestClient) -> None:
    page = "https://maps.example.org"
    answer = client.get(f"{D}/ersst-v5/plots/map", headers={"Origin": page})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    exposed = answer.headers["access-control-expose-headers"].lower()
    assert {"etag", "server-timing", "x-request-id", "retry-after"} <= set(exposed.split(", "))
    preflight = client.options(
        f"{D}/ersst-v5/plots/map",
        headers={"Origin": page, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    ("origins", "origin", "allowed"),
    [
        (["https://maps.example.org"], "https://maps.example.org", "https://maps.example.org"),
        (["https://maps.example.org"], "https://elsewhere.example.com", None),
        ([], "https://maps.example.org", None),
    ],
)
def test_cors_origins_configured(
    make_client: Callable[..., TestClient], origins: list[str], origin: str, allowed: str | None
) -> None:
    client = make_client(DEFAULT_CATALOG, cors_origins=origins)
    answer = client.get(f"{D}/ersst-v5", headers={"Origin": origin})
    assert answer.status_code == 200
    assert answer.headers.get("access-control-allow-origin") == allowed
