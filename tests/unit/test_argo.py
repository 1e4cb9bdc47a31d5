"""Argo profile files read and indexed (``catalog.observations``) against the bundled float.

The sample (5900865, eastern Indian Ocean, 2005 to 2007) has 80 profiles of 71 levels, all in
delayed mode; copies a test changes (data modes, flags, platform numbers) are written to
``tmp_path`` with netCDF4. Expected values are xarray's reading of the same file.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gsw
import netCDF4
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from catalog.errors import InvalidParameters
from catalog.observations import argo, index
from catalog.observations.index import COLUMNS, from_parquet, search, to_parquet, track
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "5900865_prof.nc"
Edit = Callable[[netCDF4.Dataset], None]


@pytest.fixture(scope="module")
def raw() -> xr.Dataset:
    """The sample as xarray reads it."""
    with xr.open_dataset(SAMPLE) as ds:
        return ds.load()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """The sample's profile table."""
    return argo.index_profiles(SAMPLE)


def edited(tmp_path: Path, edit: Edit, name: str = "copy_prof.nc") -> Path:
    """A copy of the sample changed in place by ``edit``."""
    target = tmp_path / name
    shutil.copy(SAMPLE, target)
    with netCDF4.Dataset(target, "a") as nc:
        edit(nc)
    return target


def text(values: np.ndarray) -> list[str]:
    """xarray's bytes (NaN for a blank) as the stripped strings the index should hold."""
    return [v.decode().strip() if isinstance(v, bytes) else " " for v in values]


def test_every_profile_is_indexed_with_the_files_values(
    table: pd.DataFrame, raw: xr.Dataset
) -> None:
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 80
    assert (table["platform"] == "5900865").all()
    np.testing.assert_array_equal(table["cycle"], raw["CYCLE_NUMBER"].values.astype(int))
    assert table["profile_id"].iloc[0] == "5900865_001"
    assert table["profile_id"].iloc[79] == "5900865_080"
    assert table["profile_id"].is_unique
    expected_time = pd.DatetimeIndex(raw["JULD"].values).tz_localize("UTC")
    np.testing.assert_array_equal(table["time"].to_numpy(), expected_time.to_numpy())
    assert str(table["time"].dtype) == "datetime64[ns, UTC]"
    np.testing.assert_array_equal(table["lon"], raw["LONGITUDE"].values)
    np.testing.assert_array_equal(table["lat"], raw["LATITUDE"].values)
    assert table["lon"].between(107.48, 116.328).all()
    assert list(table["direction"]) == text(raw["DIRECTION"].values) == ["A"] * 80
    assert list(table["data_mode"]) == text(raw["DATA_MODE"].values) == ["D"] * 80
    assert list(table["time_qc"]) == text(raw["JULD_QC"].values)
    assert list(table["position_qc"]) == text(raw["POSITION_QC"].values)
    assert list(table["row"]) == list(range(80))
    assert (table["file"] == str(SAMPLE)).all()
    assert (table["n_levels"] == 71).all()


def test_delayed_mode_profiles_are_the_adjusted_values(raw: xr.Dataset) -> None:
    for row in range(80):
        profile = argo.read_profile(SAMPLE, row, qc="all")
        assert profile.data_mode == "D"
        for values, flags, name in (
            (profile.pressure, profile.pressure_qc, "PRES"),
            (profile.temperature, profile.temperature_qc, "TEMP"),
            (profile.salinity, profile.salinity_qc, "PSAL"),
        ):
            expected = raw[f"{name}_ADJUSTED"].values[row].astype(np.float64)
            np.testing.assert_array_equal(values, expected)
            assert list(flags) == text(raw[f"{name}_ADJUSTED_QC"].values[row])
    # The raw and adjusted values differ, so the above is not true of the raw ones.
    assert not np.array_equal(profile.salinity, raw["PSAL"].values[79].astype(np.float64))


