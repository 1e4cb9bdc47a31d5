"""Observation collections through the API: the Argo sample's 80 profiles listed, searched and
paged, each profile's values equal to the file's adjusted ones with their QC flags, the float's
track, and bad input answered 4xx naming the parameter."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from tests.conftest import SAMPLES, sample_entries, sample_entry, write_catalog

ARGO = SAMPLES / "5900865_prof.nc"
C = "/api/v1/datasets/argo-5900865"


@pytest.fixture(scope="module")
def argo() -> xr.Dataset:
    with xr.open_dataset(ARGO) as ds:
        return ds.load()


def argo_entry() -> dict[str, Any]:
    """The bundled catalog's entry of the Argo float."""
    return sample_entry("argo-5900865")


def positions(ds: xr.Dataset) -> pd.DataFrame:
    """Each profile's id, time and position, read with xarray straight from the file."""
    cycles = ds.CYCLE_NUMBER.values.astype(int)
    return pd.DataFrame(
        {
            "profile_id": [f"5900865_{c:03d}" for c in cycles],
            "time": pd.DatetimeIndex(ds.JULD.values).tz_localize("UTC"),
            "lon": ds.LONGITUDE.values,
            "lat": ds.LATITUDE.values,
        }
    ).sort_values(["time", "profile_id"])


