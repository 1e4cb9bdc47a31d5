"""The matchup engine's pieces: vertical interpolation, time matching (periods, tolerance, a
climatology across the new year) and the salinity a temperature conversion uses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from catalog.axes import TimeAxis
from catalog.observations import argo
from catalog.observations.matchup import (
    _salinity_for_conversion,
    interpolate,
    match_times,
    parse_tolerance,
)

LEVELS = np.array([5.0, 25.0, 100.0, 500.0])


def test_interpolation_between_above_and_below_the_levels() -> None:
    column = np.array([10.0, 8.0, 4.0, np.nan])  # the deepest level is land
    depths = np.array([0.0, 5.0, 15.0, 100.0, 150.0, 300.0, 301.0, np.nan])
    got = interpolate(LEVELS, column, depths)
    # Above the top: its value; between: linear; below the deepest wet level (100 m): its value
    # down to half-way to the next level (300 m), nothing deeper.
    expected = [10.0, 10.0, 9.0, 4.0, 4.0, 4.0, np.nan, np.nan]
    assert np.array_equal(got, expected, equal_nan=True)
    last = interpolate(LEVELS, np.array([10.0, 8.0, 4.0, 2.0]), np.array([700.0, 701.0]))
    assert np.array_equal(last, [2.0, np.nan], equal_nan=True)  # 500 + (500 - 100) / 2
    assert np.isnan(interpolate(LEVELS, np.full(4, np.nan), np.array([5.0]))).all()


def axis(*stamps: str) -> TimeAxis:
    values = np.array([np.datetime64(s, "ns") for s in stamps])
    return TimeAxis("time", "time", values)


def utc(*stamps: str) -> pd.Series:
    return pd.Series(pd.DatetimeIndex(stamps).tz_localize("UTC"))


def test_nearest_step_within_the_tolerance() -> None:
    hourly = axis("2021-06-29T00:00", "2021-06-29T06:00", "2021-06-29T12:17")
    steps, rule = match_times(
        hourly,
        utc("2021-06-29T02:00", "2021-06-29T04:00", "2021-06-30T00:00", "NaT"),
        pd.Timedelta(hours=3),
        False,
    )
    assert steps.tolist() == [0, 1, -1, -1]
    assert "PT3H" in rule


def test_monthly_means_hold_their_month() -> None:
    months = axis("2015-01-01", "2015-02-01", "2015-03-01", "2015-04-01")
    steps, _ = match_times(
        months, utc("2015-02-27", "2015-03-31T23:00"), pd.Timedelta(hours=1), False
    )
    assert steps.tolist() == [1, 2]  # far from the stamps, inside the months


def test_a_climatology_matches_by_time_of_year_across_the_new_year() -> None:
    months = axis(*[f"1990-{m:02d}-01" for m in range(1, 13)])
    observed = utc("2005-12-20", "2016-01-10", "2020-02-29T12:00", "2007-07-04")
    steps, rule = match_times(months, observed, pd.Timedelta(days=1), True)
    assert steps.tolist() == [11, 0, 1, 6]
    assert "climatology" in rule
    assert match_times(months, observed, pd.Timedelta(days=1), False)[0].tolist() == [-1] * 4


def test_a_bad_salinity_is_bridged_for_the_temperature_conversion() -> None:
    good = argo.read_profile("samples/glorys_matchup_prof.nc", 0)
    salinity = good.salinity.copy()
    salinity[1] = np.nan  # as qc=good leaves a flagged value
    profile = argo.Profile(**{**good.__dict__, "salinity": salinity})
    bridged = _salinity_for_conversion(profile)
    p = good.pressure
    share = (p[1] - p[0]) / (p[2] - p[0])
    assert bridged[1] == pytest.approx(salinity[0] + share * (salinity[2] - salinity[0]))
    assert np.array_equal(np.delete(bridged, 1), np.delete(salinity, 1))
    none = argo.Profile(**{**good.__dict__, "salinity": salinity * np.nan})
    assert (_salinity_for_conversion(none) == 35.0).all()


@pytest.mark.parametrize(
    ("text", "hours"), [("P1D", 24), ("PT6H", 6), ("P2DT12H", 60), ("PT90M", 1.5)]
)
def test_tolerances(text: str, hours: float) -> None:
    assert parse_tolerance(text) == pd.Timedelta(hours=hours)
