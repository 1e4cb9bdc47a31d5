"""The matchup plot: its printed bias, RMSE and N are the matchups query's, and bad input is a
problem naming the parameter."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient

P = "/api/v1/datasets/glorys/plots/matchup"
OBS = {"observations": "glorys-matchup"}
SVG = "{http://www.w3.org/2000/svg}"
PRINTED = re.compile(r"bias (\S+) (.+?) · RMSE (\S+) (.+?) · N (\d+)")


def svg_texts(client: TestClient, url: str, **params: Any) -> list[str]:
    response = client.get(url, params={**params, "f": "svg"})
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("dataset", "params"),
    [("glorys", {}), ("glorys", {"qc": "all", "tolerance": "PT6H"}), ("glorys-mesh", {})],
)
def test_the_printed_numbers_are_the_queries(
    client: TestClient, dataset: str, params: dict[str, str]
) -> None:
    texts = svg_texts(client, f"/api/v1/datasets/{dataset}/plots/matchup", **OBS, **params)
    printed = [m.groups() for m in map(PRINTED.search, texts) if m]
    answer = client.get(f"/api/v1/datasets/{dataset}/matchups", params={**OBS, **params})
    statistics = answer.json()["statistics"]
    assert len(printed) == len(statistics) == 2
    # Temperature first, then salinity, as the panels are.
    assert [s["variable"] for s in statistics] == ["thetao", "so"]
    for (bias, units, rmse, _, n), stats in zip(printed, statistics, strict=True):
        assert float(bias.replace("\N{MINUS SIGN}", "-")) == float(f"{stats['bias']:.4g}")
        assert float(rmse) == float(f"{stats['rmse']:.4g}")
        assert int(n) == stats["n"]
        assert units == {"thetao": "°C", "so": "PSU"}[stats["variable"]]
    matched = answer.json()["profiles_matched"]
    assert any(t.startswith(f"{matched} of 11 profiles matched") for t in texts), texts


def test_one_variable_one_panel(client: TestClient) -> None:
    texts = svg_texts(client, P, **OBS, variable="so")
    printed = [m.groups() for m in map(PRINTED.search, texts) if m]
    assert len(printed) == 1 and printed[0][1] == "PSU"


@pytest.mark.parametrize(
    ("url", "params", "status", "name"),
    [
        (P, {}, 400, "observations"),
        (P, {"observations": "nope"}, 400, "observations"),
        (P, {**OBS, "variable": "uo"}, 400, "variable"),
        (P, {**OBS, "tolerance": "one day"}, 400, "tolerance"),
        (P, {**OBS, "units": "degF"}, 400, "units"),
        (P, {**OBS, "max_profiles": "50"}, 400, "max_profiles"),
        (P, {"observations": "argo-5900865"}, 400, "tolerance"),
        ("/api/v1/datasets/giops/plots/matchup", OBS, 404, None),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(
    client: TestClient, url: str, params: dict[str, str], status: int, name: str | None
) -> None:
    response = client.get(url, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if name is not None:
        assert name in [p["name"] for p in response.json()["invalid_params"]]
    else:
        assert response.json()["type"] == "/problems/plot-type-not-found"