def test_the_samples_flagged_values_are_masked_by_qc_good(raw: xr.Dataset) -> None:
    flagged = raw["TEMP_ADJUSTED_QC"].values == b"4"
    rows = sorted({int(r) for r in np.nonzero(flagged)[0]})
    assert rows == [33, 35]
    for row in rows:
        good = argo.read_profile(SAMPLE, row)
        assert list(np.nonzero(good.temperature_qc == "4")[0]) == list(np.nonzero(flagged[row])[0])
        assert np.isnan(good.temperature[flagged[row]]).all()
        assert np.isfinite(good.temperature[~flagged[row]]).all()


def test_real_time_profiles_are_the_raw_values(tmp_path: Path, raw: xr.Dataset) -> None:
    def real_time(nc: netCDF4.Dataset) -> None:
        for row in (0, 33):
            nc["DATA_MODE"][row] = b"R"
            nc["TEMP"][row] = nc["TEMP"][row] + np.float32(0.5)  # raw now unlike adjusted

    path = edited(tmp_path, real_time)
    assert list(argo.index_profiles(path)["data_mode"].iloc[[0, 1, 33]]) == ["R", "D", "R"]
    for row in (0, 33):
        profile = argo.read_profile(path, row, qc="all")
        assert profile.data_mode == "R"
        for values, flags, name in (
            (profile.pressure, profile.pressure_qc, "PRES"),
            (profile.temperature, profile.temperature_qc, "TEMP"),
            (profile.salinity, profile.salinity_qc, "PSAL"),
        ):
            expected = raw[name].values[row] + np.float32(0.5 if name == "TEMP" else 0)
            np.testing.assert_array_equal(values, expected.astype(np.float64))
            assert list(flags) == text(raw[f"{name}_QC"].values[row])
    # Row 33's raw temperatures flagged 4 are values (the adjusted ones are fill): masked.
    good = argo.read_profile(path, 33)
    bad = raw["TEMP_QC"].values[33] == b"4"
    assert np.isfinite(raw["TEMP"].values[33][bad]).all()
    assert np.isnan(good.temperature[bad]).all()
    np.testing.assert_array_equal(
        good.temperature[~bad], raw["TEMP"].values[33][~bad] + np.float32(0.5)
    )
    # An untouched row keeps its adjusted values.
    np.testing.assert_array_equal(
        argo.read_profile(path, 1).pressure, raw["PRES_ADJUSTED"].values[1].astype(np.float64)
    )


def test_qc_good_keeps_flags_1_2_5_8_and_masks_the_rest(tmp_path: Path, raw: xr.Dataset) -> None:
    row = 5

    def flag(nc: netCDF4.Dataset) -> None:
        nc["TEMP_ADJUSTED_QC"][row, 10] = b"4"
        nc["TEMP_ADJUSTED_QC"][row, 11] = b"3"
        nc["TEMP_ADJUSTED_QC"][row, 12] = b"9"
        nc["TEMP_ADJUSTED_QC"][row, 13] = b"0"
        nc["TEMP_ADJUSTED_QC"][row, 40] = b"2"
        nc["TEMP_ADJUSTED_QC"][row, 41] = b"5"
        nc["TEMP_ADJUSTED_QC"][row, 42] = b"8"
        nc["PSAL_ADJUSTED_QC"][row, 20] = b"4"
        nc["PRES_ADJUSTED_QC"][row, 30] = b"4"  # a bad pressure: the whole level goes

    path = edited(tmp_path, flag)
    every = argo.read_profile(path, row, qc="all")
    good = argo.read_profile(path, row, qc="good")
    temperature = raw["TEMP_ADJUSTED"].values[row].astype(np.float64)
    salinity = raw["PSAL_ADJUSTED"].values[row].astype(np.float64)
    pressure = raw["PRES_ADJUSTED"].values[row].astype(np.float64)
    np.testing.assert_array_equal(every.temperature, temperature)
    np.testing.assert_array_equal(every.salinity, salinity)
    np.testing.assert_array_equal(every.pressure, pressure)
    for profile in (every, good):
        assert list(profile.temperature_qc[[10, 11, 12, 13, 40, 41, 42, 0]]) == list(
            "4390258" + "1"
        )
        assert profile.salinity_qc[20] == "4" and profile.pressure_qc[30] == "4"
    masked_t = [10, 11, 12, 13, 30]
    masked_s = [20, 30]
    assert np.isnan(good.temperature[masked_t]).all()
    assert np.isnan(good.salinity[masked_s]).all()
    assert np.isnan(good.pressure[30]) and np.isnan(good.depth[30])
    kept = np.ones(71, dtype=bool)
    kept[masked_t] = False
    np.testing.assert_array_equal(good.temperature[kept], temperature[kept])
    kept = np.ones(71, dtype=bool)
    kept[masked_s] = False
    np.testing.assert_array_equal(good.salinity[kept], salinity[kept])
    assert np.isfinite(good.temperature[[40, 41, 42]]).all()
    assert np.isnan(good.pressure).sum() == 1