def features(client: TestClient, **params: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    response = client.get(f"{C}/observations", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body: dict[str, Any] = response.json()
    return body["features"], body


def test_the_collection_is_listed_with_its_extent(client: TestClient, argo: xr.Dataset) -> None:
    collections = client.get("/api/v1/observations").json()["collections"]
    (listed,) = [c for c in collections if c["id"] == "argo-5900865"]
    assert listed["available"] is True and listed["kind"] == "argo"
    assert listed["profile_count"] == 80 and listed["platform_count"] == 1
    lon, lat = argo.LONGITUDE.values, argo.LATITUDE.values
    assert listed["bbox"] == pytest.approx([lon.min(), lat.min(), lon.max(), lat.max()])
    times = pd.DatetimeIndex(argo.JULD.values)
    assert pd.Timestamp(listed["time_extent"]["start"]) == times.min().tz_localize("UTC")
    assert pd.Timestamp(listed["time_extent"]["end"]) == times.max().tz_localize("UTC")
    assert listed["links"]["observations"].endswith(f"{C}/observations")
    # Not a gridded dataset: the gridded listing does not have it.
    ids = [d["id"] for d in client.get("/api/v1/datasets").json()["datasets"]]
    assert "argo-5900865" not in ids


def test_every_profile_once_across_pages(client: TestClient, argo: xr.Dataset) -> None:
    expected = positions(argo)
    seen: list[str] = []
    url: str | None = f"{C}/observations?limit=7"
    pages = 0
    while url is not None:
        response = client.get(url)
        body = response.json()
        assert body["numberMatched"] == 80
        assert body["numberReturned"] == len(body["features"]) <= 7
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    assert pages == 12
    assert seen == list(expected["profile_id"])  # each once, by time
    first = next(iter(client.get(f"{C}/observations?limit=1").json()["features"]))
    row = expected.iloc[0]
    assert first["geometry"]["coordinates"] == pytest.approx([row.lon, row.lat])
    assert pd.Timestamp(first["properties"]["time"]) == row.time


@pytest.mark.parametrize(
    "search",
    [
        {"bbox": "112,-12,116,-9"},
        {"start": "2006-01-01", "end": "2006-06-30T23:59:59Z"},
        {"bbox": "108,-14,112,-11", "start": "2006-06-01"},
        {"platform": "5900865", "end": "2005-12-31"},
        {"platform": "1234567"},
    ],
)
def test_search_equals_filtering_the_file(
    client: TestClient, argo: xr.Dataset, search: dict[str, str]
) -> None:
    table = positions(argo)
    keep = np.ones(len(table), dtype=bool)
    if "bbox" in search:
        west, south, east, north = (float(v) for v in search["bbox"].split(","))
        keep &= table["lon"].between(west, east) & table["lat"].between(south, north)
    if "start" in search:
        keep &= table["time"] >= pd.Timestamp(search["start"], tz="UTC")
    if "end" in search:
        keep &= table["time"] <= pd.Timestamp(search["end"]).tz_localize(None).tz_localize("UTC")
    if search.get("platform", "5900865") != "5900865":
        keep &= False
    found, body = features(client, **search, limit=100)
    assert [f["id"] for f in found] == list(table.loc[keep, "profile_id"])
    assert body["numberMatched"] == int(keep.sum())


@pytest.mark.parametrize("row", [0, 17, 79])
def test_a_profile_is_the_files_adjusted_values_with_flags(
    client: TestClient, argo: xr.Dataset, row: int
) -> None:
    profile_id = f"5900865_{int(argo.CYCLE_NUMBER.values[row]):03d}"
    assert argo.DATA_MODE.values[row] == b"D"
    everything = client.get(f"{C}/observations/{profile_id}", params={"qc": "all"}).json()
    assert everything["adjusted"] is True and everything["data_mode"] == "D"
    levels = np.isfinite(argo.PRES.values[row])
    for name, var in (
        ("pressure", "PRES"),
        ("temperature", "TEMP"),
        ("salinity", "PSAL"),
    ):
        got = np.array([np.nan if v is None else v for v in everything[name]], dtype=float)
        want = argo[f"{var}_ADJUSTED"].values[row][levels].astype(float)
        np.testing.assert_array_equal(got, want)
        flags = [f.decode() for f in argo[f"{var}_ADJUSTED_QC"].values[row][levels]]
        assert everything[f"{name}_qc"] == flags
    good = client.get(f"{C}/observations/{profile_id}").json()  # qc=good, the default
    assert good["qc"] == "good"
    for name in ("temperature", "salinity"):
        bad = [f not in "1258" for f in good[f"{name}_qc"]]
        assert all(v is None for v, b in zip(good[name], bad, strict=True) if b)


def test_flagged_values_are_masked_by_default(client: TestClient, argo: xr.Dataset) -> None:
    """The sample's own values flagged 4 (bad) are null under qc=good, their flags carried; a
    value flagged 4 that the file holds (not a fill) is kept under qc=all."""
    flags = argo.TEMP_ADJUSTED_QC.values
    rows = sorted({int(r) for r, _ in zip(*np.nonzero(flags == b"4"), strict=True)})
    assert rows, "the sample has temperatures flagged bad"
    row = rows[0]
    profile_id = f"5900865_{int(argo.CYCLE_NUMBER.values[row]):03d}"
    good = client.get(f"{C}/observations/{profile_id}").json()
    every = client.get(f"{C}/observations/{profile_id}?qc=all").json()
    bad = [i for i, f in enumerate(every["temperature_qc"]) if f == "4"]
    assert bad and all(good["temperature"][i] is None for i in bad)
    assert good["temperature_qc"] == every["temperature_qc"]
    held = np.isfinite(argo.TEMP_ADJUSTED.values[row][np.isfinite(argo.PRES.values[row])])
    for i in bad:
        assert (every["temperature"][i] is not None) == bool(held[i])


def test_the_platform_and_its_track(client: TestClient, argo: xr.Dataset) -> None:
    (listed,) = client.get(f"{C}/platforms").json()["platforms"]
    assert listed["platform"] == "5900865" and listed["profile_count"] == 80
    body = client.get(f"{C}/platforms/5900865").json()
    (line,) = body["track"]["coordinates"]  # one line: the float stays near 110°E
    table = positions(argo)
    assert line == [
        pytest.approx([lon, lat]) for lon, lat in zip(table.lon, table.lat, strict=True)
    ]


def test_a_track_across_the_antimeridian_is_split(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    """The sample moved to 180°: its positions (in file order, one a cycle) shifted so that
    the float crosses the antimeridian; the track is split there, never across the globe."""
    target = tmp_path / "moved_prof.nc"
    shutil.copy(ARGO, target)
    with netCDF4.Dataset(target, "r+") as nc:  # the file as it is, its longitudes moved
        lon = nc["LONGITUDE"][:].astype(float)
        nc["LONGITUDE"][:] = (lon - lon.mean() + 180.0 + 180.0) % 360.0 - 180.0
    entry = {
        **{k: v for k, v in argo_entry().items() if k != "source"},
        "source": {"argo": "moved_prof.nc"},
    }
    client = make_client(write_catalog(tmp_path, [sample_entries()[0], entry]))
    shutil.copy(SAMPLES / "sst.mnmean.nc", tmp_path / "sst.mnmean.nc")
    lines = client.get(f"{C}/platforms/5900865").json()["track"]["coordinates"]
    assert len(lines) >= 2
    for line in lines:
        steps = np.abs(np.diff([p[0] for p in line]))
        assert (steps < 180).all()  # no segment across the globe
    for before, after in itertools.pairwise(lines):
        assert abs(before[-1][0]) == 180.0 and before[-1][0] == -after[0][0]
        assert before[-1][1] == pytest.approx(after[0][1])


@pytest.mark.parametrize(
    ("url", "status", "names"),
    [
        (f"{C}/observations?bbox=10,20,5", 400, "bbox"),
        (f"{C}/observations?start=yesterday", 400, "start"),
        (f"{C}/observations?start=2007-01-01&end=2006-01-01", 400, "end"),
        (f"{C}/observations?limit=0", 400, "limit"),
        (f"{C}/observations?limit=10001", 400, "limit"),
        (f"{C}/observations/5900865_001?qc=some", 400, "qc"),
        (f"{C}/observations/5900865_999", 404, None),
        (f"{C}/platforms/42", 404, None),
        ("/api/v1/datasets/glorys/observations", 404, None),
        (f"{C}/data/point?lon=110&lat=-10", 404, None),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(
    client: TestClient, url: str, status: int, names: str | None
) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if names is not None:
        assert names in [p["name"] for p in problem["invalid_params"]]
    elif "/observations/" in url or "/platforms/" in url:
        assert problem["type"] == "/problems/observation-not-found"
        assert problem["valid_values"][0].startswith("5900865")
    elif "/data/point" in url:
        assert "observation collection" in problem["detail"]
        assert "/observations" in problem["detail"]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("floats/*_prof.nc", "no Argo profile file matches 'floats/*_prof.nc'"),
        ("sst.mnmean.nc", "not an Argo profile file"),
    ],
)
def test_missing_or_foreign_files_leave_the_collection_unavailable(
    tmp_path: Path, make_client: Callable[..., TestClient], source: str, reason: str
) -> None:
    shutil.copy(SAMPLES / "sst.mnmean.nc", tmp_path / "sst.mnmean.nc")
    entry = {**argo_entry(), "source": {"argo": source}}
    client = make_client(write_catalog(tmp_path, [sample_entries()[0], entry]))
    (listed,) = client.get("/api/v1/observations").json()["collections"]
    assert listed["available"] is False
    assert reason in listed["unavailable_reason"]
    response = client.get(f"{C}/observations")
    assert response.status_code == 503
    assert reason in response.json()["detail"]
    assert client.get("/api/v1/datasets/ersst-v5").status_code == 200


def test_the_readme_example_is_what_the_service_answers(client: TestClient) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("### Observations: Argo floats", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    url = command.split('"')[1].removeprefix("http://127.0.0.1:8000")
    response = client.get(url)
    assert response.status_code == 200
    assert response.text.replace("http://testserver", "http://127.0.0.1:8000") == "\n".join(shown)
