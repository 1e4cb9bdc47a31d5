"""Labels for people: units as symbols, times at the data's cadence, depths to what the levels
resolve. The sample files' own attributes and axes are read with xarray."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from catalog.axes import TimeAxis, time_axis
from catalog.dataset import CatalogMismatch, OpenDataset
from plotting.labels import (
    MAX_DIGITS,
    cadence,
    depth_label,
    depth_labels,
    display_units,
    time_label,
    with_units,
)
from schemas.catalog import CatalogFile
from tests.conftest import SAMPLES

# ----------------------------------------------------------------------------- units

# (file, variable, what its units read as on a plot), units and standard name from the file
SAMPLE_UNITS = [
    ("sst.mnmean.nc", "sst", "°C"),  # degC
    ("GLORYS_coarse_test_data.nc", "thetao", "°C"),  # degrees_C
    ("GLORYS_coarse_test_data.nc", "so", "PSU"),  # 1e-3, sea_water_salinity
    ("GLORYS_coarse_test_data.nc", "uo", "m s⁻¹"),  # m s-1
    ("GLORYS_coarse_test_data.nc", "zos", "m"),
    ("WCOFS_subset.nc", "u_sur", "m s⁻¹"),  # meter second-1
    ("WCOFS_subset.nc", "lat_rho", "°N"),  # degree_north
    ("WCOFS_subset.nc", "angle", "rad"),  # radians
    ("glorys_mesh.nc", "so", "PSU"),
]


@pytest.mark.parametrize(("file", "variable", "shown"), SAMPLE_UNITS)
def test_sample_units_read_as_symbols(file: str, variable: str, shown: str) -> None:
    with xr.open_dataset(SAMPLES / file) as ds:
        attrs = ds[variable].attrs
    assert display_units(attrs.get("units"), attrs.get("standard_name")) == shown


def test_giops_temperature_reads_kelvin_in_the_file_and_celsius_as_displayed() -> None:
    with xr.open_dataset(SAMPLES / "nemo_test.nc") as ds:
        attrs = ds["votemper"].attrs
    entry = next(e for e in CatalogFile.model_validate(_catalog()).datasets if e.id == "giops")
    override = entry.variables["votemper"]
    assert attrs["units"] == "Kelvins"  # not UDUNITS: the catalog corrects it to K
    assert display_units(attrs["units"], attrs.get("standard_name")) == "Kelvins"
    assert display_units(override.units, attrs.get("standard_name")) == "K"
    assert display_units(override.display_units, attrs.get("standard_name")) == "°C"


@pytest.mark.parametrize(
    ("units", "standard_name", "shown"),
    [
        ("degC", None, "°C"),
        ("Celsius", None, "°C"),
        ("degree_Celsius", None, "°C"),
        ("K", None, "K"),
        ("m s-1", None, "m s⁻¹"),
        ("m/s", None, "m s⁻¹"),
        ("W m-2", None, "W m⁻²"),
        ("m2 s-1", None, "m² s⁻¹"),
        ("1e-3", "sea_water_practical_salinity", "PSU"),
        ("0.001", "sea_water_salinity", "PSU"),
        ("psu", "sea_water_practical_salinity", "PSU"),
        ("PSU", None, "PSU"),
        ("1", "sea_water_practical_salinity", "PSU"),
        ("g kg-1", "sea_water_absolute_salinity", "g kg⁻¹"),
        ("g/kg", "sea_water_absolute_salinity", "g kg⁻¹"),
        ("1", None, ""),
        ("", None, ""),
        (None, None, ""),
        ("m", None, "m"),
        ("degrees_north", None, "°N"),
        ("degrees_east", None, "°E"),
        ("degree", None, "°"),
        ("1e-3", None, "1e-3"),  # a bare factor, not salinity: shown as written
    ],
)
def test_display_units(units: str | None, standard_name: str | None, shown: str) -> None:
    assert display_units(units, standard_name) == shown


def test_with_units_leaves_out_empty_units() -> None:
    assert with_units("Salinity", "1e-3", "sea_water_salinity") == "Salinity (PSU)"
    assert with_units("Sea surface temperature", "degC") == "Sea surface temperature (°C)"
    assert with_units("Ratio", "1") == "Ratio"


# ----------------------------------------------------------------------------- times


def _axis(file: str, variable: str) -> TimeAxis:
    with xr.open_dataset(SAMPLES / file) as ds:
        axis = time_axis(ds[variable])
    assert axis is not None
    return axis


@pytest.mark.parametrize(
    ("file", "variable", "expected", "form"),
    [
        ("sst.mnmean.nc", "sst", "month", "%Y-%m"),  # monthly means stamped on the 1st
        ("nemo_test.nc", "votemper", "month", "%Y-%m"),  # monthly means stamped mid-month
        ("GLORYS_coarse_test_data.nc", "thetao", "day", "%Y-%m-%d"),  # one daily mean
        ("WCOFS_subset.nc", "u_sur", "minute", "%Y-%m-%d %H:%M UTC"),  # hourly
    ],
)
def test_sample_time_labels_at_their_cadence(
    file: str, variable: str, expected: str, form: str
) -> None:
    axis = _axis(file, variable)
    assert cadence(axis) == expected
    last = pd.Timestamp(axis.values[-1])
    assert time_label(axis.values[-1], cadence(axis)) == last.strftime(form)
    # the ISO string a query's selection record carries reads the same
    assert time_label(last.isoformat() + "Z", cadence(axis)) == last.strftime(form)


def test_ersst_last_month_reads_2020_08() -> None:
    axis = _axis("sst.mnmean.nc", "sst")
    assert time_label(axis.values[-1], cadence(axis)) == "2020-08"
    assert time_label("2020-08-01T00:00:00Z", "month") == "2020-08"


def _synthetic(values: pd.DatetimeIndex) -> TimeAxis:
    return TimeAxis(name="time", dim="time", values=values.values.astype("datetime64[ns]"))


def test_cadence_of_daily_hourly_and_irregular_monthly_axes() -> None:
    daily = _synthetic(pd.date_range("2020-08-01T12:00", periods=10, freq="D"))
    assert cadence(daily) == "day"
    assert time_label(daily.values[3], cadence(daily)) == "2020-08-04"
    hourly = _synthetic(pd.date_range("2020-08-01", periods=10, freq="h"))
    assert cadence(hourly) == "minute"
    assert time_label(hourly.values[3], "minute") == "2020-08-01 03:00 UTC"
    # 30-day steps stamped on arbitrary days are not calendar months: the day is printed
    thirty = _synthetic(pd.date_range("2020-01-07", periods=6, freq="30D"))
    assert cadence(thirty) == "day"
    one_at_noon = _synthetic(pd.DatetimeIndex(["2021-06-29T12:00"]))
    assert cadence(one_at_noon) == "minute"
    assert cadence(None) == "minute"


# ----------------------------------------------------------------------------- depths


def _levels(file: str, name: str) -> np.ndarray:
    with xr.open_dataset(SAMPLES / file) as ds:
        return np.asarray(ds[name].values, dtype=np.float64)


@pytest.mark.parametrize(
    ("file", "name"), [("GLORYS_coarse_test_data.nc", "depth"), ("nemo_test.nc", "deptht")]
)
def test_depth_labels_distinguish_every_level_and_stay_close(file: str, name: str) -> None:
    levels = _levels(file, name)
    labels = depth_labels(levels)
    assert len(set(labels)) == len(levels)
    gaps = np.minimum(
        np.abs(np.diff(levels, prepend=-np.inf)), np.abs(np.diff(levels, append=np.inf))
    )
    for level, text, gap in zip(levels, labels, gaps, strict=True):
        # within 5 % of the distance to the nearest level, and nearer it than any other level
        assert abs(float(text) - level) <= gap / 20
        assert levels[np.argmin(np.abs(levels - float(text)))] == level
        assert len(text.replace(".", "").lstrip("0")) <= MAX_DIGITS


def test_glorys_and_giops_first_levels() -> None:
    glorys = _levels("GLORYS_coarse_test_data.nc", "depth")
    giops = _levels("nemo_test.nc", "deptht")
    # GLORYS levels are metres apart: whole metres; GIOPS's first are about 1 m apart: 0.1 m
    assert depth_labels(glorys)[0] == f"{glorys[0]:.0f}" == "6"
    assert depth_labels(glorys)[1] == f"{glorys[1]:.0f}" == "25"
    assert depth_labels(giops)[0] == f"{giops[0]:.1f}" == "0.5"
    assert depth_labels(giops)[1] == f"{giops[1]:.1f}" == "1.5"
    assert depth_label(float(glorys[0]), glorys) == "6 m"
    assert depth_label(float(giops[0]), giops) == "0.5 m"


def test_depth_labels_edge_cases() -> None:
    assert depth_labels([1000.1, 1000.2, 1000.3]) == ["1000.1", "1000.2", "1000.3"]
    assert depth_labels([0.0, 10.0, 20.0]) == ["0", "10", "20"]
    assert depth_labels([5.0]) == ["5"]
    assert depth_labels([6.0541167]) == ["6.054"]  # a lone level: 4 significant digits
    assert depth_label(12.3456, [6.0, 24.8]) == "12.35 m"  # not a level: 4 digits
    assert all(math.isfinite(float(t)) for t in depth_labels(np.linspace(0, 5000, 75)))


# ----------------------------------------------------------------------------- catalog


def _catalog() -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((SAMPLES / "catalog.yaml").read_text())
    return loaded


def test_display_units_that_do_not_convert_make_the_dataset_unavailable(tmp_path: Path) -> None:
    raw = _catalog()
    giops = next(e for e in raw["datasets"] if e["id"] == "giops")  # type: ignore[attr-defined]
    giops["variables"]["votemper"]["display_units"] = "m s-1"
    entry = next(e for e in CatalogFile.model_validate(raw).datasets if e.id == "giops")
    with xr.open_dataset(SAMPLES / "nemo_test.nc") as ds, pytest.raises(CatalogMismatch) as err:
        OpenDataset.build(entry, ds)
    assert "votemper" in str(err.value) and "display_units" in str(err.value)


def test_longitude_ticks_name_the_antimeridian_without_a_hemisphere() -> None:
    from plotting.common import LON_FORMAT

    ticks = [LON_FORMAT(x, None) for x in (140.0, 180.0, 200.0, -180.0, 540.0, 0.0, 360.0, -90.0)]
    assert ticks == ["140°E", "180°", "160°W", "180°", "180°", "0°", "0°", "90°W"]