def test_depth_is_gsw_z_from_p_at_the_profiles_latitude(raw: xr.Dataset) -> None:
    for row in (0, 40, 79):
        profile = argo.read_profile(SAMPLE, row)
        pressure = raw["PRES_ADJUSTED"].values[row].astype(np.float64)
        expected = -gsw.z_from_p(pressure, float(raw["LATITUDE"].values[row]))
        np.testing.assert_allclose(profile.depth, expected, rtol=0, atol=1e-9)
        assert 1960 < profile.depth[-1] < profile.pressure[-1]  # depth < pressure at depth


def test_bad_time_or_position_is_nat_or_nan_with_the_flag_carried(tmp_path: Path) -> None:
    def spoil(nc: netCDF4.Dataset) -> None:
        nc["JULD_QC"][1] = b"4"
        nc["JULD_QC"][2] = b"2"
        nc["POSITION_QC"][3] = b"3"
        nc["JULD"][4] = 999999.0  # the fill value
        nc["LONGITUDE"][5] = 200.0  # east of 180: wrapped

    spoilt = argo.index_profiles(edited(tmp_path, spoil))
    clean = argo.index_profiles(SAMPLE)
    assert spoilt["time"].isna().tolist() == [i in (1, 4) for i in range(80)]
    assert spoilt["time_qc"].iloc[1] == "4" and spoilt["time"].iloc[2] == clean["time"].iloc[2]
    assert np.isnan(spoilt["lon"].iloc[3]) and np.isnan(spoilt["lat"].iloc[3])
    assert spoilt["position_qc"].iloc[3] == "3"
    assert spoilt["lon"].iloc[5] == pytest.approx(-160.0)
    profile = argo.read_profile(edited(tmp_path, spoil, "again.nc"), 3)
    assert np.isnan(profile.lat) and profile.position_qc == "3"
    assert np.isfinite(profile.depth).all()  # depth still uses the file's latitude


def test_read_profile_refuses_bad_arguments() -> None:
    with pytest.raises(InvalidParameters) as caught:
        argo.read_profile(SAMPLE, 0, qc="best")  # type: ignore[arg-type]
    assert caught.value.extra["invalid_params"][0]["name"] == "qc"
    with pytest.raises(InvalidParameters) as caught:
        argo.read_profile(SAMPLE, 80)
    assert caught.value.extra["invalid_params"][0]["name"] == "row"


def test_several_files_are_one_table(tmp_path: Path, raw: xr.Dataset) -> None:
    def renumber(nc: netCDF4.Dataset) -> None:
        nc["PLATFORM_NUMBER"][:] = np.tile(np.array(list("6901234 "), dtype="S1"), (80, 1))
        nc["LONGITUDE"][:] = nc["LONGITUDE"][:] - 100.0

    other = edited(tmp_path, renumber, "6901234_prof.nc")
    first = shutil.copy(SAMPLE, tmp_path / "5900865_prof.nc")
    both = argo.index_profiles([first, other])
    assert len(both) == 160 and both["profile_id"].is_unique
    assert list(both["platform"].value_counts().sort_index().items()) == [
        ("5900865", 80),
        ("6901234", 80),
    ]
    second = both.iloc[80:]
    assert list(second["row"]) == list(range(80))
    assert (second["file"] == str(other)).all()
    assert second["profile_id"].iloc[0] == "6901234_001"
    np.testing.assert_allclose(second["lon"], raw["LONGITUDE"].values - 100.0)
    found = search(both, platform="6901234")
    assert list(found.index) == list(range(80, 160))
    item = found.iloc[7]
    profile = argo.read_profile(item["file"], int(item["row"]))
    assert profile.profile_id == item["profile_id"] == "6901234_008"
    assert profile.lon == pytest.approx(raw["LONGITUDE"].values[7] - 100.0)


