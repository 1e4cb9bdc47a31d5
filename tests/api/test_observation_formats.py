"""Observation profiles as files: CSV (a row per level) and CF DSG NetCDF, from a search page
or one profile; their values equal the file's (adjusted where the data mode says), masked as
``qc`` says; negotiated by Accept; large pages answered by a data worker with the same bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import cf_xarray  # noqa: F401  (registers the .cf accessor)
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from api.settings import DEFAULT_CATALOG
from tests.conftest import SAMPLES

ARGO = SAMPLES / "5900865_prof.nc"
C = "/api/v1/datasets/argo-5900865"
GOOD = set("1258")
TEXT_COLUMNS = (
    "profile_id",
    "platform",
    "direction",
    "data_mode",
    "position_qc",
    "time_qc",
    "pressure_qc",
    "temperature_qc",
    "salinity_qc",
)


@pytest.fixture(scope="module")
def argo() -> xr.Dataset:
    with xr.open_dataset(ARGO) as ds:
        return ds.load()


def file_levels(argo: xr.Dataset, qc: str) -> pd.DataFrame:
    """Every level of every profile straight from the file with xarray: the adjusted values
    (the sample is all delayed mode), masked as the API's qc says, in the API's order."""
    assert set(argo.DATA_MODE.values) == {b"D"}
    rows = []
    for row in range(argo.sizes["N_PROF"]):
        keep = np.isfinite(argo.PRES.values[row])
        flags = {
            v: np.array([f.decode() for f in argo[f"{v}_ADJUSTED_QC"].values[row][keep]])
            for v in ("PRES", "TEMP", "PSAL")
        }
        values = {v: argo[f"{v}_ADJUSTED"].values[row][keep].astype(float) for v in flags}
        if qc == "good":
            good_p = np.isin(flags["PRES"], list(GOOD))
            values["PRES"] = np.where(good_p, values["PRES"], np.nan)
            for v in ("TEMP", "PSAL"):
                values[v] = np.where(np.isin(flags[v], list(GOOD)) & good_p, values[v], np.nan)
        rows.append(
            pd.DataFrame(
                {
                    "profile_id": f"5900865_{int(argo.CYCLE_NUMBER.values[row]):03d}",
                    "time": pd.Timestamp(argo.JULD.values[row]),
                    "pressure": values["PRES"],
                    "pressure_qc": flags["PRES"],
                    "temperature": values["TEMP"],
                    "temperature_qc": flags["TEMP"],
                    "salinity": values["PSAL"],
                    "salinity_qc": flags["PSAL"],
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    return table.sort_values(["time", "profile_id"], kind="stable").reset_index(drop=True)


def read_nc(content: bytes, folder: Path) -> xr.Dataset:
    path = folder / "answer.nc"
    path.write_bytes(content)
    with xr.open_dataset(path) as ds:
        return ds.load()


def read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(
        io.StringIO(text),
        dtype=dict.fromkeys(
            (
                "profile_id",
                "platform",
                "pressure_qc",
                "temperature_qc",
                "salinity_qc",
                "data_mode",
                "direction",
            ),
            str,
        ),
    )


@pytest.mark.parametrize("qc", ["good", "all"])
def test_a_search_as_csv_is_every_level_of_the_page(
    client: TestClient, argo: xr.Dataset, qc: str
) -> None:
    response = client.get(f"{C}/observations", params={"f": "csv", "limit": 100, "qc": qc})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    got = read_csv(response.text)
    assert list(got.columns[10:]) == [
        "pressure [dbar]",
        "pressure_qc",
        "depth [m]",
        "temperature [degC]",
        "temperature_qc",
        "salinity [1]",
        "salinity_qc",
    ]
    want = file_levels(argo, qc)
    assert len(got) == len(want) == int(np.isfinite(argo.PRES.values).sum())
    assert list(got["profile_id"]) == list(want["profile_id"])
    for name, header in (
        ("pressure", "pressure [dbar]"),
        ("temperature", "temperature [degC]"),
        ("salinity", "salinity [1]"),
    ):
        # written as float32's shortest text: equal to the file's float32 values
        np.testing.assert_array_equal(
            got[header].to_numpy(np.float32), want[name].to_numpy(np.float32)
        )
        assert list(got[f"{name}_qc"]) == list(want[f"{name}_qc"])
    masked = got["temperature [degC]"].isna().sum()
    assert (masked > 0) if qc == "good" else (masked == want["temperature"].isna().sum())
    times = pd.to_datetime(got["time"]).dt.tz_convert(None)
    np.testing.assert_array_equal(times.to_numpy(), want["time"].dt.floor("s").to_numpy())


def test_a_page_as_cf_dsg_netcdf(client: TestClient, argo: xr.Dataset, tmp_path: Path) -> None:
    response = client.get(
        f"{C}/observations", params={"f": "nc", "limit": 10, "offset": 20, "qc": "all"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-netcdf"
    assert "argo-5900865-observations.nc" in response.headers["content-disposition"]
    ds = read_nc(response.content, tmp_path)
    assert ds.attrs["featureType"] == "profile" and ds.attrs["Conventions"] == "CF-1.8"
    assert ds.cf.cf_roles == {"profile_id": ["profile_id"]}
    assert ds["row_size"].attrs["sample_dimension"] == "obs"
    assert ds.cf["sea_water_temperature"].name == "temperature"
    want = file_levels(argo, "all")
    ids = want["profile_id"].drop_duplicates().tolist()[20:30]
    assert list(ds.profile_id.values) == ids
    page = want[want.profile_id.isin(ids)]
    assert int(ds.row_size.sum()) == len(page) == ds.sizes["obs"]
    np.testing.assert_array_equal(ds.temperature.values, page.temperature.to_numpy())
    np.testing.assert_array_equal(ds.salinity.values, page.salinity.to_numpy())
    flags = ds.temperature_qc.values.astype(int).astype(str)
    assert list(flags) == list(page.temperature_qc)
    assert ds.temperature_qc.attrs["flag_meanings"].split()[4] == "bad_data"
    # the ragged array's first profile is the page's first, level for level
    first = client.get(f"{C}/observations/{ids[0]}", params={"qc": "all"}).json()
    n = int(ds.row_size.values[0])
    np.testing.assert_allclose(ds.depth.values[:n], np.array(first["depth"], dtype=float))
    assert ds.time.values[0] == np.datetime64(pd.Timestamp(first["time"]).tz_convert(None))


def test_one_profile_as_csv_and_netcdf(
    client: TestClient, argo: xr.Dataset, tmp_path: Path
) -> None:
    want = file_levels(argo, "good")
    profile_id = want.profile_id.iloc[-1]
    rows = want[want.profile_id == profile_id]
    as_csv = client.get(f"{C}/observations/{profile_id}", params={"f": "csv"})
    assert as_csv.status_code == 200, as_csv.text
    got = read_csv(as_csv.text)
    assert set(got.profile_id) == {profile_id} and len(got) == len(rows)
    np.testing.assert_array_equal(
        got["salinity [1]"].to_numpy(np.float32), rows.salinity.to_numpy(np.float32)
    )
    as_nc = client.get(f"{C}/observations/{profile_id}", params={"f": "nc"})
    assert f"argo-5900865-{profile_id}.nc" in as_nc.headers["content-disposition"]
    ds = read_nc(as_nc.content, tmp_path)
    np.testing.assert_array_equal(ds.temperature.values, rows.temperature.to_numpy())


def test_the_accept_header_chooses_when_f_is_absent(client: TestClient) -> None:
    one = f"{C}/observations/5900865_001"
    as_csv = client.get(one, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "Accept" in as_csv.headers["vary"]
    as_nc = client.get(f"{C}/observations?limit=2", headers={"Accept": "application/netcdf"})
    assert as_nc.headers["content-type"] == "application/x-netcdf"
    plain = client.get(f"{C}/observations?limit=2", headers={"Accept": "*/*"})
    assert plain.headers["content-type"] == "application/geo+json"
    assert client.get(one, headers={"Accept": "*/*"}).json()["profile_id"] == "5900865_001"
    refused = client.get(f"{C}/observations", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"
    assert "text/csv" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("path", "param"),
    [
        (f"{C}/observations?f=xml", "f"),
        (f"{C}/observations/5900865_001?f=geojson", "f"),
        (f"{C}/observations?f=csv&qc=best", "qc"),
    ],
)
def test_bad_formats_name_the_parameter(client: TestClient, path: str, param: str) -> None:
    response = client.get(path)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert param in response.text


def test_an_unknown_profile_as_a_file_is_404(client: TestClient) -> None:
    response = client.get(f"{C}/observations/5900865_999", params={"f": "nc"})
    assert response.status_code == 404
    assert "5900865_001" in response.json()["detail"]


def test_a_large_page_runs_in_a_data_worker_with_the_same_bytes(
    client: TestClient, make_client: Callable[..., TestClient]
) -> None:
    inline = client.get(f"{C}/observations", params={"f": "csv", "limit": 100})
    assert inline.headers["server-timing"] == 'source;desc="inline"'
    small = make_client(DEFAULT_CATALOG, data={"inline_max_values": 100})
    worker = small.get(f"{C}/observations", params={"f": "csv", "limit": 100})
    assert worker.status_code == 200, worker.text
    assert worker.headers["server-timing"] == 'source;desc="worker"'
    assert worker.content == inline.content


def test_a_page_over_the_value_limit_is_413_before_reading(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    limited = make_client(DEFAULT_CATALOG, max_values=1000)
    response = limited.get(f"{C}/observations", params={"f": "nc", "limit": 100})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "fewer profiles" in response.json()["detail"]
    assert limited.get(f"{C}/observations", params={"f": "csv", "limit": 2}).status_code == 200


def test_a_geojson_page_is_the_documented_model(client: TestClient) -> None:
    """The page is written without a model per feature; it still validates as the schema the
    document gives, every feature with its links and instants as the models write them."""
    from schemas.observations import ProfileCollection

    body = client.get(f"{C}/observations", params={"limit": 80}).json()
    page = ProfileCollection.model_validate(body)
    assert page.model_dump(mode="json", exclude_none=False)["features"] == body["features"]
    assert body["features"][0]["properties"]["href"].endswith(
        f"{C}/observations/{body['features'][0]['id']}"
    )


def test_one_profile_as_coveragejson(client: TestClient, argo: xr.Dataset) -> None:
    want = file_levels(argo, "good")
    profile_id = want.profile_id.iloc[0]
    rows = want[want.profile_id == profile_id]
    response = client.get(f"{C}/observations/{profile_id}", params={"f": "covjson"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/prs.coverage+json"
    body = response.json()
    assert body["type"] == "Coverage" and body["domain"]["domainType"] == "VerticalProfile"
    one = client.get(f"{C}/observations/{profile_id}").json()
    depths = [d for d in one["depth"] if d is not None]
    assert body["domain"]["axes"]["z"]["values"] == pytest.approx(depths)
    temperature = body["ranges"]["temperature"]["values"]
    good = rows[rows.pressure.notna()]
    assert temperature == [None if np.isnan(v) else pytest.approx(v) for v in good.temperature]
    negotiated = client.get(
        f"{C}/observations/{profile_id}", headers={"Accept": "application/prs.coverage+json"}
    )
    assert negotiated.json() == body


def test_a_page_past_the_end_is_an_empty_file(client: TestClient, tmp_path: Path) -> None:
    """Paging past the last profile answers what an empty GeoJSON page is: a file with no
    profile (the CSV's header, a CF file with zero-length dimensions), not an error."""
    past = {"offset": 500, "limit": 10}
    as_csv = client.get(f"{C}/observations", params={**past, "f": "csv"})
    assert as_csv.status_code == 200 and len(read_csv(as_csv.text)) == 0
    as_nc = client.get(f"{C}/observations", params={**past, "f": "nc"})
    assert as_nc.status_code == 200, as_nc.text
    ds = read_nc(as_nc.content, tmp_path)
    assert ds.sizes["profile"] == 0 and ds.sizes["obs"] == 0
    assert ds.attrs["featureType"] == "profile"
    geojson = client.get(f"{C}/observations", params=past).json()
    assert geojson["numberReturned"] == 0 and geojson["numberMatched"] == 80
