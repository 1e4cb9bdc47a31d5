"""CF timeSeries and trajectory features served at …/observations/{id}: their samples in time
order with every standard-named variable, QC as for profiles, CSV and NetCDF that read back,
a trajectory's track from its samples split at 180°, and bad input named.

The files are written here in two layouts each (time series: orthogonal multidimensional and a
shuffled indexed ragged array; trajectories: contiguous ragged and incomplete
multidimensional) from the plain arrays of ``STATIONS`` and ``DRIFTERS``; the expected values
are those arrays as xarray reads them back from the written file.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gsw
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fastapi.testclient import TestClient

from catalog.observations import dsg
from tests.api.test_dsg import entry, scratch_client
from tests.conftest import SAMPLES
from tools import make_series_sample

TIMES = pd.date_range("2021-06-29", periods=8, freq="3h")
QARTOD = {
    "flag_values": np.array([1, 2, 3, 4, 9], dtype=np.int8),
    "flag_meanings": "pass not_evaluated suspect fail missing",
}
STATIONS = {
    "ids": ["S1", "S2"],
    "lon": np.array([-20.0, 179.5]),
    "lat": np.array([45.0, 47.0]),
    # per station and time
    "pres": np.array([50.0 + np.arange(8) * 0.5, 80.0 + np.arange(8) * 0.25], dtype=np.float32),
    "temp": np.array([10.0 + np.arange(8) * 0.25, 15.0 - np.arange(8) * 0.5], dtype=np.float32),
    "psal": np.array([35.0 + np.arange(8) * 0.01, 34.5 + np.arange(8) * 0.02], dtype=np.float32),
    "wspd": np.array([np.arange(8) * 1.5, 20.0 - np.arange(8)], dtype=np.float32),
    "temp_qc": np.array([[1, 1, 3, 1, 4, 1, 9, 1], [1] * 8], dtype=np.int8),
    "pres_qc": np.array([[1, 1, 1, 1, 1, 4, 1, 1], [1] * 8], dtype=np.int8),
}
DRIFTERS = {
    "ids": ["D1", "D2"],
    "count": [5, 3],
    "time": [TIMES[:5], TIMES[2:5]],
    "lon": [np.array([178.0, 179.0, 179.8, -179.6, -178.9]), np.array([-30.0, -30.2, -30.4])],
    "lat": [np.array([10.0, 10.2, 10.4, 10.5, 10.7]), np.array([5.0, 5.1, 5.2])],
    "temp": [300.15 + np.arange(5) * 0.1, 290.15 + np.arange(3) * 0.2],  # kelvin
    "atmp": [np.arange(5) + 20.0, np.arange(3) + 15.0],
    "position_qc": [np.array([1, 1, 1, 1, 1]), np.array([1, 4, 1])],
}
STATION_LAYOUTS = ("orthogonal", "indexed")
DRIFTER_LAYOUTS = ("contiguous", "multidimensional")


def write_stations(path: Path, layout: str, edit: Any = None) -> Path:
    """Two moorings (timeSeries) with pressure, temperature, salinity and wind speed."""
    s = STATIONS
    station = {
        "station": (("station",), np.array(s["ids"], dtype=object), {"cf_role": "timeseries_id"}),
        "lat": (("station",), s["lat"], {"standard_name": "latitude", "units": "degrees_north"}),
        "lon": (("station",), s["lon"], {"standard_name": "longitude", "units": "degrees_east"}),
    }
    attrs = {
        "pres": {"standard_name": "sea_water_pressure", "units": "dbar", "positive": "down"},
        "temp": {"standard_name": "sea_water_temperature", "units": "degC"},
        "psal": {"standard_name": "sea_water_practical_salinity", "units": "1"},
        "wspd": {"standard_name": "wind_speed", "units": "m s-1"},
        "temp_qc": dict(QARTOD),
        "pres_qc": dict(QARTOD),
    }
    attrs["pres"]["ancillary_variables"] = "pres_qc"
    attrs["temp"]["ancillary_variables"] = "temp_qc"
    if layout == "orthogonal":
        variables: dict[str, Any] = {
            **station,
            "time": (("time",), TIMES.values, {"standard_name": "time"}),
            **{k: (("station", "time"), s[k], attrs[k]) for k in attrs},
        }
    else:  # indexed ragged, samples shuffled (so not in time order)
        owner = np.repeat([0, 1], 8)
        step = np.tile(np.arange(8), 2)
        order = np.random.default_rng(22).permutation(16)
        owner, step = owner[order], step[order]
        variables = {
            **station,
            "station_index": (("obs",), owner.astype(np.int32), {"instance_dimension": "station"}),
            "time": (("obs",), TIMES.values[step], {"standard_name": "time"}),
            **{k: (("obs",), s[k][owner, step], attrs[k]) for k in attrs},
        }
    ds = xr.Dataset(variables, attrs={"featureType": "timeSeries", "platform": "moorings"})
    if edit is not None:
        ds = edit(ds)
    ds.to_netcdf(path)
    return path


def write_drifters(path: Path, layout: str) -> Path:
    """Two surface drifters (trajectory, no z), temperature in kelvin, position flags."""
    d = DRIFTERS
    attrs = {
        "time": {"standard_name": "time"},
        "lon": {"standard_name": "longitude", "units": "degrees_east"},
        "lat": {"standard_name": "latitude", "units": "degrees_north", "ancillary_variables": "pq"},
        "temp": {"standard_name": "sea_water_temperature", "units": "K"},
        "atmp": {"standard_name": "air_temperature", "units": "degC"},
        "pq": dict(QARTOD),
    }
    columns = {"time": "time", "lon": "lon", "lat": "lat", "temp": "temp", "atmp": "atmp"}
    columns["pq"] = "position_qc"
    ids = ("trajectory",), np.array(d["ids"], dtype=object), {"cf_role": "trajectory_id"}
    if layout == "contiguous":
        variables: dict[str, Any] = {
            "trajectory": ids,
            "row_size": (("trajectory",), np.array(d["count"]), {"sample_dimension": "obs"}),
            **{
                k: (("obs",), np.concatenate([np.asarray(v) for v in d[c]]), attrs[k])
                for k, c in columns.items()
            },
        }
    else:  # incomplete multidimensional: D2 padded with missing values

        def padded(values: list[Any], fill: Any) -> np.ndarray:
            out = np.full((2, 5), fill, dtype=np.asarray(values[0]).dtype)
            for i, v in enumerate(values):
                out[i, : len(v)] = np.asarray(v)
            return out

        variables = {
            "trajectory": ids,
            **{
                k: (
                    ("trajectory", "obs"),
                    padded(
                        d[c], np.datetime64("NaT") if k == "time" else -1 if k == "pq" else np.nan
                    ),
                    attrs[k],
                )
                for k, c in columns.items()
            },
        }
    encoding = {"pq": {"dtype": "int8", "_FillValue": np.int8(-1)}}
    xr.Dataset(variables, attrs={"featureType": "trajectory"}).to_netcdf(path, encoding=encoding)
    return path


def read_back(path: Path, layout: str, i: int) -> pd.DataFrame:
    """Feature ``i``'s samples as xarray reads the written file, by time (the expectation)."""
    with xr.open_dataset(path) as ds:
        if layout == "orthogonal":
            samples = ds.drop_vars(["station", "lat", "lon"]).isel(station=i)
        elif layout == "indexed":
            samples = ds.isel(obs=np.flatnonzero(ds["station_index"].values == i))
        elif layout == "contiguous":
            start = int(ds["row_size"].values[:i].sum())
            samples = ds.isel(obs=slice(start, start + int(ds["row_size"].values[i])))
        else:
            samples = ds.isel(trajectory=i)
            samples = samples.isel(obs=np.flatnonzero(~np.isnat(samples["time"].values)))
        dim = "time" if layout == "orthogonal" else "obs"
        names = [n for n, v in samples.variables.items() if v.dims == (dim,)]
        frame = pd.DataFrame({n: samples[n].values for n in names})
    return frame.sort_values("time", kind="stable").reset_index(drop=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("series")
    for layout in STATION_LAYOUTS:
        write_stations(folder / f"stations_{layout}.nc", layout)
    for layout in DRIFTER_LAYOUTS:
        write_drifters(folder / f"drifters_{layout}.nc", layout)
    return folder


@pytest.fixture
def series_client(
    folder: Path, tmp_path: Path, make_client: Callable[..., TestClient]
) -> TestClient:
    for file in folder.iterdir():
        (tmp_path / file.name).symlink_to(file)
    entries = [entry(f"stations_{x}.nc", f"stations-{x}") for x in STATION_LAYOUTS]
    entries += [entry(f"drifters_{x}.nc", f"drifters-{x}") for x in DRIFTER_LAYOUTS]
    return scratch_client(tmp_path, make_client, *entries)


def _f32(values: Any) -> list[float]:
    return [float(v) for v in np.asarray(values, dtype=np.float32)]


def _iso(times: pd.DatetimeIndex) -> list[str]:
    return [t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in times]


@pytest.mark.parametrize("layout", STATION_LAYOUTS)
def test_a_time_series_answers_the_files_values(
    series_client: TestClient, folder: Path, layout: str
) -> None:
    base = f"/api/v1/datasets/stations-{layout}/observations"
    s = STATIONS
    for i, sid in enumerate(s["ids"]):
        file = read_back(folder / f"stations_{layout}.nc", layout, i)
        body = series_client.get(f"{base}/{sid}", params={"qc": "all"}).json()
        assert (body["feature_type"], body["id"], body["platform"]) == (
            "timeSeries",
            sid,
            "moorings",
        )
        assert body["samples"] == 8 and body["times"] == _iso(pd.DatetimeIndex(file["time"]))
        assert body["times"] == _iso(TIMES)  # in time order, though the indexed file is not
        assert (body["lon"], body["lat"]) == (s["lon"][i], s["lat"][i])
        v = body["variables"]
        assert list(v) == ["pressure", "depth", "temperature", "salinity", "wspd"]
        assert v["pressure"]["values"] == list(file["pres"].astype(float))
        assert v["temperature"]["values"] == list(file["temp"].astype(float))
        assert v["salinity"]["values"] == list(file["psal"].astype(float))
        assert v["wspd"] == {
            "standard_name": "wind_speed",
            "units": "m s-1",
            "values": list(file["wspd"].astype(float)),
            "qc": None,
        }
        depth = -gsw.z_from_p(file["pres"].to_numpy(np.float64), s["lat"][i])
        np.testing.assert_allclose(v["depth"]["values"], depth, rtol=0, atol=1e-9)
        assert v["temperature"]["qc"] == [str(f) for f in file["temp_qc"]]
        assert v["pressure"]["qc"] == [str(f) for f in file["pres_qc"]]
        assert v["salinity"]["qc"] is None  # no flag variable
        assert v["temperature"]["values"] == _f32(s["temp"][i])  # the arrays written


def test_qc_good_masks_what_the_flags_call_not_good(series_client: TestClient) -> None:
    for layout in STATION_LAYOUTS:
        body = series_client.get(f"/api/v1/datasets/stations-{layout}/observations/S1").json()
        v = body["variables"]
        assert body["qc"] == "good"
        # temperature flags 1 1 3 1 4 1 9 1 (pass, suspect, fail, missing); pressure 4 at step 5
        kept = np.array([1, 1, 0, 1, 0, 0, 0, 1], dtype=bool)
        temp = STATIONS["temp"][0]
        assert v["temperature"]["values"] == [
            float(t) if k else None for t, k in zip(temp, kept, strict=True)
        ]
        for name in ("pressure", "depth", "salinity", "wspd"):  # the failed pressure's sample
            assert v[name]["values"][5] is None
            assert sum(x is None for x in v[name]["values"]) == 1
        assert v["temperature"]["qc"] == [str(f) for f in STATIONS["temp_qc"][0]]
    # A trajectory's position flagged fail: null with qc=good, kept with qc=all.
    for layout in DRIFTER_LAYOUTS:
        url = f"/api/v1/datasets/drifters-{layout}/observations/D2"
        good, every = (series_client.get(url, params={"qc": qc}).json() for qc in ("good", "all"))
        assert good["lon"] == [-30.0, None, -30.4] and good["lat"] == [5.0, None, 5.2]
        assert every["lon"] == [-30.0, -30.2, -30.4]
        assert good["position_qc"] == every["position_qc"] == ["1", "4", "1"]


@pytest.mark.parametrize("layout", DRIFTER_LAYOUTS)
def test_a_trajectory_answers_the_files_values(
    series_client: TestClient, folder: Path, layout: str
) -> None:
    base = f"/api/v1/datasets/drifters-{layout}/observations"
    listed = series_client.get(base).json()["features"]
    assert [(f["id"], f["properties"]["levels"]) for f in listed] == [("D1", 5), ("D2", 3)]
    for i, did in enumerate(DRIFTERS["ids"]):
        file = read_back(folder / f"drifters_{layout}.nc", layout, i)
        body = series_client.get(f"{base}/{did}", params={"qc": "all"}).json()
        assert (body["feature_type"], body["platform"]) == ("trajectory", did)
        assert body["times"] == _iso(pd.DatetimeIndex(file["time"]))
        assert body["lon"] == list(file["lon"]) and body["lat"] == list(file["lat"])
        assert body["lon"] == list(DRIFTERS["lon"][i])  # the arrays written
        assert body["position_qc"] == [str(f) for f in file["pq"].astype(int)]
        assert list(body["variables"]) == ["temperature", "atmp"]  # no z
        temperature = body["variables"]["temperature"]
        assert temperature["units"] == "degC"  # the file's kelvin converted
        np.testing.assert_allclose(temperature["values"], file["temp"] - 273.15, atol=1e-12)
        assert body["variables"]["atmp"]["values"] == list(file["atmp"])
        assert body["variables"]["atmp"]["standard_name"] == "air_temperature"


def test_csv_is_a_row_per_sample(series_client: TestClient) -> None:
    url = "/api/v1/datasets/stations-indexed/observations/S1"
    response = series_client.get(url, params={"f": "csv", "qc": "all"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(response.text), dtype={"temperature_qc": str})
    assert list(table.columns) == [
        "id",
        "platform",
        "feature_type",
        "time",
        "longitude [degrees_east]",
        "latitude [degrees_north]",
        "pressure [dbar]",
        "pressure_qc",
        "depth [m]",
        "temperature [degC]",
        "temperature_qc",
        "salinity [1]",
        "wspd [m s-1]",
    ]
    body = series_client.get(url, params={"qc": "all"}).json()
    assert list(table["time"]) == body["times"]
    assert (table["id"] == "S1").all() and (table["feature_type"] == "timeSeries").all()
    for name in ("pressure", "temperature", "salinity"):
        column = next(c for c in table.columns if c.startswith(f"{name} ["))
        # the file's float32, written in the shortest text that reads back as it
        assert _f32(table[column]) == _f32(body["variables"][name]["values"])
    assert list(table["temperature_qc"]) == body["variables"]["temperature"]["qc"]
    masked = pd.read_csv(io.StringIO(series_client.get(url, params={"f": "csv"}).text))
    assert masked["temperature [degC]"].isna().sum() == 4


@pytest.mark.parametrize(
    ("dataset", "feature"), [("stations-orthogonal", "S2"), ("drifters-multidimensional", "D2")]
)
def test_netcdf_is_the_feature_as_cf_and_reads_back(
    series_client: TestClient, tmp_path: Path, dataset: str, feature: str
) -> None:
    url = f"/api/v1/datasets/{dataset}/observations/{feature}"
    response = series_client.get(url, params={"f": "nc", "qc": "all"})
    assert response.status_code == 200
    assert f'filename="{dataset}-{feature}.nc"' in response.headers["content-disposition"]
    path = tmp_path / "one.nc"
    path.write_bytes(response.content)
    body = series_client.get(url, params={"qc": "all"}).json()
    with xr.open_dataset(path) as ds:
        assert ds.attrs["featureType"] == body["feature_type"]
        assert list(ds["time"].values) == list(pd.DatetimeIndex(body["times"]).tz_convert(None))
        for name, variable in body["variables"].items():
            assert ds[name].attrs["standard_name"] == variable["standard_name"]
            np.testing.assert_array_equal(ds[name].values, np.array(variable["values"], float))
    # Read back by the service's own reader: the same samples, flags and meanings.
    (row,) = dsg.index_features(path).itertuples()
    assert (row.profile_id, row.feature_type, row.n_levels) == (
        feature,
        body["feature_type"],
        body["samples"],
    )
    again = dsg.read_series(path, 0, "all")
    assert _iso(again.time) == body["times"]
    for name, variable in body["variables"].items():
        np.testing.assert_allclose(
            again.variables[name].values, np.array(variable["values"], float)
        )
        assert (list(again.variables[name].qc) if variable["qc"] else None) == variable["qc"]
    if feature == "D2":
        assert list(again.position_qc) == body["position_qc"] == ["1", "4", "1"]
        assert again.position_meanings == {
            "1": "pass",
            "2": "not_evaluated",
            "3": "suspect",
            "4": "fail",
            "9": "missing",
        }


def test_a_trajectory_crossing_180_is_split_in_its_track(series_client: TestClient) -> None:
    track = series_client.get("/api/v1/datasets/drifters-contiguous/platforms/D1").json()["track"]
    crossing = 10.4 + (180.0 - 179.8) / (180.4 - 179.8) * 0.1
    west, east = track["coordinates"]
    assert west[:3] == [[178.0, 10.0], [179.0, 10.2], [179.8, 10.4]]
    assert west[3][0] == 180.0 and east[0][0] == -180.0
    assert west[3][1] == pytest.approx(crossing) == east[0][1]
    assert east[1:] == [[-179.6, 10.5], [-178.9, 10.7]]
    # Its position flagged fail is left out of D2's track (qc=good).
    d2 = series_client.get("/api/v1/datasets/drifters-contiguous/platforms/D2").json()
    assert d2["track"]["coordinates"] == [[[-30.0, 5.0], [-30.4, 5.2]]]


def _several_depths(ds: xr.Dataset) -> xr.Dataset:
    """S1's samples 3 and 4 at one time, at two pressures: a timeSeriesProfile."""
    times = ds["time"].values.copy()
    first = np.flatnonzero(ds["station_index"].values == 0)
    at = first[np.argsort(times[first])]
    times[at[4]] = times[at[3]]
    return ds.assign(time=("obs", times, ds["time"].attrs))


@pytest.mark.parametrize(
    ("url", "status", "name", "reason"),
    [
        (
            "several/observations/S1",
            400,
            "profile_id",
            "several depths per time is a timeSeriesProfile",
        ),
        ("stations-orthogonal/observations/S1?f=covjson", 400, "f", "time series or trajectory"),
        ("stations-orthogonal/observations/S1?qc=best", 400, "qc", ""),
        ("stations-orthogonal/observations?f=csv", 400, "f", "ask each of them at"),
        ("stations-orthogonal/observations/S9", 404, None, "has no profile 'S9'"),
        ("drifters-contiguous/platforms/D5", 404, None, "has no platform 'D5'"),
    ],
)
def test_bad_input_is_named(
    folder: Path,
    tmp_path: Path,
    make_client: Callable[..., TestClient],
    url: str,
    status: int,
    name: str | None,
    reason: str,
) -> None:
    for file in folder.iterdir():
        (tmp_path / file.name).symlink_to(file)
    write_stations(tmp_path / "several.nc", "indexed", _several_depths)
    client = scratch_client(
        tmp_path,
        make_client,
        entry("several.nc", "several"),
        entry("stations_orthogonal.nc", "stations-orthogonal"),
        entry("drifters_contiguous.nc", "drifters-contiguous"),
    )
    response = client.get(f"/api/v1/datasets/{url}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    if name is None:
        assert reason in problem["detail"]
    else:
        (param,) = problem["invalid_params"]
        assert param["name"] == name and reason in param["reason"]
    # S2 of the same file has one pressure per time: served.
    assert client.get("/api/v1/datasets/several/observations/S2").status_code == 200


# ------------------------------------------------------------- the bundled sample (ERSST)

SERIES = "/api/v1/datasets/ersst-series"


def test_the_bundled_stations_are_ersst_at_their_cells(client: TestClient) -> None:
    listed = client.get(f"{SERIES}/observations").json()
    assert {f["id"]: f["properties"]["feature_type"] for f in listed["features"]} == {
        "EQ-140W": "timeSeries",
        "NA-26W": "timeSeries",
        "IO-80E": "timeSeries",
        "drifter-165E": "trajectory",
    }
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ersst:
        for sid, (lon, lat) in make_series_sample.STATIONS.items():
            body = client.get(f"{SERIES}/observations/{sid}").json()
            cell = ersst["sst"].sel(lon=lon % 360, lat=lat)
            assert body["times"] == _iso(pd.DatetimeIndex(cell["time"].values))
            assert (body["lon"], body["lat"], body["samples"]) == (lon, lat, 128)
            assert body["variables"]["sst"]["values"] == [float(v) for v in cell.values]
            assert body["variables"]["sst"]["standard_name"] == "sea_surface_temperature"


def test_the_bundled_drifter_is_ersst_along_its_path_and_its_track_splits_at_180(
    client: TestClient,
) -> None:
    body = client.get(f"{SERIES}/observations/drifter-165E").json()
    times, lon, lat = make_series_sample.drifter_path()
    assert body["times"] == _iso(times) and body["lon"] == list(lon) and body["lat"] == list(lat)
    with xr.open_dataset(SAMPLES / "sst.mnmean.nc") as ersst:
        for day in (0, 149, 150, 151, 364):  # either side of 180°
            month = times[day].to_period("M").to_timestamp()
            cell = ersst["sst"].sel(time=month, lon=lon[day] % 360, lat=lat[day], method="nearest")
            assert body["variables"]["sst"]["values"][day] == float(cell)
    track = client.get(f"{SERIES}/platforms/drifter-165E").json()["track"]["coordinates"]
    west, east = track
    assert west[0] == [165.0, 35.0] and west[-1][0] == 180.0 and east[0][0] == -180.0
    assert east[-1] == [lon[-1], lat[-1]]
    assert all(abs(b[0] - a[0]) < 1 for line in track for a, b in itertools.pairwise(line))
    # 365 positions, and the crossing point twice (180 and -180)
    assert sum(len(line) for line in track) == 365 + 2


def test_the_readme_example_is_what_the_service_answers(client: TestClient) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    section = readme.split("#### Time series and trajectories", 1)[1].split("\n#### ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.strip().splitlines()
    url = command.split('"')[1].removeprefix("http://127.0.0.1:8000")
    lines = int(command.rsplit("head -", 1)[1])  # the command shows the first lines
    response = client.get(url)
    assert response.status_code == 200
    assert response.text.splitlines()[:lines] == shown


def test_the_listing_says_which_feature_types_a_collection_holds(client: TestClient) -> None:
    listed = {c["id"]: c for c in client.get("/api/v1/observations").json()["collections"]}
    assert listed["argo-5900865"]["feature_types"] == ["profile"]
    assert listed["argo-5900865-dsg"]["feature_types"] == ["profile"]
    assert listed["ersst-series"]["feature_types"] == ["timeSeries", "trajectory"]