def test_parquet_round_trip(tmp_path: Path, table: pd.DataFrame) -> None:
    to_parquet(table, tmp_path / "index.parquet")
    back = from_parquet(tmp_path / "index.parquet")
    pd.testing.assert_frame_equal(back, table)


def shifted(table: pd.DataFrame) -> pd.DataFrame:
    """The sample's positions moved 64.5° east: the float now crosses the antimeridian."""
    moved = table.copy()
    lon = table["lon"].to_numpy() + 64.5
    moved["lon"] = np.where(lon > 180, lon - 360, lon)
    return moved


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"bbox": (110, -12, 114, -9)},
            lambda t: t.lon.between(110, 114) & t.lat.between(-12, -9),
        ),
        (
            {"start": dt.datetime(2006, 1, 1), "end": np.datetime64("2006-06-30T23:59:59")},
            lambda t: t.time.between(
                pd.Timestamp("2006-01-01", tz="UTC"), pd.Timestamp("2006-06-30T23:59:59Z")
            ),
        ),
        (
            {"start": pd.Timestamp("2007-01-01", tz="UTC")},
            lambda t: t.time >= pd.Timestamp("2007-01-01", tz="UTC"),
        ),
        ({"platform": "5900865"}, lambda t: t.platform == "5900865"),
        ({"platform": "1234567"}, lambda t: t.platform == "1234567"),
        (
            {"bbox": (108, -15, 116, -5), "end": pd.Timestamp("2006-03-01"), "platform": "5900865"},
            lambda t: (
                t.lon.between(108, 116)
                & t.lat.between(-15, -5)
                & (t.time <= pd.Timestamp("2006-03-01", tz="UTC"))
            ),
        ),
    ],
)
def test_search_matches_pandas_filtering(
    table: pd.DataFrame, kwargs: dict[str, Any], expected: Callable[[pd.DataFrame], pd.Series]
) -> None:
    found = search(table, **kwargs)
    want = table.loc[expected(table)]
    assert 0 < len(want) < 80 or kwargs.get("platform") in ("5900865", "1234567")
    pd.testing.assert_frame_equal(found, want)


def test_search_bounds_are_inclusive(table: pd.DataFrame) -> None:
    one = table.iloc[17]
    bbox = (one.lon, one.lat, one.lon, one.lat)
    assert list(search(table, bbox=bbox)["profile_id"]) == [one.profile_id]
    assert list(search(table, start=one.time, end=one.time)["profile_id"]) == [one.profile_id]
    naive = one.time.tz_convert(None)
    assert list(search(table, start=naive, end=naive)["profile_id"]) == [one.profile_id]


def test_search_box_across_the_antimeridian(table: pd.DataFrame) -> None:
    moved = shifted(table)
    found = search(moved, bbox=(178, -11, -179.5, -8))
    want = moved.loc[((moved.lon >= 178) | (moved.lon <= -179.5)) & moved.lat.between(-11, -8)]
    assert (want.lon < 0).any() and (want.lon > 0).any()
    pd.testing.assert_frame_equal(found, want)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"bbox": (0, 10, 5, -10)}, "bbox"),
        ({"bbox": (0, -100, 5, 10)}, "bbox"),
        ({"bbox": (-190, 0, 5, 10)}, "bbox"),
        ({"start": pd.Timestamp("2007-01-01"), "end": pd.Timestamp("2006-01-01")}, "end"),
        ({"start": np.datetime64("NaT")}, "start"),
    ],
)
def test_search_refuses_bad_bounds(table: pd.DataFrame, kwargs: dict[str, Any], name: str) -> None:
    with pytest.raises(InvalidParameters) as caught:
        search(table, **kwargs)
    assert caught.value.extra["invalid_params"][0]["name"] == name


