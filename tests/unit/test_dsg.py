"""CF discrete sampling geometry files read and indexed (``catalog.observations.dsg``).

The files are written here (``tmp_path``) from the Argo sample's adjusted values, in each
layout CF allows for profiles (contiguous ragged, indexed ragged, incomplete multidimensional),
with profiles of different lengths; time series and trajectories are small synthetic files.
Expected values are xarray's reading of the Argo file (or of the synthetic arrays), not the
reader's; the bundled ``5900865_dsg.nc`` is checked against its generator and the Argo reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gsw
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from catalog.errors import InvalidParameters
from catalog.observations import argo, dsg
from catalog.observations.collection import CollectionUnreadable, ObservationCollection
from catalog.observations.index import COLUMNS, search
from schemas.catalog import DatasetEntry
from tests.conftest import SAMPLES
from tools import make_dsg_sample

ARGO = SAMPLES / "5900865_prof.nc"
BUNDLED = SAMPLES / "5900865_dsg.nc"
LAYOUTS = ("contiguous", "indexed", "multidimensional")
ARGO_FLAGS = {
    "flag_values": np.arange(10, dtype=np.int8),
    "flag_meanings": make_dsg_sample.FLAG_MEANINGS,
}
QARTOD = {
    "flag_values": np.array([1, 2, 3, 4, 9], dtype=np.int8),
    "flag_meanings": "pass not_evaluated suspect fail missing",
}


def lengths(n: int) -> np.ndarray:
    """Each profile's levels in the written files: 71, 68, 65, 62, 59, 71, … (ragged)."""
    return 71 - (np.arange(n) % 5) * 3


class Source:
    """The Argo sample's adjusted values as plain arrays: the test's expectations."""

    def __init__(self) -> None:
        with xr.open_dataset(ARGO) as ds:
            self.ids = [f"5900865_{c:03d}" for c in ds.CYCLE_NUMBER.values.astype(int)]
            self.time = pd.DatetimeIndex(ds.JULD.values)
            self.lat = ds.LATITUDE.values.astype(np.float64)
            self.lon = ds.LONGITUDE.values.astype(np.float64)
            self.levels = {
                name: ds[f"{name}_ADJUSTED"].values.astype(np.float32)
                for name in ("PRES", "TEMP", "PSAL")
            }
            self.flags = {
                name: np.array(
                    [[int(f) for f in row] for row in ds[f"{name}_ADJUSTED_QC"].values.astype(str)],
                    dtype=np.int8,
                )
                for name in ("PRES", "TEMP", "PSAL")
            }
        self.n = len(self.ids)
        self.count = lengths(self.n)

    def profile(self, name: str, i: int, flags: bool = False) -> np.ndarray:
        """Profile ``i``'s levels of PRES, TEMP or PSAL as written (its first ``count[i]``)."""
        return (self.flags if flags else self.levels)[name][i, : self.count[i]]


@pytest.fixture(scope="module")
def source() -> Source:
    return Source()


VARS = {"PRES": "pressure", "TEMP": "temperature", "PSAL": "salinity"}
STANDARD = {
    "PRES": "sea_water_pressure",
    "TEMP": "sea_water_temperature",
    "PSAL": "sea_water_practical_salinity",
}


