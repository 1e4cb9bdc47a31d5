"""The Accept header chooses the format when `f` does not: q-values honoured, q=0 meaning
"not acceptable", 406 when nothing on offer is; `f` wins; browsers keep what they had."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.negotiation import MediaRange, parse_accept, quality

D = "/api/v1/datasets"
E = "/edr/collections"
POINT = f"{D}/ersst-v5/data/point?lon=-140&lat=0.5&time=2015-12-01"
POSITION = f"{E}/ersst-v5/position?coords=POINT(-140%200.5)&datetime=2015-12-01T00:00:00Z"
PLOT = f"{D}/ersst-v5/plots/map?variable=sst&width=200&height=150"
CHROME_PAGE = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
)
CHROME_IMAGE = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
FIREFOX_PAGE = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DATA_TYPES = [
    "application/json",
    "text/csv",
    "application/x-netcdf",
    "application/prs.coverage+json",
]


def vary(answer: Any) -> list[str]:
    """The request headers the answer says it depends on (CORS adds Origin)."""
    return [name.strip() for name in answer.headers.get("vary", "").split(",")]


def test_parse_accept_reads_ranges_and_q_values() -> None:
    assert parse_accept("text/csv;q=0, Application/JSON ; charset=utf-8, */*;q=0.1") == [
        MediaRange("text", "csv", 0.0),
        MediaRange("application", "json", 1.0),
        MediaRange("*", "*", 0.1),
    ]
    # Unreadable elements are skipped; a header with none left counts as absent.
    assert parse_accept("json, text/csv;q=abc, */html, text/csv;q=2, image/*;q=0.5") == [
        MediaRange("image", "*", 0.5)
    ]
    assert parse_accept("nonsense") is None
    assert parse_accept("") is None and parse_accept(None) is None


def test_the_most_specific_range_decides_the_q() -> None:
    ranges = parse_accept("text/*;q=0.3, text/csv;q=0, */*;q=0.5")
    assert ranges is not None
    assert quality(ranges, "text/csv; charset=utf-8") == 0.0
    assert quality(ranges, "text/html") == 0.3
    assert quality(ranges, "application/json") == 0.5
    assert quality(parse_accept("text/html") or [], "application/json") is None
    # An alias counts only as far as it is the most specific match.
    refused = parse_accept("application/prs.coverage+json;q=0, */*") or []
    assert quality(refused, "application/prs.coverage+json", "application/json") == 0.0
    assert quality(parse_accept("application/json") or [], "a/b", "application/json") == 1.0


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        (CHROME_PAGE, "application/json"),
        ("text/csv;q=0, application/json", "application/json"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("application/json;q=0.5, text/csv;q=0.9", "text/csv; charset=utf-8"),
        ("application/json;q=0, */*", "text/csv; charset=utf-8"),
        ("application/x-netcdf", "application/x-netcdf"),
        ("application/prs.coverage+json", "application/prs.coverage+json"),
    ],
)
def test_data_queries_answer_what_accept_prefers(
    client: TestClient, accept: str | None, media_type: str
) -> None:
    answer = client.get(POINT, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == media_type
    assert "Accept" in vary(answer)


def test_the_same_values_whichever_way_the_format_is_chosen(client: TestClient) -> None:
    by_accept = client.get(POINT, headers={"Accept": "text/csv;q=0.9, application/json;q=0.1"})
    by_f = client.get(f"{POINT}&f=csv")
    assert by_accept.text == by_f.text and by_accept.text.startswith("sst [degC],time")
    assert "Accept" not in vary(by_f)  # f decides: Accept changes nothing
    assert client.get(POINT).json() == client.get(f"{POINT}&f=json").json()


def test_f_wins_over_accept(client: TestClient) -> None:
    answer = client.get(f"{POINT}&f=csv", headers={"Accept": "text/csv;q=0"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    edr = client.get(f"{POSITION}&f=GeoJSON", headers={"Accept": "text/csv"})
    assert edr.headers["content-type"] == "application/geo+json"
    page = client.get(f"{E}/glorys", params={"f": "json"}, headers={"Accept": "text/html"})
    assert page.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("url", "accept", "offered"),
    [
        (POINT, "text/csv;q=0", DATA_TYPES),
        (POINT, "text/html", DATA_TYPES),
        (POINT, "*/*;q=0", DATA_TYPES),
        (
            POSITION,
            "text/csv;q=0, application/*;q=0",
            [
                "application/prs.coverage+json",
                "application/geo+json",
                "text/csv",
                "application/x-netcdf",
            ],
        ),
        (f"{E}/glorys", "text/html;q=0, application/json;q=0", ["application/json", "text/html"]),
        (f"{E}/glorys", "application/*;q=0, text/html;q=0", ["application/json", "text/html"]),
        (PLOT, "text/csv", ["image/png", "image/svg+xml", "application/pdf"]),
    ],
)
def test_nothing_acceptable_is_406_naming_what_is_offered(
    client: TestClient, url: str, accept: str, offered: list[str]
) -> None:
    answer = client.get(url, headers={"Accept": accept})
    assert answer.status_code == 406
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/not-acceptable" and problem["status"] == 406
    assert problem["valid_values"] == offered
    assert ", ".join(offered) in problem["detail"] and "`f`" in problem["detail"]
    head = client.head(url, headers={"Accept": accept})
    assert head.status_code == 406 and head.content == b""


def test_the_406_problem_type_is_described(client: TestClient) -> None:
    described = client.get("/problems/not-acceptable").json()
    assert described["status"] == 406 and described["title"] == "Not acceptable"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/prs.coverage+json"),
        ("*/*", "application/prs.coverage+json"),
        (CHROME_PAGE, "application/prs.coverage+json"),
        ("application/json", "application/prs.coverage+json"),
        ("application/geo+json;q=0.5, text/csv;q=0.9", "text/csv; charset=utf-8"),
        ("text/csv;q=0, application/geo+json", "application/geo+json"),
        ("text/csv;q=0.2, */*;q=0.1", "text/csv; charset=utf-8"),
        ("text/csv;q=0, */*", "application/prs.coverage+json"),
        ("application/prs.coverage+json;q=0, */*", "application/geo+json"),
        ("application/netcdf", "application/x-netcdf"),
    ],
)
def test_edr_queries_answer_what_accept_prefers(
    client: TestClient, accept: str | None, media_type: str
) -> None:
    answer = client.get(POSITION, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == media_type
    assert "Accept" in vary(answer)


def test_edr_csv_by_accept_holds_the_value(client: TestClient) -> None:
    csv = client.get(POSITION, headers={"Accept": "application/geo+json;q=0.5, text/csv;q=0.9"})
    geojson = client.get(POSITION, headers={"Accept": "application/geo+json"}).json()
    value = geojson["features"][0]["properties"]["sst"]
    header, row = csv.text.splitlines()[:2]
    assert float(row.split(",")[header.split(",").index("sst [degC]")]) == value


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (None, False),
        ("*/*", False),
        (CHROME_PAGE, True),
        (FIREFOX_PAGE, True),
        ("text/html", True),
        ("text/html, application/json", False),  # indifferent: JSON, as before
        ("text/html;q=0", False),
        ("text/html;q=0, */*", False),
        ("application/json;q=0.5, text/html;q=0.9", True),
        ("application/json;q=0, */*", True),
        ("application/ld+json", False),  # names neither: JSON, the pages' own encoding
    ],
)
def test_edr_pages_answer_html_only_when_preferred(
    client: TestClient, accept: str | None, html: bool
) -> None:
    answer = client.get(f"{E}/glorys", headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200
    expected = "text/html; charset=utf-8" if html else "application/json"
    assert answer.headers["content-type"] == expected
    assert "Accept" in vary(answer)
    if not html:
        assert answer.json()["id"] == "glorys"


@pytest.mark.parametrize(
    ("accept", "image_format"),
    [
        (None, "PNG"),
        ("*/*", "PNG"),
        (CHROME_IMAGE, "PNG"),  # names SVG, but at the same q as every image
        (CHROME_PAGE, "PNG"),
        ("image/png;q=0, image/*", "SVG"),
        ("application/pdf", "PDF"),
    ],
)
def test_plots_answer_what_accept_prefers(
    client: TestClient, accept: str | None, image_format: str
) -> None:
    answer = client.get(PLOT, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 200
    assert "Accept" in vary(answer)
    if image_format == "PNG":
        assert answer.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(answer.content)).size == (200, 150)
    elif image_format == "SVG":
        assert answer.headers["content-type"] == "image/svg+xml"
        assert b"<svg" in answer.content[:500]
    else:
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF")


def test_plot_etags_differ_by_negotiated_format(client: TestClient) -> None:
    png = client.get(PLOT)
    svg = client.get(PLOT, headers={"Accept": "image/svg+xml"})
    by_f = client.get(f"{PLOT}&f=svg")
    assert png.headers["etag"] != svg.headers["etag"] == by_f.headers["etag"]
    assert "Accept" not in vary(by_f)
