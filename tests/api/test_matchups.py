"""Model-observation matchups: the GLORYS-made profiles against GLORYS give back the offsets
they were made with, the pairs are GLORYS's values, QC masking reaches them, and bad input is a
problem naming the parameter."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gsw
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG
from tests.conftest import SAMPLES, sample_entries, write_catalog

M = "/api/v1/datasets/glorys/matchups"
OBS = {"observations": "glorys-matchup"}
TEMPERATURE_BIAS = -0.5  # model - obs: the file's potential temperature is GLORYS + 0.5
SALINITY_BIAS = -0.05  # the file's salinity is GLORYS + 0.05
FLOAT = 1e-6
GLORYS_DAY = np.datetime64("2021-06-29T00:00")


@pytest.fixture(scope="module")
def glorys() -> xr.Dataset:
    with xr.open_dataset(SAMPLES / "GLORYS_coarse_test_data.nc") as ds:
        return ds.load()


@pytest.fixture(scope="module")
def obs() -> xr.Dataset:
    with xr.open_dataset(SAMPLES / "glorys_matchup_prof.nc") as ds:
        return ds.load()


def matchup(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(M, params={**OBS, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def stats(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["variable"]: s for s in body["statistics"]}


def good_counts(obs: xr.Dataset, within: np.timedelta64) -> dict[str, int]:
    """Levels flagged 1 of the profiles within ``within`` of the GLORYS day, per variable."""
    near = np.abs(obs.JULD.values - GLORYS_DAY) <= within
    return {
        name: int((obs[f"{stem}_ADJUSTED_QC"].values[near] == b"1").sum())
        for name, stem in (("thetao", "TEMP"), ("so", "PSAL"))
    }


def test_the_stated_offsets_come_back(client: TestClient, obs: xr.Dataset) -> None:
    body = matchup(client)
    by_name = stats(body)
    for name, bias in (("thetao", TEMPERATURE_BIAS), ("so", SALINITY_BIAS)):
        assert by_name[name]["bias"] == pytest.approx(bias, abs=FLOAT)
        assert by_name[name]["rmse"] == pytest.approx(abs(bias), abs=FLOAT)
    counts = good_counts(obs, np.timedelta64(1, "D"))
    assert by_name["thetao"]["n"] == counts["thetao"] == 47
    assert by_name["so"]["n"] == counts["so"] == 48
    assert "pt0_from_t" in by_name["thetao"]["conversion"]
    assert body["method"]["difference"].startswith("model - observation")
    # Every pair, not only the mean, is the offset.
    pairs = pd.DataFrame(body["pairs"])
    expected = pairs["variable"].map({"thetao": TEMPERATURE_BIAS, "so": SALINITY_BIAS})
    assert np.abs(pairs["difference"] - expected).max() < 2 * FLOAT
    assert len(pairs) == 47 + 48


def test_pairs_are_glorys_values_at_the_cell_and_level(
    client: TestClient, glorys: xr.Dataset, obs: xr.Dataset
) -> None:
    pairs = pd.DataFrame(matchup(client)["pairs"])
    lons, lats = glorys.longitude.values, glorys.latitude.values
    levels = glorys.depth.values
    ids = [
        f"{int(p):07d}_{int(c):03d}"
        for p, c in zip(obs.PLATFORM_NUMBER.values, obs.CYCLE_NUMBER.values, strict=True)
    ]
    for row in pairs.itertuples():
        i = int(np.argmin(np.abs(lons - row.model_lon)))
        j = int(np.argmin(np.abs(lats - row.model_lat)))
        k = int(np.argmin(np.abs(levels - row.depth)))
        assert (row.model_lon, row.model_lat) == (float(lons[i]), float(lats[j]))
        assert (row.obs_lon, row.obs_lat) == (row.model_lon, row.model_lat)  # cell centres
        assert row.depth == pytest.approx(float(levels[k]), abs=1e-3)
        value = float(glorys[row.variable].values[k, j, i])
        assert row.model == pytest.approx(value, abs=FLOAT)
        # The observed value is the file's, converted as the answer says.
        n = ids.index(str(row.profile_id))
        level = int(np.nanargmin(np.abs(obs.PRES_ADJUSTED.values[n] - row.pressure)))
        salinity = float(obs.PSAL_ADJUSTED.values[n, level])
        if row.variable == "so":
            assert row.observed == salinity
        else:
            sa = gsw.SA_from_SP(salinity, row.pressure, row.obs_lon, row.obs_lat)
            t = float(obs.TEMP_ADJUSTED.values[n, level])
            assert row.observed == pytest.approx(float(gsw.pt0_from_t(sa, t, row.pressure)))
        assert pd.Timestamp(str(row.model_time)) == pd.Timestamp("2021-06-29T00:00Z")


def test_flagged_values_are_left_out_and_qc_all_shows_them(client: TestClient) -> None:
    good = pd.DataFrame(matchup(client)["pairs"])
    every = pd.DataFrame(matchup(client, qc="all")["pairs"])
    keys = ["profile_id", "variable", "pressure"]
    extra = every.merge(good[keys], on=keys, how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"]
    # The generator's bad values: three temperatures 3 °C too warm, two salinities 1 too fresh.
    assert sorted(extra["variable"]) == ["so", "so", "thetao", "thetao", "thetao"]
    spikes = extra.set_index("variable")["difference"]
    assert np.allclose(spikes["so"], SALINITY_BIAS + 1.0, atol=FLOAT)
    assert np.allclose(spikes["thetao"], TEMPERATURE_BIAS - 3.0, atol=0.01)  # 3 °C in situ


def test_profiles_outside_the_tolerance_are_skipped_and_counted(
    client: TestClient, obs: xr.Dataset
) -> None:
    body = matchup(client)
    assert (body["profiles_found"], body["profiles_matched"]) == (11, 10)
    ((reason, ids),) = [(s["reason"], s["profile_ids"]) for s in body["skipped"]]
    assert "P1D" in reason
    late = np.abs(obs.JULD.values - GLORYS_DAY) > np.timedelta64(1, "D")
    assert ids == [
        f"{int(p):07d}_{int(c):03d}"
        for p, c in zip(
            obs.PLATFORM_NUMBER.values[late], obs.CYCLE_NUMBER.values[late], strict=True
        )
    ]
    six_hours = matchup(client, tolerance="PT6H")
    near = np.abs(obs.JULD.values - GLORYS_DAY) <= np.timedelta64(6, "h")
    assert six_hours["profiles_matched"] == int(near.sum())
    assert stats(six_hours)["so"]["n"] == good_counts(obs, np.timedelta64(6, "h"))["so"]
    assert stats(six_hours)["so"]["bias"] == pytest.approx(SALINITY_BIAS, abs=FLOAT)


def test_the_argo_float_is_a_400_naming_tolerance_with_both_ranges(client: TestClient) -> None:
    response = client.get(M, params={"observations": "argo-5900865"})
    assert response.status_code == 400
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    (param,) = problem["invalid_params"]
    assert param["name"] == "tolerance"
    assert "2005-08-28T06:28:07Z/2007-10-27T06:41:18Z" in param["reason"]
    assert "2021-06-29T00:00:00Z" in param["reason"]


def test_csv_is_one_row_per_pair(client: TestClient) -> None:
    body = matchup(client)
    response = client.get(M, params={**OBS, "f": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(response.text))
    pairs = pd.DataFrame(body["pairs"])
    assert len(table) == len(pairs)
    assert np.array_equal(table["difference"].to_numpy(), pairs["difference"].to_numpy())
    assert list(table["obs_time"]) == list(pairs["obs_time"])
    assert set(table.loc[table["variable"] == "thetao", "units"]) == {"degC"}


def test_the_mesh_sample_gives_the_same_offsets(client: TestClient) -> None:
    """GLORYS on a mesh (glorys-mesh: the nodes are GLORYS cells, without a time): the same
    offsets, and the late profile is matched too (a model without time matches any)."""
    response = client.get("/api/v1/datasets/glorys-mesh/matchups", params=OBS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["profiles_matched"] == 11 and body["skipped"] == []
    for name, bias in (("thetao", TEMPERATURE_BIAS), ("so", SALINITY_BIAS)):
        assert stats(body)[name]["bias"] == pytest.approx(bias, abs=FLOAT)


def test_a_climatology_matches_by_time_of_year(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    """The profiles moved three years back: refused against GLORYS, matched against GLORYS
    declared a climatology, with the same offsets."""
    shutil.copy(SAMPLES / "GLORYS_coarse_test_data.nc", tmp_path)
    with xr.open_dataset(SAMPLES / "glorys_matchup_prof.nc", decode_times=False) as ds:
        shifted = ds.load()
    shifted["JULD"] = shifted["JULD"] - 1096  # to 2018-06-29 (2020 is a leap year)
    shifted.to_netcdf(tmp_path / "old_prof.nc")
    entries = {e["id"]: e for e in sample_entries()}
    collection = {**entries["glorys-matchup"], "id": "old", "source": {"argo": "old_prof.nc"}}
    plain = entries["glorys"]
    climatology = {**plain, "id": "glorys-clim", "climatology": True}
    client = make_client(write_catalog(tmp_path, [plain, climatology, collection]))
    refused = client.get(M, params={"observations": "old"})
    assert refused.status_code == 400
    assert refused.json()["invalid_params"][0]["name"] == "tolerance"
    response = client.get("/api/v1/datasets/glorys-clim/matchups", params={"observations": "old"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["method"]["climatology"] is True
    assert body["profiles_matched"] == 10
    for name, bias in (("thetao", TEMPERATURE_BIAS), ("so", SALINITY_BIAS)):
        assert stats(body)[name]["bias"] == pytest.approx(bias, abs=FLOAT)


@pytest.mark.parametrize(
    ("params", "status", "name"),
    [
        ({}, 400, "observations"),
        ({"observations": "nope"}, 400, "observations"),
        ({**OBS, "tolerance": "1 day"}, 400, "tolerance"),
        ({**OBS, "tolerance": "PT"}, 400, "tolerance"),
        ({**OBS, "tolerance": "P1DT"}, 400, "tolerance"),
        ({**OBS, "tolerance": "P602387DT2861H7385930635146174M"}, 400, "tolerance"),  # overflows
        ({**OBS, "variables": "uo"}, 400, "variables"),
        ({**OBS, "qc": "best"}, 400, "qc"),
        ({**OBS, "f": "nc"}, 400, "f"),
        ({**OBS, "bbox": "10,20,30"}, 400, "bbox"),
        ({**OBS, "start": "2021-07-01", "end": "2021-06-01"}, 400, "end"),
        ({**OBS, "variables": "salt"}, 404, None),
        ({**OBS, "bbox": "100,0,110,10"}, 404, None),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(
    client: TestClient, params: dict[str, str], status: int, name: str | None
) -> None:
    response = client.get(M, params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if name is not None:
        assert name in [p["name"] for p in response.json()["invalid_params"]]


def test_a_dataset_without_temperature_or_salinity_is_a_400(client: TestClient) -> None:
    response = client.get("/api/v1/datasets/ersst-v5/matchups", params=OBS)
    assert response.status_code == 400
    assert response.json()["invalid_params"][0]["name"] == "variables"


def test_the_readme_example_is_what_the_service_answers(client: TestClient) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("### Model-observation matchups", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    url = command.split('"')[1].removeprefix("http://127.0.0.1:8000")
    response = client.get(url)
    assert response.status_code == 200
    assert response.text.strip() == "\n".join(shown)


def test_profiles_matched_in_time_but_off_the_grid_are_no_data(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    """The Argo float against GLORYS as a climatology: some profiles are near 29 June, in
    another year, but all are in the Indian Ocean, off the GLORYS grid."""
    shutil.copy(SAMPLES / "GLORYS_coarse_test_data.nc", tmp_path)
    shutil.copy(SAMPLES / "5900865_prof.nc", tmp_path)
    entries = {e["id"]: e for e in sample_entries()}
    climatology = {**entries["glorys"], "climatology": True}
    client = make_client(write_catalog(tmp_path, [climatology, entries["argo-5900865"]]))
    response = client.get(M, params={"observations": "argo-5900865", "tolerance": "P10D"})
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/no-data"
    assert "outside the model's grid" in response.json()["detail"]


def test_a_matchup_past_the_value_limit_is_a_413_before_reading(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(SAMPLES / "catalog.yaml", max_values=50)  # 55 levels x 2 variables
    response = client.get(M, params=OBS)
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/selection-too-large"
    assert "bbox, start, end or platform" in response.json()["detail"]


@pytest.mark.parametrize("f", ["json", "csv"])
def test_a_large_matchup_runs_in_a_data_worker_with_the_same_answer(
    client: TestClient, make_client: Callable[..., TestClient], f: str
) -> None:
    """A matchup is a data job: small ones are answered in the API process, larger ones (here
    any: inline_max_values=10) in a data worker, with the same bytes; HEAD says where."""
    params = {"observations": "glorys-matchup", "f": f}
    inline = client.get(M, params=params)
    assert inline.status_code == 200, inline.text
    assert inline.headers["server-timing"] == 'source;desc="inline"'
    small = make_client(DEFAULT_CATALOG, data={"inline_max_values": 10})
    worker = small.get(M, params=params)
    assert worker.status_code == 200, worker.text
    assert worker.headers["server-timing"] == 'source;desc="worker"'
    assert worker.content == inline.content
    head = small.head(M, params=params)
    assert head.status_code == 200 and head.headers["server-timing"] == 'source;desc="worker"'
    too_many = make_client(DEFAULT_CATALOG, max_values=50)
    refused = too_many.get(M, params=params)
    assert refused.status_code == 413 and "Narrow the search" in refused.json()["detail"]