def write_profiles(
    path: Path,
    source: Source,
    layout: str,
    flags: dict[str, Any] | None = ARGO_FLAGS,
    edit: Any = None,
) -> Path:
    """The Argo values as a featureType profile file in ``layout`` (see the module)."""
    n, count = source.n, source.count
    per_profile: dict[str, Any] = {
        "profile": (("profile",), np.array(source.ids, dtype=object), {"cf_role": "profile_id"}),
        "time": (("profile",), source.time.values, {"standard_name": "time"}),
        "lat": (("profile",), source.lat, {"standard_name": "latitude", "units": "degrees_north"}),
        "lon": (("profile",), source.lon, {"standard_name": "longitude", "units": "degrees_east"}),
    }
    samples: dict[str, Any] = {}
    if layout == "multidimensional":
        dims: tuple[str, ...] = ("profile", "z")
        inside = np.arange(71)[None, :] < count[:, None]
        for name in VARS:
            samples[name] = np.where(inside, source.levels[name], np.nan).astype(np.float32)
            samples[f"{name}_QC"] = np.where(inside, source.flags[name], -1).astype(np.int8)
    else:
        dims = ("obs",)
        owner = np.repeat(np.arange(n), count)
        level = np.concatenate([np.arange(c) for c in count])
        if layout == "indexed":  # profiles interleaved: level 0 of every profile, then level 1 …
            order = np.lexsort((owner, level))
            owner, level = owner[order], level[order]
            per_profile["profile_index"] = (
                ("obs",),
                owner.astype(np.int32),
                {"instance_dimension": "profile"},
            )
        else:
            per_profile["row_size"] = (
                ("profile",),
                count.astype(np.int32),
                {"sample_dimension": "obs"},
            )
        for name in VARS:
            samples[name] = source.levels[name][owner, level]
            samples[f"{name}_QC"] = source.flags[name][owner, level]
    variables = dict(per_profile)
    for name, var in VARS.items():
        attrs: dict[str, Any] = {"standard_name": STANDARD[name]}
        if name == "PRES":
            attrs |= {"units": "dbar", "positive": "down"}
        if flags is not None:
            attrs["ancillary_variables"] = f"{var}_qc"
            variables[f"{var}_qc"] = (dims, samples[f"{name}_QC"], dict(flags))
        variables[var] = (dims, samples[name], attrs)
    ds = xr.Dataset(variables, attrs={"featureType": "profile", "platform": "5900865"})
    if edit is not None:
        ds = edit(ds)
    encoding = {v: {"_FillValue": np.int8(-1)} for v in ds.data_vars if str(v).endswith("_qc")}
    ds.to_netcdf(path, encoding=encoding)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, source: Source) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("dsg")
    return {layout: write_profiles(folder / f"{layout}.nc", source, layout) for layout in LAYOUTS}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_profile_is_indexed_with_its_id_time_and_position(
    files: dict[str, Path], source: Source, layout: str
) -> None:
    table = dsg.index_features(files[layout])
    assert list(table.columns) == list(COLUMNS)
    assert list(table["profile_id"]) == source.ids
    assert (table["platform"] == "5900865").all()
    np.testing.assert_array_equal(table["time"], source.time.tz_localize("UTC"))
    np.testing.assert_array_equal(table["time_end"], table["time"])
    np.testing.assert_array_equal(table["lon"], source.lon)
    np.testing.assert_array_equal(table["lat"], source.lat)
    np.testing.assert_array_equal(table["n_levels"], source.count)
    assert (table["feature_type"] == "profile").all()
    assert (table["cycle"] == -1).all() and (table["data_mode"] == "").all()
    assert (table["position_qc"] == "").all()  # the file has no position flags


@pytest.mark.parametrize("layout", LAYOUTS)
def test_values_are_the_files(files: dict[str, Path], source: Source, layout: str) -> None:
    for i in range(source.n):
        profile = dsg.read_profile(files[layout], i, qc="all")
        assert profile.profile_id == source.ids[i]
        for name, values, flags in (
            ("PRES", profile.pressure, profile.pressure_qc),
            ("TEMP", profile.temperature, profile.temperature_qc),
            ("PSAL", profile.salinity, profile.salinity_qc),
        ):
            np.testing.assert_array_equal(values, source.profile(name, i).astype(np.float64))
            assert list(flags) == [str(f) for f in source.profile(name, i, flags=True)]
        expected_depth = -gsw.z_from_p(source.profile("PRES", i).astype(np.float64), source.lat[i])
        np.testing.assert_allclose(profile.depth, expected_depth, rtol=0, atol=1e-9)


