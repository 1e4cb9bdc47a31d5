"""EDR over the Argo sample: the collection's metadata, its locations (the float) and items
(its 80 profiles, paged on the server), and area, cube and radius selecting profiles; every
value equal to the file's adjusted one read here with xarray (flagged values null), and bad
input answered 4xx naming the parameter."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gsw
import netCDF4
import numpy as np
import pandas as pd
import pytest
import shapely
import xarray as xr
from covjson_pydantic.coverage import Coverage, CoverageCollection
from fastapi.testclient import TestClient
from pyproj import Geod

from tests.conftest import (
    SAMPLES,
    profile_collections,
    sample_entries,
    sample_entry,
    write_catalog,
)

C = "/edr/collections/argo-5900865"
GOOD = ["1", "2", "5", "8"]


@pytest.fixture(scope="module")
def argo() -> xr.Dataset:
    with xr.open_dataset(SAMPLES / "5900865_prof.nc") as ds:
        return ds.load()


def table(ds: xr.Dataset) -> pd.DataFrame:
    """Each profile's id, file row, time and position, by time, straight from the file."""
    cycles = ds.CYCLE_NUMBER.values.astype(int)
    return pd.DataFrame(
        {
            "profile_id": [f"5900865_{c:03d}" for c in cycles],
            "row": np.arange(ds.sizes["N_PROF"]),
            "time": pd.DatetimeIndex(ds.JULD.values).tz_localize("UTC"),
            "lon": ds.LONGITUDE.values.astype(float),
            "lat": ds.LATITUDE.values.astype(float),
        }
    ).sort_values(["time", "profile_id"], ignore_index=True)


def expected(ds: xr.Dataset, row: int) -> dict[str, np.ndarray]:
    """A profile's levels as the EDR answers must hold them: the adjusted values (the sample
    is all delayed mode) at the levels with a pressure, NaN where the flag is not good, depth
    from the adjusted pressure with gsw; levels without a depth left out."""
    assert ds.DATA_MODE.values[row] == b"D"
    levels = np.isfinite(ds.PRES.values[row])
    out: dict[str, np.ndarray] = {}
    for name, var in (("pressure", "PRES"), ("temperature", "TEMP"), ("salinity", "PSAL")):
        values = ds[f"{var}_ADJUSTED"].values[row][levels].astype(np.float64)
        flags = ds[f"{var}_ADJUSTED_QC"].values[row][levels].astype(str)
        out[name] = np.where(np.isin(flags, GOOD), values, np.nan)
        out[f"{name}_qc"] = flags
    pressure_good = np.isin(out["pressure_qc"], GOOD)
    for name in ("temperature", "salinity"):
        out[name] = np.where(pressure_good, out[name], np.nan)
    depth = -gsw.z_from_p(out["pressure"], float(ds.LATITUDE.values[row]))
    placed = np.isfinite(depth)
    return {k: v[placed] for k, v in {**out, "depth": depth}.items()}


