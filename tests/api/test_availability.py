"""A missing or broken source leaves its dataset unavailable (503) and every other one serving."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import xarray as xr
from fastapi.testclient import TestClient
from httpx2 import Response

from catalog.dataset import CatalogMismatch, OpenDataset
from schemas.catalog import DatasetEntry
from tests.conftest import SAMPLES, sample_entries, write_catalog

D = "/api/v1/datasets"


def break_file(path: Path, how: str) -> None:
    """Make a sample file missing, truncated, or not NetCDF at all."""
    if how == "missing":
        path.unlink()
    elif how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    else:
        path.write_bytes(b"this is not a netcdf file\n" * 100)


@pytest.mark.parametrize("how", ["missing", "truncated", "garbage"])
def test_broken_source_is_unavailable_and_others_serve(
    scratch_samples: Path, make_client: Callable[..., TestClient], how: str
) -> None:
    break_file(scratch_samples / "sst.mnmean.nc", how)
    client = make_client(scratch_samples / "catalog.yaml")

    assert client.get("/ready").json()["datasets_unavailable"] == 1
    listing = {d["id"]: d for d in client.get(D).json()["datasets"]}
    assert listing["ersst-v5"]["available"] is False
    assert listing["ersst-v5"]["unavailable_reason"]
    assert str(scratch_samples) not in listing["ersst-v5"]["unavailable_reason"]
    assert listing["ersst-v5"]["bbox"] is None
    for path in ("", "/variables", "/variables/sst", "/times", "/depths"):
        response = client.get(f"{D}/ersst-v5{path}")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["retry-after"]) >= 0
        assert response.json()["type"] == "/problems/dataset-unavailable"
    for other in ("glorys", "wcofs", "giops"):
        assert listing[other]["available"] is True
        assert client.get(f"{D}/{other}/variables").status_code == 200


def test_source_that_comes_back_is_served_again(
    scratch_samples: Path, make_client: Callable[..., TestClient]
) -> None:
    target = scratch_samples / "nemo_test.nc"
    target.unlink()
    client = make_client(scratch_samples / "catalog.yaml", dataset_retry_seconds=0)
    assert client.get(f"{D}/giops").status_code == 503
    shutil.copy(SAMPLES / "nemo_test.nc", target)
    listing = {d["id"]: d for d in client.get(D).json()["datasets"]}
    assert listing["giops"]["available"] is True
    assert listing["giops"]["grid_kind"] == "curvilinear"
    response = client.get(f"{D}/giops")
    assert response.status_code == 200
    assert response.json()["available"] is True


def test_the_kept_listing_follows_a_source_that_breaks_and_comes_back(
    scratch_samples: Path, make_client: Callable[..., TestClient]
) -> None:
    client = make_client(scratch_samples / "catalog.yaml", dataset_retry_seconds=0)
    before = client.get(D)
    assert all(d["available"] for d in before.json()["datasets"])
    assert client.get(D).content == before.content  # kept, byte for byte
    source = scratch_samples / "sst.mnmean.nc"
    break_file(source, "truncated")
    point = client.get(f"{D}/ersst-v5/data/point", params={"lon": 0, "lat": 0})
    assert point.status_code == 503
    listing = {d["id"]: d for d in client.get(D).json()["datasets"]}
    assert listing["ersst-v5"]["available"] is False
    assert listing["ersst-v5"]["unavailable_reason"]
    shutil.copy(SAMPLES / "sst.mnmean.nc", source)
    assert client.get(D).json() == before.json()  # reopened: a new opening, listed again


def test_catalog_naming_a_variable_the_file_lacks(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    entries = sample_entries()
    entries[1]["source"]["path"] = str(SAMPLES / "GLORYS_coarse_test_data.nc")
    entries[1]["variables"]["temperature"] = {"units": "degC"}
    client = make_client(write_catalog(tmp_path, entries[1:2]))
    response = client.get(f"{D}/glorys")
    assert response.status_code == 503
    assert "temperature" in response.json()["detail"]


def point(client: TestClient, time: str) -> Response:
    return client.get(
        f"{D}/ersst-v5/data/point",
        params={"variables": "sst", "lon": -30, "lat": 20, "time": time},
    )


def test_source_truncated_while_served_is_unavailable_until_restored(
    scratch_samples: Path, make_client: Callable[..., TestClient]
) -> None:
    target = scratch_samples / "sst.mnmean.nc"
    client = make_client(scratch_samples / "catalog.yaml", dataset_retry_seconds=0)
    before = point(client, "2020-06-01")
    assert before.status_code == 200

    break_file(target, "truncated")  # the data of 2020 lay in the part cut off
    for answer in (
        point(client, "2020-04-01"),
        client.get(f"{D}/ersst-v5/plots/map", params={"time": "2020-06-01"}),
        client.get(
            "/edr/collections/ersst-v5/position",
            params={"coords": "POINT(-30 20)", "datetime": "2020-06-01", "f": "CoverageJSON"},
        ),
    ):
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["type"] == "/problems/dataset-unavailable"
        assert "could not be read" in problem["detail"]
        assert str(scratch_samples) not in problem["detail"]
    assert client.get(f"{D}/glorys/variables").status_code == 200  # others serve on

    shutil.copy(SAMPLES / "sst.mnmean.nc", target)
    again = point(client, "2020-06-01")
    assert again.status_code == 200
    assert again.json() == before.json()


def test_a_file_with_nothing_servable_is_unavailable_with_the_reason(
    tmp_path: Path, make_client: Callable[..., TestClient]
) -> None:
    """An Argo profile file (a CF discrete sampling geometry, no grid) added to the catalog as
    a gridded dataset is listed unavailable, saying why, not "available with 0 variables":
    its queries and plots are 503 problems, and the other datasets serve."""
    shutil.copy(SAMPLES / "5900865_prof.nc", tmp_path / "5900865_prof.nc")
    shutil.copy(SAMPLES / "sst.mnmean.nc", tmp_path / "sst.mnmean.nc")
    argo = {
        "id": "argo-5900865",
        "title": "Argo float 5900865",
        "summary": "80 profiles",
        "attribution": "International Argo Program",
        "licence": "Argo data policy",
        "source": {"path": "5900865_prof.nc"},
    }
    client = make_client(write_catalog(tmp_path, [sample_entries()[0], argo]))
    listing = {d["id"]: d for d in client.get(D).json()["datasets"]}
    assert listing["argo-5900865"]["available"] is False
    assert listing["argo-5900865"]["bbox"] is None
    reason = listing["argo-5900865"]["unavailable_reason"]
    assert "no numeric variable on a latitude/longitude grid" in reason
    assert "featureType 'trajectoryProfile'" in reason
    for path in ("/variables", "/data/point?lon=110&lat=-10", "/plots/map"):
        response = client.get(f"{D}/argo-5900865{path}")
        assert response.status_code == 503, path
        assert response.headers["content-type"] == "application/problem+json"
        assert reason in response.json()["detail"]
    assert client.get(f"{D}/ersst-v5/data/point?lon=-140&lat=0").status_code == 200


def test_a_gridded_file_with_every_variable_hidden_says_so() -> None:
    entry = DatasetEntry.model_validate(
        {**sample_entries()[0], "hidden_variables": ["sst"], "variables": {}}
    )
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ds, pytest.raises(CatalogMismatch) as err:
        OpenDataset.build(entry, ds)
    assert str(err.value) == (
        "the source holds no numeric variable on a latitude/longitude grid (or every one is hidden)"
    )