def test_the_layouts_give_identical_answers(files: dict[str, Path], source: Source) -> None:
    for i in range(source.n):
        for qc in ("good", "all"):
            contiguous, *others = (dsg.read_profile(files[k], i, qc) for k in LAYOUTS)
            for other in others:
                for field in ("pressure", "depth", "temperature", "salinity"):
                    np.testing.assert_array_equal(getattr(other, field), getattr(contiguous, field))
                for field in ("pressure_qc", "temperature_qc", "salinity_qc"):
                    assert list(getattr(other, field)) == list(getattr(contiguous, field))
                assert (other.time, other.lon, other.lat) == (
                    contiguous.time,
                    contiguous.lon,
                    contiguous.lat,
                )


def test_qc_good_masks_what_the_flag_meanings_call_not_good(tmp_path: Path, source: Source) -> None:
    """QARTOD flags (pass, not_evaluated, suspect, fail, missing): only pass is kept; a failed
    pressure empties its level; a file's Argo flag 4 (bad_data) is masked as Argo's is."""
    qartod_t = np.resize(np.array([1, 2, 3, 4, 9, 1, 1], dtype=np.int8), source.flags["TEMP"].shape)
    qartod_p = np.ones_like(source.flags["PRES"])
    qartod_p[:, 10] = 4  # level 10 of each profile: its pressure failed

    def flags(ds: xr.Dataset) -> xr.Dataset:
        ds["temperature_qc"].values[:] = np.concatenate(
            [qartod_t[i, : source.count[i]] for i in range(source.n)]
        )
        ds["pressure_qc"].values[:] = np.concatenate(
            [qartod_p[i, : source.count[i]] for i in range(source.n)]
        )
        ds["salinity_qc"].values[:] = 1
        return ds

    path = write_profiles(tmp_path / "qartod.nc", source, "contiguous", QARTOD, flags)
    for i in (0, 33, 79):
        good = dsg.read_profile(path, i)
        t = source.profile("TEMP", i).astype(np.float64)
        kept = (qartod_t[i, : source.count[i]] == 1) & (np.arange(source.count[i]) != 10)
        np.testing.assert_array_equal(good.temperature[kept], t[kept])
        assert np.isnan(good.temperature[~kept]).all()
        assert np.isnan(good.pressure[10]) and np.isnan(good.salinity[10])
        assert (
            np.isfinite(np.delete(good.salinity, 10)).sum()
            == np.isfinite(np.delete(source.profile("PSAL", i), 10)).sum()
        )
        assert list(good.temperature_qc) == [str(f) for f in qartod_t[i, : source.count[i]]]
    assert set(qartod_t[0, :7]) == {1, 2, 3, 4, 9}  # every meaning is met
    # The Argo flags written as they are: the levels flagged 4 (bad_data) masked.
    argo_file = write_profiles(tmp_path / "argo_flags.nc", source, "indexed")
    rows = [i for i in range(source.n) if (source.profile("TEMP", i, flags=True) == 4).any()]
    assert rows == [35]  # row 33's flagged levels are past the 62 levels written of it
    for i in rows:
        flagged = source.profile("TEMP", i, flags=True) == 4
        good = dsg.read_profile(argo_file, i)
        assert np.isnan(good.temperature[flagged]).all()
        assert np.isfinite(good.temperature[~flagged]).all()
        assert np.isfinite(dsg.read_profile(argo_file, i, qc="all").pressure).all()


def test_without_flags_every_value_is_kept(tmp_path: Path, source: Source) -> None:
    path = write_profiles(tmp_path / "noflags.nc", source, "contiguous", flags=None)
    profile = dsg.read_profile(path, 33)
    t = source.profile("TEMP", 33).astype(np.float64)
    np.testing.assert_array_equal(profile.temperature, t)  # the sample's NaNs stay NaN
    assert set(profile.temperature_qc) == {""}


