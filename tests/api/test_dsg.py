"""CF discrete sampling geometry collections through the API: the bundled Argo float rewritten
as a trajectoryProfile file answers what the Argo collection answers, time series are listed
with their time range, and bad files leave the collection unavailable with the reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import xarray as xr
from fastapi.testclient import TestClient

from tests.conftest import SAMPLES, sample_entries, write_catalog
from tests.unit.test_dsg import Source, write_profiles, write_series

ARGO = "/api/v1/datasets/argo-5900865"
DSG = "/api/v1/datasets/argo-5900865-dsg"
NOT_IN_CF = ("cycle", "direction", "data_mode", "adjusted")
"""What a CF file has not: -1, '', '' and false for the DSG collection."""


def entry(source: str, id_: str = "moorings") -> dict[str, Any]:
    return {
        "id": id_,
        "title": "A CF DSG collection",
        "summary": "Written by the test.",
        "attribution": "test",
        "licence": "CC0",
        "source": {"dsg": source},
    }


def scratch_client(
    tmp_path: Path, make_client: Callable[..., TestClient], *entries: dict[str, Any]
) -> TestClient:
    """A client of the ERSST sample and these collections."""
    (tmp_path / "sst.mnmean.nc").symlink_to(SAMPLES / "sst.mnmean.nc")
    return make_client(write_catalog(tmp_path, [sample_entries()[0], *entries]))


def test_the_dsg_sample_is_listed_as_the_argo_float_is(client: TestClient) -> None:
    collections = {c["id"]: c for c in client.get("/api/v1/observations").json()["collections"]}
    argo, dsg = collections["argo-5900865"], collections["argo-5900865-dsg"]
    assert dsg["kind"] == "dsg" and dsg["available"] is True
    for key in ("bbox", "time_extent", "profile_count", "platform_count"):
        assert dsg[key] == argo[key]
    with xr.open_dataset(SAMPLES / "5900865_dsg.nc") as ds:
        assert dsg["profile_count"] == ds.sizes["profile"] == 80


@pytest.mark.parametrize(
    "search",
    [{}, {"bbox": "112,-12,116,-9"}, {"start": "2006-01-01", "end": "2006-06-30"}],
)
def test_searches_find_the_same_profiles(client: TestClient, search: dict[str, str]) -> None:
    found = {}
    for base in (ARGO, DSG):
        body = client.get(f"{base}/observations", params={**search, "limit": 100}).json()
        found[base] = [(f["id"], f["geometry"], f["properties"]["time"]) for f in body["features"]]
        assert all(f["properties"]["feature_type"] == "profile" for f in body["features"])
    assert found[DSG] == found[ARGO] != []


def test_every_profile_answers_the_argo_files_values(client: TestClient) -> None:
    ids = [f["id"] for f in client.get(f"{DSG}/observations?limit=100").json()["features"]]
    assert len(ids) == 80
    for profile_id in ids:
        for qc in ("good", "all"):
            argo = client.get(f"{ARGO}/observations/{profile_id}", params={"qc": qc}).json()
            dsg = client.get(f"{DSG}/observations/{profile_id}", params={"qc": qc}).json()
            assert {k: v for k, v in dsg.items() if k not in NOT_IN_CF} == {
                k: v for k, v in argo.items() if k not in NOT_IN_CF
            }
            assert (dsg["cycle"], dsg["data_mode"], dsg["adjusted"]) == (-1, "", False)
    # Not vacuous: the flagged values of profile 34 are masked in both.
    flagged = client.get(f"{DSG}/observations/5900865_034").json()
    assert "4" in flagged["temperature_qc"]
    assert flagged["temperature"][flagged["temperature_qc"].index("4")] is None


def test_the_platform_and_its_track_are_the_same(client: TestClient) -> None:
    argo = client.get(f"{ARGO}/platforms/5900865").json()
    dsg = client.get(f"{DSG}/platforms/5900865").json()
    assert dsg["track"] == argo["track"]
    assert (dsg["profile_count"], dsg["first"], dsg["last"]) == (
        argo["profile_count"],
        argo["first"],
        argo["last"],
    )


def test_time_series_are_listed_with_their_range(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    write_series(tmp_path / "moorings.nc", "timeSeries")
    client = scratch_client(tmp_path, make_client, entry("moorings.nc"))
    body = client.get("/api/v1/datasets/moorings/observations").json()
    assert [f["id"] for f in body["features"]] == ["M1", "M2", "M3"]
    first = body["features"][2]
    assert first["geometry"]["coordinates"] == [179.5, 47.0]
    assert first["properties"]["feature_type"] == "timeSeries"
    assert first["properties"]["time"] == "2021-06-29T00:00:00Z"
    assert first["properties"]["time_end"] == "2021-06-29T20:00:00Z"
    assert first["properties"]["levels"] == 6
    # Found by a time range inside its own (it overlaps), not after it.
    inside = client.get("/api/v1/datasets/moorings/observations?start=2021-06-29T10:00Z").json()
    assert inside["numberMatched"] == 3
    after = client.get("/api/v1/datasets/moorings/observations?start=2021-06-30").json()
    assert after["numberMatched"] == 0
    (listed,) = client.get("/api/v1/observations").json()["collections"]
    assert listed["time_extent"]["end"] == "2021-06-29T20:00:00Z"
    platform = client.get("/api/v1/datasets/moorings/platforms/moorings").json()
    assert (platform["first"], platform["last"]) == ("2021-06-29T00:00:00Z", "2021-06-29T20:00:00Z")
    series = client.get("/api/v1/datasets/moorings/observations/M1").json()
    assert series["feature_type"] == "timeSeries"  # its values: tests/api/test_dsg_series.py


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda ds: ds.drop_attrs(deep=False), "bad.nc has no featureType attribute"),
        (
            lambda ds: ds.assign_attrs(featureType="timeSeriesProfile"),
            "bad.nc has featureType 'timeSeriesProfile', not one served",
        ),
        (lambda ds: ds.drop_vars("row_size"), "bad.nc: no count variable (sample_dimension)"),
    ],
)
def test_a_bad_file_leaves_the_collection_unavailable_with_the_reason(
    tmp_path: Path, make_client: Callable[..., TestClient], edit: Any, reason: str
) -> None:
    write_profiles(tmp_path / "bad.nc", Source(), "contiguous", edit=edit)
    client = scratch_client(tmp_path, make_client, entry("bad.nc", "bad"))
    (listed,) = client.get("/api/v1/observations").json()["collections"]
    assert listed["available"] is False and listed["kind"] == "dsg"
    assert reason in listed["unavailable_reason"]
    response = client.get("/api/v1/datasets/bad/observations")
    assert response.status_code == 503
    assert reason in response.json()["detail"]
    assert client.get("/api/v1/datasets/ersst-v5").status_code == 200


def test_the_readme_example_is_what_the_service_answers(client: TestClient) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("#### CF discrete sampling geometry files", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    url = command.split('"')[1].removeprefix("http://127.0.0.1:8000")
    response = client.get(url)
    assert response.status_code == 200
    assert response.text.replace("http://testserver", "http://127.0.0.1:8000") == "\n".join(shown)