def numbers(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def get(client: TestClient, url: str, **params: Any) -> Any:
    response = client.get(url, params=params) if params else client.get(url)
    assert response.status_code == 200, response.text
    return response


# ----------------------------------------------------------------------------- metadata


def test_the_collection_is_listed_with_its_extent_and_queries(
    client: TestClient, argo: xr.Dataset
) -> None:
    listing = get(client, "/edr/collections").json()["collections"]
    by_id = {c["id"]: c for c in listing}
    observed = profile_collections()
    assert list(by_id)[-len(observed) :] == observed  # after the gridded ones
    for gridded in ("ersst-v5", "glorys", "wcofs", "giops", "glorys-mesh"):  # unchanged
        assert set(by_id[gridded]["data_queries"]) == {
            "position",
            "area",
            "cube",
            "trajectory",
            "radius",
        }
    described = get(client, C).json()
    assert described == by_id["argo-5900865"]
    assert set(described["data_queries"]) == {
        "locations",
        "items",
        "area",
        "cube",
        "trajectory",
        "corridor",
        "radius",
    }
    for name, query in described["data_queries"].items():
        assert query["link"]["href"] == f"http://testserver{C}/{name}"
    lon, lat = argo.LONGITUDE.values, argo.LATITUDE.values
    (bbox,) = described["extent"]["spatial"]["bbox"]
    assert bbox == pytest.approx([lon.min(), lat.min(), lon.max(), lat.max()])
    times = table(argo)["time"]
    iso = [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]
    temporal = described["extent"]["temporal"]
    assert temporal["interval"] == [[iso[0], iso[-1]]]
    assert temporal["values"] == iso
    parameters = described["parameter_names"]
    assert set(parameters) == {"temperature", "salinity", "pressure"}
    assert parameters["temperature"]["observedProperty"]["id"].endswith(
        "/standard_name/sea_water_temperature/"
    )
    assert parameters["salinity"]["observedProperty"]["label"] == "sea_water_practical_salinity"
    assert parameters["temperature"]["unit"]["symbol"] == "degC"
    assert described["output_formats"] == ["CoverageJSON", "GeoJSON", "CSV"]
    document = get(client, "/edr/api").json()
    operation = document["paths"]["/edr/collections/{collectionId}/items"]["get"]
    (collection_id,) = [p for p in operation["parameters"] if p["name"] == "collectionId"]
    assert "argo-5900865" in collection_id["schema"]["enum"]


# ----------------------------------------------------------------------------- items


def test_items_page_every_profile_exactly_once(client: TestClient, argo: xr.Dataset) -> None:
    seen: list[str] = []
    url: str | None = f"{C}/items?limit=7"
    pages = 0
    while url is not None:
        response = get(client, url)
        assert response.headers["content-type"] == "application/geo+json"
        body = response.json()
        assert body["type"] == "FeatureCollection"
        assert body["numberMatched"] == 80
        assert body["numberReturned"] == len(body["features"]) <= 7
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    assert pages == 12
    files = table(argo)
    assert seen == list(files["profile_id"])  # each once, by time
    last = get(client, f"{C}/items", limit=7, offset=77).json()
    assert [link["rel"] for link in last["links"]] == ["self", "prev"]
    first = get(client, f"{C}/items", limit=1).json()["features"][0]
    row = files.iloc[0]
    assert first["geometry"]["coordinates"] == pytest.approx([row.lon, row.lat])
    assert pd.Timestamp(first["properties"]["datetime"]) == row.time.floor("s")
    assert first["properties"]["href"] == f"http://testserver{C}/items/{row.profile_id}"


@pytest.mark.parametrize(
    "search",
    [
        {"bbox": "112,-12,116,-9"},
        {"datetime": "2006-01-01T00:00:00Z/2006-06-30T23:59:59Z"},
        {"bbox": "108,-14,112,-11", "datetime": "2006-06-01T00:00:00Z/.."},
        {"datetime": "../2005-12-31T00:00:00Z"},
        {"bbox": "-10,-10,10,10"},
    ],
)
def test_items_search_equals_filtering_the_file(
    client: TestClient, argo: xr.Dataset, search: dict[str, str]
) -> None:
    files = table(argo)
    keep = np.ones(len(files), dtype=bool)
    if "bbox" in search:
        west, south, east, north = (float(v) for v in search["bbox"].split(","))
        keep &= files["lon"].between(west, east) & files["lat"].between(south, north)
    if "datetime" in search:
        start, end = search["datetime"].split("/")
        if start != "..":
            keep &= files["time"] >= pd.Timestamp(start)
        if end != "..":
            keep &= files["time"] <= pd.Timestamp(end)
    body = get(client, f"{C}/items", limit=1000, **search).json()
    assert [f["id"] for f in body["features"]] == list(files.loc[keep, "profile_id"])
    assert body["numberMatched"] == int(keep.sum())


def test_an_item_is_the_files_adjusted_values_with_flagged_ones_null(
    client: TestClient, argo: xr.Dataset
) -> None:
    flagged = sorted({int(r) for r in np.nonzero(argo.TEMP_ADJUSTED_QC.values == b"4")[0]})
    assert flagged, "the sample has temperatures flagged bad"
    row = flagged[0]
    profile_id = f"5900865_{int(argo.CYCLE_NUMBER.values[row]):03d}"
    want = expected(argo, row)
    assert np.isnan(want["temperature"]).any()  # the flagged ones

    feature = get(client, f"{C}/items/{profile_id}").json()  # GeoJSON by default
    assert feature["type"] == "Feature" and feature["id"] == profile_id
    assert feature["geometry"]["coordinates"] == pytest.approx(
        [float(argo.LONGITUDE.values[row]), float(argo.LATITUDE.values[row])]
    )
    properties = feature["properties"]
    for name in ("depth", "temperature", "salinity", "pressure"):
        np.testing.assert_allclose(numbers(properties[name]), want[name], rtol=1e-12)
    assert properties["temperature_qc"] == list(want["temperature_qc"])
    assert feature["properties"]["links"]["coverage"].endswith("f=CoverageJSON")

    response = get(client, f"{C}/items/{profile_id}", f="CoverageJSON")
    assert response.headers["content-type"] == "application/prs.coverage+json"
    coverage = Coverage.model_validate_json(response.content).model_dump(
        mode="json", exclude_none=True
    )
    assert coverage["domain"]["domainType"] == "VerticalProfile"
    axes = coverage["domain"]["axes"]
    np.testing.assert_allclose(axes["z"]["values"], want["depth"], rtol=1e-12)
    assert axes["t"]["values"] == [
        pd.Timestamp(argo.JULD.values[row]).floor("s").strftime("%Y-%m-%dT%H:%M:%SZ")
    ]
    for name in ("temperature", "salinity", "pressure"):
        assert coverage["ranges"][name]["axisNames"] == ["z"]
        got = numbers(coverage["ranges"][name]["values"])
        np.testing.assert_allclose(got, want[name], rtol=1e-12)
    vertical = [r for r in coverage["domain"]["referencing"] if r["coordinates"] == ["z"]]
    (z_system,) = vertical
    (axis,) = z_system["system"]["cs"]["csAxes"]
    assert axis["direction"] == "down" and axis["unit"]["symbol"] == "m"


# ----------------------------------------------------------------------------- locations


def test_locations_are_the_platform_and_its_track(client: TestClient, argo: xr.Dataset) -> None:
    response = get(client, f"{C}/locations")
    assert response.headers["content-type"] == "application/geo+json"
    (feature,) = response.json()["features"]
    assert feature["id"] == "5900865"
    files = table(argo)
    assert feature["geometry"]["type"] == "MultiLineString"
    (line,) = feature["geometry"]["coordinates"]  # the float stays near 110°E
    assert line == [pytest.approx([x, y]) for x, y in zip(files.lon, files.lat, strict=True)]
    properties = feature["properties"]
    assert properties["profile_count"] == 80
    first, last = files["time"].iloc[[0, -1]]
    assert properties["datetime"] == (
        f"{first:%Y-%m-%dT%H:%M:%SZ}/{last.floor('s'):%Y-%m-%dT%H:%M:%SZ}"
    )
    assert properties["href"] == f"http://testserver{C}/locations/5900865"
    elsewhere = get(client, f"{C}/locations", bbox="0,0,10,10").json()
    assert elsewhere["features"] == []
    later = get(client, f"{C}/locations", datetime="2007-01-01T00:00:00Z/..").json()
    assert [f["id"] for f in later["features"]] == ["5900865"]


def test_a_locations_profiles_are_the_files_adjusted_values(
    client: TestClient, argo: xr.Dataset
) -> None:
    response = get(client, f"{C}/locations/5900865")
    assert response.headers["content-type"] == "application/prs.coverage+json"
    body = CoverageCollection.model_validate_json(response.content).model_dump(
        mode="json", exclude_none=True
    )
    files = table(argo)
    assert [c["id"] for c in body["coverages"]] == list(files["profile_id"])
    for coverage, row in zip(body["coverages"], files["row"], strict=True):
        want = expected(argo, int(row))
        assert coverage["domain"]["domainType"] == "VerticalProfile"
        axes = coverage["domain"]["axes"]
        assert axes["x"]["values"] == [pytest.approx(float(argo.LONGITUDE.values[row]))]
        assert axes["y"]["values"] == [pytest.approx(float(argo.LATITUDE.values[row]))]
        np.testing.assert_allclose(axes["z"]["values"], want["depth"], rtol=1e-12)
        for name in ("temperature", "salinity", "pressure"):
            got = numbers(coverage["ranges"][name]["values"])
            np.testing.assert_allclose(got, want[name], rtol=1e-12)
    nulls = sum(v is None for c in body["coverages"] for v in c["ranges"]["temperature"]["values"])
    assert nulls == 13  # the sample's temperatures flagged 4


def test_a_locations_profiles_filtered_by_time_level_and_parameter(
    client: TestClient, argo: xr.Dataset
) -> None:
    files = table(argo)
    interval = "2006-01-01T00:00:00Z/2006-03-31T23:59:59Z"
    inside = files[
        files["time"].between(pd.Timestamp("2006-01-01", tz="UTC"), "2006-03-31T23:59:59Z")
    ]
    assert 3 <= len(inside) < 80
    body = get(
        client,
        f"{C}/locations/5900865",
        datetime=interval,
        z="100/300",
        **{"parameter-name": "temperature"},
    ).json()
    assert [c["id"] for c in body["coverages"]] == list(inside["profile_id"])
    for coverage, row in zip(body["coverages"], inside["row"], strict=True):
        assert list(coverage["ranges"]) == ["temperature"]
        want = expected(argo, int(row))
        levels = (want["depth"] >= 100) & (want["depth"] <= 300)
        np.testing.assert_allclose(
            coverage["domain"]["axes"]["z"]["values"], want["depth"][levels], rtol=1e-12
        )
        got = numbers(coverage["ranges"]["temperature"]["values"])
        np.testing.assert_allclose(got, want["temperature"][levels], rtol=1e-12)
    nothing = client.get(f"{C}/locations/5900865", params={"datetime": "2010-01-01T00:00:00Z"})
    assert nothing.status_code == 204
    deepest = max(expected(argo, int(r))["depth"].max() for r in inside["row"])
    below = client.get(
        f"{C}/locations/5900865", params={"datetime": interval, "z": f"{deepest + 1}/6000"}
    )
    assert below.status_code == 204  # no profile has a level there
    assert client.get(f"{C}/items/5900865_001", params={"z": "5000/6000"}).status_code == 204

    csv = get(client, f"{C}/locations/5900865", datetime=interval, z="10", f="CSV")
    frame = pd.read_csv(io.StringIO(csv.text))
    assert list(frame.columns) == [
        "profile_id",
        "time",
        "longitude [degrees_east]",
        "latitude [degrees_north]",
        "depth [m]",
        "temperature [degC]",
        "salinity [1]",
        "pressure [dbar]",
    ]
    assert list(frame["profile_id"]) == list(inside["profile_id"])  # one level each
    for k, row in enumerate(inside["row"]):
        want = expected(argo, int(row))
        nearest = int(np.argmin(np.abs(want["depth"] - 10)))
        assert frame["depth [m]"].iloc[k] == pytest.approx(want["depth"][nearest], rel=1e-12)
        got = frame["temperature [degC]"].iloc[k]  # the file's float32, written as such
        assert np.float32(got) == np.float32(want["temperature"][nearest])


# ----------------------------------------------------------------------------- shapes


def ids_of(body: dict[str, Any]) -> list[str]:
    return [c["id"] for c in body["coverages"]]


def test_area_cube_and_radius_select_the_profiles_positioned_inside(
    client: TestClient, argo: xr.Dataset
) -> None:
    files = table(argo)
    polygon = "POLYGON((113 -12,117 -12,117 -9,113 -12))"
    inside = shapely.intersects_xy(shapely.from_wkt(polygon), files.lon, files.lat)
    assert 0 < inside.sum() < 80
    area = get(client, f"{C}/area", coords=polygon, z="0/50").json()
    assert area["type"] == "CoverageCollection"
    assert ids_of(area) == list(files.loc[inside, "profile_id"])
    for coverage in area["coverages"]:
        assert all(0 <= z <= 50 for z in coverage["domain"]["axes"]["z"]["values"])

    in_box = files.lon.between(110, 114) & files.lat.between(-13, -10)
    cube = get(client, f"{C}/cube", bbox="110,-13,114,-10", z="500").json()
    assert ids_of(cube) == list(files.loc[in_box, "profile_id"])
    for coverage, row in zip(cube["coverages"], files.loc[in_box, "row"], strict=True):
        want = expected(argo, int(row))
        nearest = int(np.argmin(np.abs(want["depth"] - 500)))
        assert coverage["domain"]["axes"]["z"]["values"] == [pytest.approx(want["depth"][nearest])]

    _, _, metres = Geod(ellps="WGS84").inv(
        np.full(len(files), 115.0), np.full(len(files), -10.0), files.lon, files.lat
    )
    near = metres <= 150_000
    assert 0 < near.sum() < 80
    radius = get(
        client, f"{C}/radius", coords="POINT(115 -10)", within="150", **{"within-units": "km"}
    ).json()
    assert ids_of(radius) == list(files.loc[near, "profile_id"])

    nothing = client.get(f"{C}/area", params={"coords": "POLYGON((0 0,1 0,1 1,0 0))"})
    assert nothing.status_code == 204


def test_shapes_and_boxes_across_the_antimeridian(
    tmp_path: Path, make_client: Callable[..., TestClient], argo: xr.Dataset
) -> None:
    """The sample moved to 180°: a polygon drawn past 180°E and a box whose west is east of
    its east find the profiles on both sides, as shapely and pandas find them on the moved
    longitudes; the platform's track is split there."""
    target = tmp_path / "moved_prof.nc"
    shutil.copy(SAMPLES / "5900865_prof.nc", target)
    with netCDF4.Dataset(target, "r+") as nc:
        lon = nc["LONGITUDE"][:].astype(float)
        moved = (lon - lon.mean() + 180.0 + 180.0) % 360.0 - 180.0
        nc["LONGITUDE"][:] = moved
    entry = {
        **{k: v for k, v in sample_entry("argo-5900865").items() if k != "source"},
        "source": {"argo": "moved_prof.nc"},
    }
    shutil.copy(SAMPLES / "sst.mnmean.nc", tmp_path / "sst.mnmean.nc")
    client = make_client(write_catalog(tmp_path, [sample_entries()[0], entry]))
    files = table(argo)
    files["lon"] = moved[files["row"]]
    assert (files.lon > 0).any() and (files.lon < 0).any()

    east = np.where(files.lon < 0, files.lon + 360.0, files.lon)  # past 180°E
    polygon = "POLYGON((178 -14,183 -14,183 -9,178 -9,178 -14))"
    inside = shapely.intersects_xy(shapely.from_wkt(polygon), east, files.lat)
    assert (files.lon[inside] > 0).any() and (files.lon[inside] < 0).any()
    area = get(client, f"{C}/area", coords=polygon, z="10").json()
    assert ids_of(area) == list(files.loc[inside, "profile_id"])

    in_box = ((files.lon >= 179) | (files.lon <= -179)) & files.lat.between(-14, -9)
    assert 0 < in_box.sum() < 80
    page = get(client, f"{C}/items", bbox="179,-14,-179,-9", limit=100).json()
    assert [f["id"] for f in page["features"]] == list(files.loc[in_box, "profile_id"])

    (feature,) = get(client, f"{C}/locations").json()["features"]
    lines = feature["geometry"]["coordinates"]
    assert len(lines) >= 2
    for line in lines:
        assert (np.abs(np.diff([p[0] for p in line])) < 180).all()


def test_accept_chooses_the_format_without_f(client: TestClient) -> None:
    url = f"{C}/items/5900865_001"
    csv = client.get(url, headers={"Accept": "text/csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert "Accept" in csv.headers["vary"]
    covjson = client.get(url, headers={"Accept": "application/prs.coverage+json"})
    assert covjson.json()["domain"]["domainType"] == "VerticalProfile"
    assert client.get(url).headers["content-type"] == "application/geo+json"  # the default
    area = f"{C}/area?coords=POLYGON((113 -12,117 -12,117 -9,113 -12))"
    assert client.get(area).headers["content-type"] == "application/prs.coverage+json"
    refused = client.get(area, headers={"Accept": "application/x-netcdf"})
    assert refused.status_code == 406


def test_head_is_checked_as_the_get_but_reads_no_profile(client: TestClient) -> None:
    url = f"{C}/area?coords=POLYGON((113 -12,117 -12,117 -9,113 -12))"
    head, got = client.head(url), client.get(url)
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.content == b"" and "content-length" not in head.headers
    assert client.head(f"{C}/area?coords=POLYGON((0 0,1 0,1 1,0 0))").status_code == 204
    assert client.head(f"{C}/locations/1234567").status_code == 404


def test_the_readme_example(client: TestClient) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("### Observations over EDR", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    url = command.split('"')[1].removeprefix("http://127.0.0.1:8000")
    assert get(client, url).text.strip() == "\n".join(shown)


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("url", "status", "name"),
    [
        (f"{C}/items?bbox=116,-9,110", 400, "bbox"),
        (f"{C}/items?bbox=110,20,116,-20", 400, "bbox"),
        (f"{C}/items?limit=10001", 400, "limit"),
        (f"{C}/items?limit=0", 400, "limit"),
        (f"{C}/items?datetime=2007-01-01/2006-01-01", 400, "datetime"),
        (f"{C}/locations?bbox=a,b,c,d", 400, "bbox"),
        (f"{C}/locations/5900865?parameter-name=thetao", 400, "parameter-name"),
        (f"{C}/locations/5900865?z=deep", 400, "z"),
        (f"{C}/items/5900865_001?f=NetCDF", 400, "f"),
        (f"{C}/items/5900865_001?colour=red", 400, "colour"),
        (f"{C}/items/5900865_999", 404, None),
        (f"{C}/locations/1234567", 404, None),
        (f"{C}/position?coords=POINT(115 -10)", 400, "collectionId"),
        ("/edr/collections/glorys/items", 400, "collectionId"),
        ("/edr/collections/glorys/locations/5900865", 400, "collectionId"),
        ("/edr/collections/nope/items", 404, None),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(
    client: TestClient, url: str, status: int, name: str | None
) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if name is not None:
        assert name in [p["name"] for p in problem["invalid_params"]]
    if name == "collectionId":  # which query types the collection does answer
        answers = (
            "locations, items, area, cube, trajectory, corridor, radius"
            if C in url
            else "position, area"
        )
        assert answers in problem["detail"]


def test_a_collection_of_time_series_is_not_an_edr_collection(client: TestClient) -> None:
    """ersst-series holds CF time series and a trajectory, no profile: EDR (which answers
    vertical profiles) does not list it, and its id there is a 404 saying where its samples
    are."""
    listed = [c["id"] for c in get(client, "/edr/collections").json()["collections"]]
    assert "ersst-series" not in listed and "argo-5900865" in listed
    for path in ("", "/items", "/locations"):
        refused = client.get(f"/edr/collections/ersst-series{path}")
        assert refused.status_code == 404, path
        assert "/api/v1/datasets/ersst-series/observations" in refused.json()["detail"]