def test_a_bad_time_or_position_flag_leaves_them_out(tmp_path: Path, source: Source) -> None:
    def flag(ds: xr.Dataset) -> xr.Dataset:
        qc = np.ones(source.n, dtype=np.int8)
        qc[[2, 5]] = [4, 3]  # bad_data, bad_data_that_are_potentially_correctable
        ds["position_qc"] = (("profile",), qc, dict(ARGO_FLAGS))
        ds["time_qc"] = (("profile",), qc[::-1].copy(), dict(ARGO_FLAGS))
        ds["lat"].attrs["ancillary_variables"] = "position_qc"
        ds["time"].attrs["ancillary_variables"] = "time_qc"
        return ds

    table = dsg.index_features(write_profiles(tmp_path / "pos.nc", source, "contiguous", edit=flag))
    assert table["lat"].isna().tolist() == [i in (2, 5) for i in range(source.n)]
    assert table["lon"].isna().sum() == 2
    bad_time = [source.n - 1 - i in (2, 5) for i in range(source.n)]
    assert table["time"].isna().tolist() == bad_time
    assert table.loc[2, "position_qc"] == "4" and table.loc[0, "position_qc"] == "1"


@pytest.mark.parametrize("positive", ["down", "up"])
def test_pressure_from_depth_when_only_depth_is_stored(
    tmp_path: Path, source: Source, positive: str
) -> None:
    def to_depth(ds: xr.Dataset) -> xr.Dataset:
        depth = -gsw.z_from_p(ds["pressure"].values.astype(np.float64), 0.0)
        z = depth if positive == "down" else -depth
        name = "depth" if positive == "down" else "height"
        ds = ds.drop_vars(["pressure", "pressure_qc"])
        ds[name] = (("obs",), z, {"units": "m", "positive": positive, "axis": "Z"})
        if positive == "down":
            ds[name].attrs["standard_name"] = "depth"
        return ds

    path = write_profiles(tmp_path / f"{positive}.nc", source, "contiguous", edit=to_depth)
    for i in (0, 40):
        profile = dsg.read_profile(path, i, qc="all")
        depth = -gsw.z_from_p(source.profile("PRES", i).astype(np.float64), 0.0)
        np.testing.assert_allclose(profile.depth, depth, rtol=0, atol=1e-9)
        expected = gsw.p_from_z(-depth, source.lat[i])
        np.testing.assert_allclose(profile.pressure, expected, rtol=0, atol=1e-9)
        assert set(profile.pressure_qc) == {""}


def test_a_potential_temperature_is_served_in_situ(tmp_path: Path, source: Source) -> None:
    """A file of potential temperature (gsw.pt0_from_t of the in-situ values): the profile's
    temperature is in situ again, with gsw."""

    def potential(ds: xr.Dataset) -> xr.Dataset:
        p = ds["pressure"].values.astype(np.float64)
        lat = np.repeat(source.lat, source.count)
        lon = np.repeat(source.lon, source.count)
        sa = gsw.SA_from_SP(ds["salinity"].values.astype(np.float64), p, lon, lat)
        ds["temperature"] = ds["temperature"].copy(
            data=gsw.pt0_from_t(sa, ds["temperature"].values.astype(np.float64), p)
        )
        ds["temperature"].attrs["standard_name"] = "sea_water_potential_temperature"
        return ds

    path = write_profiles(tmp_path / "pt.nc", source, "contiguous", edit=potential)
    profile = dsg.read_profile(path, 0, qc="all")
    np.testing.assert_allclose(
        profile.temperature, source.profile("TEMP", 0).astype(np.float64), rtol=0, atol=1e-6
    )
    assert (profile.temperature[-1] > 0) and abs(profile.temperature[-1] - profile.pressure[-1]) > 1