def test_the_samples_track_is_one_line_in_time_order(table: pd.DataFrame) -> None:
    shuffled = table.sample(frac=1, random_state=1)
    (line,) = track(shuffled, "5900865")
    assert line == list(zip(table["lon"], table["lat"], strict=True))
    assert track(table, "1234567") == []


def test_a_track_across_the_antimeridian_is_split_on_it() -> None:
    times = pd.date_range("2020-01-01", periods=6, freq="10D", tz="UTC")
    synthetic = pd.DataFrame(
        {
            "platform": ["X"] * 5 + ["Y"],
            "cycle": [1, 2, 3, 4, 5, 1],
            "time": times,
            "lon": [178.0, -178.0, -176.0, 179.0, 177.0, 0.0],
            "lat": [10.0, 12.0, 13.0, 14.0, 15.0, 0.0],
        }
    ).iloc[[3, 0, 5, 4, 2, 1]]  # out of time order
    lines = track(synthetic, "X")
    assert lines == [
        [(178.0, 10.0), (180.0, 11.0)],  # eastward: 178 → -178 crosses at 11°N
        [(-180.0, 11.0), (-178.0, 12.0), (-176.0, 13.0), (-180.0, pytest.approx(13.8))],
        [(180.0, pytest.approx(13.8)), (179.0, 14.0), (177.0, 15.0)],  # westward, at 13.8°N
    ]
    for line in lines:  # no step of a line is longer than 180° of longitude
        steps = np.abs(np.diff([lon for lon, _ in line]))
        assert (steps <= 180).all()


@pytest.mark.parametrize("qc", ["good", "all"])
def test_read_profiles_is_read_profile_for_each_row_with_the_file_opened_once(qc: str) -> None:
    rows = [33, 0, 79, 33]  # any order, repeats kept
    many = argo.read_profiles(SAMPLE, rows, qc)  # type: ignore[arg-type]
    assert [p.profile_id for p in many] == [f"5900865_{r + 1:03d}" for r in rows]
    for row, got in zip(rows, many, strict=True):
        one = argo.read_profile(SAMPLE, row, qc)  # type: ignore[arg-type]
        for name in ("pressure", "depth", "temperature", "salinity"):
            np.testing.assert_array_equal(getattr(got, name), getattr(one, name))
        for name in ("pressure_qc", "temperature_qc", "salinity_qc"):
            assert (getattr(got, name) == getattr(one, name)).all()
        assert (got.time, got.lon, got.lat, got.data_mode) == (
            one.time,
            one.lon,
            one.lat,
            one.data_mode,
        )
    with pytest.raises(InvalidParameters) as refused:
        argo.read_profiles(SAMPLE, [0, 80])
    assert refused.value.extra["invalid_params"][0]["name"] == "row"


@pytest.mark.parametrize(
    ("asked", "searched"),
    [
        ((105.0, -15.0, 120.0, -5.0), (105.0, -15.0, 120.0, -5.0)),  # in range: kept exactly
        ((170.0, -10.0, 190.0, 10.0), (170.0, -10.0, -170.0, 10.0)),  # past 180: crosses it
        ((-190.0, 0.0, -170.0, 5.0), (170.0, 0.0, -170.0, 5.0)),
        ((-180.0, -90.0, 180.0, 90.0), (-180.0, -90.0, 180.0, 90.0)),  # the globe
        ((0.0, 0.0, 400.0, 1.0), (-180.0, 0.0, 180.0, 1.0)),
        (None, None),
    ],
)
def test_a_requests_box_as_searched(asked: Any, searched: Any) -> None:
    assert index.box(asked) == searched