def test_trajectory_profiles_of_two_platforms_with_numeric_ids(
    tmp_path: Path, source: Source
) -> None:
    """trajectoryProfile: profiles 0-39 of trajectory 'A1', 40-79 of 'B2' (by the profile's
    instance_dimension index into the trajectories), numeric profile ids (the cycle): each
    profile's platform is its trajectory's, its id prefixed with it."""

    def two_floats(ds: xr.Dataset) -> xr.Dataset:
        cycles = np.arange(source.n, dtype=np.int32) % 40 + 1
        ds = ds.assign(
            profile=(("profile",), cycles, {"cf_role": "profile_id"}),
            trajectory=(("trajectory",), np.array(["A1", "B2"], dtype=object)),
            trajectory_index=(
                ("profile",),
                (np.arange(source.n) >= 40).astype(np.int32),
                {"instance_dimension": "trajectory"},
            ),
        )
        ds["trajectory"].attrs["cf_role"] = "trajectory_id"
        return ds.assign_attrs(featureType="trajectoryProfile")

    path = write_profiles(tmp_path / "tp.nc", source, "contiguous", edit=two_floats)
    table = dsg.index_features(path)
    assert list(table["platform"]) == ["A1"] * 40 + ["B2"] * 40
    assert table["profile_id"].iloc[0] == "A1_1" and table["profile_id"].iloc[79] == "B2_40"
    assert (table["feature_type"] == "profile").all()
    profile = dsg.read_profile(path, 45, qc="all")
    assert (profile.profile_id, profile.platform) == ("B2_6", "B2")
    np.testing.assert_array_equal(profile.temperature, source.profile("TEMP", 45))


def test_orthogonal_and_single_profile_files(tmp_path: Path, source: Source) -> None:
    """Orthogonal multidimensional (one pressure axis for every profile) and a single profile
    without a profile dimension: the same values as written."""
    pressure = source.levels["PRES"][0, :20].astype(np.float64)
    temperature = source.levels["TEMP"][:3, :20]
    attrs = {"featureType": "profile", "platform": "5900865"}
    orthogonal = xr.Dataset(
        {
            "profile": (
                ("profile",),
                np.array(source.ids[:3], dtype=object),
                {"cf_role": "profile_id"},
            ),
            "time": (("profile",), source.time.values[:3], {"standard_name": "time"}),
            "lat": (("profile",), source.lat[:3], {"standard_name": "latitude"}),
            "lon": (("profile",), source.lon[:3], {"standard_name": "longitude"}),
            "pres": (("z",), pressure, {"standard_name": "sea_water_pressure", "units": "dbar"}),
            "temp": (("profile", "z"), temperature, {"standard_name": "sea_water_temperature"}),
        },
        attrs=attrs,
    )
    orthogonal.to_netcdf(tmp_path / "orthogonal.nc")
    single = orthogonal.isel(profile=1)
    single.to_netcdf(tmp_path / "single.nc")
    table = dsg.index_features(tmp_path / "orthogonal.nc")
    assert list(table["profile_id"]) == source.ids[:3] and (table["n_levels"] == 20).all()
    for i in range(3):
        profile = dsg.read_profile(tmp_path / "orthogonal.nc", i, qc="all")
        np.testing.assert_array_equal(profile.pressure, pressure)
        np.testing.assert_array_equal(profile.temperature, temperature[i].astype(np.float64))
        assert np.isnan(profile.salinity).all() and profile.lat == source.lat[i]
    spaced = orthogonal.assign(profile=("profile", np.array(["WMO 1/a", "b", "c"], dtype=object)))
    spaced["profile"].attrs["cf_role"] = "profile_id"
    spaced.to_netcdf(tmp_path / "spaced.nc")  # ids a URL path cannot carry as they are
    assert list(dsg.index_features(tmp_path / "spaced.nc")["profile_id"]) == ["WMO_1_a", "b", "c"]
    (row,) = dsg.index_features(tmp_path / "single.nc").itertuples()
    assert (row.profile_id, row.lon, row.n_levels) == (source.ids[1], source.lon[1], 20)
    profile = dsg.read_profile(tmp_path / "single.nc", 0, qc="all")
    np.testing.assert_array_equal(profile.temperature, temperature[1].astype(np.float64))


def write_series(path: Path, kind: str) -> tuple[Path, pd.DataFrame]:
    """Three moorings (timeSeries, orthogonal multidimensional) or two drifters (trajectory,
    contiguous ragged), with their expected rows."""
    times = pd.date_range("2021-06-29", periods=6, freq="4h")
    if kind == "timeSeries":
        temp = np.arange(18, dtype=np.float32).reshape(3, 6) + 10
        ds = xr.Dataset(
            {
                "station": (
                    ("station",),
                    np.array(["M1", "M2", "M3"], dtype=object),
                    {"cf_role": "timeseries_id"},
                ),
                "time": (("time",), times.values, {"standard_name": "time"}),
                "lat": (("station",), [45.0, 46.0, 47.0], {"standard_name": "latitude"}),
                "lon": (("station",), [-20.0, -21.0, 179.5], {"standard_name": "longitude"}),
                "temp": (("station", "time"), temp, {"standard_name": "sea_water_temperature"}),
            },
            attrs={"featureType": "timeSeries", "platform": "moorings"},
        )
        expected = pd.DataFrame(
            {
                "profile_id": ["M1", "M2", "M3"],
                "platform": "moorings",
                "time": times[0],
                "time_end": times[-1],
                "lon": [-20.0, -21.0, 179.5],
                "lat": [45.0, 46.0, 47.0],
                "n_levels": 6,
            }
        )
    else:
        count = np.array([4, 2])
        sample_times = times[[0, 1, 2, 3, 4, 5]]
        lon = np.array([10.0, 10.5, 11.0, 11.5, -30.0, -30.2])
        lat = np.array([0.0, 0.1, 0.2, 0.3, 5.0, 5.1])
        ds = xr.Dataset(
            {
                "drifter": (
                    ("trajectory",),
                    np.array(["D7", "D9"], dtype=object),
                    {"cf_role": "trajectory_id"},
                ),
                "row_size": (("trajectory",), count.astype(np.int32), {"sample_dimension": "obs"}),
                "time": (("obs",), sample_times.values, {"standard_name": "time"}),
                "lat": (("obs",), lat, {"standard_name": "latitude"}),
                "lon": (("obs",), lon, {"standard_name": "longitude"}),
                "temp": (("obs",), np.arange(6.0), {"standard_name": "sea_water_temperature"}),
            },
            attrs={"featureType": "trajectory"},
        )
        expected = pd.DataFrame(
            {
                "profile_id": ["D7", "D9"],
                "platform": ["D7", "D9"],
                "time": [sample_times[0], sample_times[4]],
                "time_end": [sample_times[3], sample_times[5]],
                "lon": [10.0, -30.0],
                "lat": [0.0, 5.0],
                "n_levels": [4, 2],
            }
        )
    ds.to_netcdf(path)
    return path, expected


@pytest.mark.parametrize("kind", ["timeSeries", "trajectory"])
def test_time_series_and_trajectories_are_indexed_with_their_time_range(
    tmp_path: Path, kind: str
) -> None:
    path, expected = write_series(tmp_path / f"{kind}.nc", kind)
    table = dsg.index_features(path)
    assert list(table["profile_id"]) == list(expected["profile_id"])
    assert list(table["platform"]) == list(expected["platform"])
    assert (table["feature_type"] == kind).all()
    for column in ("time", "time_end"):
        np.testing.assert_array_equal(
            table[column], pd.DatetimeIndex(expected[column]).tz_localize("UTC")
        )
    np.testing.assert_array_equal(table["lon"], expected["lon"])
    np.testing.assert_array_equal(table["lat"], expected["lat"])
    np.testing.assert_array_equal(table["n_levels"], expected["n_levels"])
    # A search inside a feature's time range finds it (its range overlaps).
    inside = search(
        table, start=pd.Timestamp("2021-06-29T09:00"), end=pd.Timestamp("2021-06-29T10:00")
    )
    spans = (table["time"] <= "2021-06-29T10:00Z") & (table["time_end"] >= "2021-06-29T09:00Z")
    assert list(inside["profile_id"]) == list(table.loc[spans, "profile_id"]) != []
    with pytest.raises(InvalidParameters) as raised:
        dsg.read_profile(path, 0)
    assert raised.value.extra["invalid_params"][0]["name"] == "profile_id"
    assert f"a {kind} feature" in raised.value.detail


def entry(source: str) -> DatasetEntry:
    return DatasetEntry.model_validate(
        {
            "id": "dsg",
            "title": "t",
            "summary": "s",
            "attribution": "a",
            "licence": "l",
            "source": {"dsg": source},
        }
    )


def without(attribute: str) -> Any:
    def edit(ds: xr.Dataset) -> xr.Dataset:
        del ds.attrs[attribute]
        return ds

    return edit


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (without("featureType"), "bad.nc has no featureType attribute"),
        (
            lambda ds: ds.assign_attrs(featureType="point"),
            "bad.nc has featureType 'point', not one served (profile, trajectoryProfile, "
            "timeSeries, trajectory)",
        ),
        (lambda ds: ds.drop_vars("row_size"), "bad.nc: no count variable (sample_dimension)"),
        (
            lambda ds: ds.assign({"profile": ds["profile"].assign_attrs(cf_role="")}),
            "bad.nc: no variable with cf_role profile_id",
        ),
        (
            lambda ds: ds.drop_vars(["pressure", "pressure_qc"]),
            "bad.nc: no pressure or depth for the profile features' levels",
        ),
    ],
)
def test_bad_files_leave_the_collection_unavailable_with_the_reason(
    tmp_path: Path, source: Source, edit: Any, reason: str
) -> None:
    write_profiles(tmp_path / "bad.nc", source, "contiguous", edit=edit)
    with pytest.raises(CollectionUnreadable) as raised:
        ObservationCollection.open(entry("bad.nc"), tmp_path)
    assert reason in str(raised.value)


def test_no_matching_file_and_repeated_ids(tmp_path: Path, source: Source) -> None:
    with pytest.raises(CollectionUnreadable, match="no CF discrete sampling geometry file"):
        ObservationCollection.open(entry("*.nc"), tmp_path)
    write_profiles(tmp_path / "a.nc", source, "contiguous")
    write_profiles(tmp_path / "b.nc", source, "indexed")
    with pytest.raises(CollectionUnreadable, match="feature id '5900865_001' is used twice"):
        ObservationCollection.open(entry("*.nc"), tmp_path)


def test_the_bundled_sample_is_its_generators_output(tmp_path: Path) -> None:
    with xr.open_dataset(BUNDLED) as bundled:
        xr.testing.assert_identical(make_dsg_sample.build().load(), bundled.load())
    assert BUNDLED.stat().st_size < 300_000


def test_the_bundled_sample_answers_the_argo_files_values() -> None:
    """The Argo float rewritten as a trajectoryProfile contiguous ragged file: the same index
    (but cycle, direction and data mode, which CF has not) and the same levels."""
    argo_table = argo.index_profiles(ARGO)
    table = dsg.index_features(BUNDLED)
    for column in COLUMNS:
        if column not in ("cycle", "direction", "data_mode", "file"):
            assert table[column].tolist() == argo_table[column].tolist(), column
    for row in range(80):
        for qc in ("good", "all"):
            expected = argo.read_profile(ARGO, row, qc)
            found = dsg.read_profile(BUNDLED, row, qc)
            for field in ("pressure", "depth", "temperature", "salinity"):
                np.testing.assert_array_equal(getattr(found, field), getattr(expected, field))
            for field in ("pressure_qc", "temperature_qc", "salinity_qc"):
                assert list(getattr(found, field)) == list(getattr(expected, field))
            assert (found.profile_id, found.platform, found.time, found.lon, found.lat) == (
                expected.profile_id,
                expected.platform,
                expected.time,
                expected.lon,
                expected.lat,
            )
