"""The period each time step stands for (``TimeAxis.cells``) and the step ``time=`` picks: the
one whose period holds the instant, from CF bounds or a monthly/daily cadence; the nearest
step on axes of instants."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from catalog import query
from catalog.axes import TimeAxis, time_cells
from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.selection import nearest_time
from schemas.catalog import DatasetEntry
from schemas.params import parse_instant


def stamps(*texts: str) -> np.ndarray:
    return pd.DatetimeIndex(list(texts)).values.astype("datetime64[ns]")


def pick(values: np.ndarray, text: str, bounds: np.ndarray | None = None) -> int:
    return nearest_time(TimeAxis("time", "time", values, bounds), parse_instant(text))


@pytest.mark.parametrize(
    ("values", "periods"),
    [
        (  # monthly means stamped on the 1st (ERSST)
            stamps("2015-11-01", "2015-12-01", "2016-01-01"),
            [
                ("2015-11-01", "2015-12-01"),
                ("2015-12-01", "2016-01-01"),
                ("2016-01-01", "2016-02-01"),
            ],
        ),
        (  # mid-month stamps (GIOPS): the calendar month holding each
            stamps("2014-05-17", "2014-06-16T12:00"),
            [("2014-05-01", "2014-06-01"), ("2014-06-01", "2014-07-01")],
        ),
        (  # a month missing: the others keep their months
            stamps("2015-01-01", "2015-02-01", "2015-04-01", "2015-05-01"),
            [
                ("2015-01-01", "2015-02-01"),
                ("2015-02-01", "2015-03-01"),
                ("2015-04-01", "2015-05-01"),
                ("2015-05-01", "2015-06-01"),
            ],
        ),
        (  # daily at midnight: [stamp, next midnight)
            stamps("2021-06-28", "2021-06-29", "2021-06-30"),
            [
                ("2021-06-28", "2021-06-29"),
                ("2021-06-29", "2021-06-30"),
                ("2021-06-30", "2021-07-01"),
            ],
        ),
        (  # daily at noon: the day holding the stamp
            stamps("2021-06-28T12:00", "2021-06-29T12:00"),
            [("2021-06-28", "2021-06-29"), ("2021-06-29", "2021-06-30")],
        ),
    ],
)
def test_periods_from_the_cadence(values: np.ndarray, periods: list[tuple[str, str]]) -> None:
    cells = time_cells(values)
    assert cells is not None
    starts, ends = cells
    assert list(starts) == list(stamps(*(p[0] for p in periods)))
    assert list(ends) == list(stamps(*(p[1] for p in periods)))


@pytest.mark.parametrize(
    "values",
    [
        stamps("2024-10-17T01:00", "2024-10-17T02:00", "2024-10-17T03:00"),  # hourly (WCOFS)
        stamps("2021-06-29"),  # one step, no bounds
        stamps("2020-01-01", "2020-01-08", "2020-01-15"),  # weekly: no rule without bounds
        stamps("2020-01-01", "2020-01-01T06:00", "2020-01-03"),  # irregular
    ],
)
def test_instants_have_no_periods(values: np.ndarray) -> None:
    assert time_cells(values) is None


def test_monthly_steps_hold_their_month_where_nearest_would_not() -> None:
    ersst = stamps("2015-11-01", "2015-12-01", "2016-01-01")
    assert pick(ersst, "2015-12-20") == 1  # the nearest stamp is 2016-01-01
    assert pick(ersst, "2015-12-31T23:59:59") == 1
    assert pick(ersst, "2016-01-01") == 2
    assert pick(ersst, "2016-01-31T12:00") == 2  # the last month, to its end
    with pytest.raises(InvalidParameters):
        pick(ersst, "2016-02-01")  # the month after the last
    with pytest.raises(InvalidParameters):
        pick(ersst, "2015-10-25")  # within half a step of the first stamp, but in October


def test_hourly_steps_keep_the_nearest_and_its_tolerance() -> None:
    wcofs = stamps("2024-10-17T01:00", "2024-10-17T02:00", "2024-10-17T03:00")
    assert pick(wcofs, "2024-10-17T01:29") == 0
    assert pick(wcofs, "2024-10-17T01:31") == 1
    assert pick(wcofs, "2024-10-17T03:29") == 2  # within half a step after the last
    with pytest.raises(InvalidParameters):
        pick(wcofs, "2024-10-17T03:31")


def test_cf_bounds_decide(tmp_path: Path) -> None:
    """Weekly means stamped at the end of their week (the last day), with CF bounds: an
    instant early in a week is that week's, though the previous stamp is nearer; read from a
    file through the catalog, as the service reads it."""
    starts = pd.date_range("2020-01-01", periods=3, freq="7D")
    time = starts + pd.Timedelta(days=6)
    bounds = np.stack([starts, starts + pd.Timedelta(days=7)], axis=1)
    ds = xr.Dataset(
        {
            "v": (("time", "lat", "lon"), np.arange(3.0)[:, None, None] * np.ones((3, 2, 2))),
            "time_bnds": (("time", "nv"), bounds),
        },
        coords={
            "time": ("time", time, {"bounds": "time_bnds", "standard_name": "time"}),
            "lat": ("lat", [0.0, 1.0], {"units": "degrees_north", "standard_name": "latitude"}),
            "lon": ("lon", [0.0, 1.0], {"units": "degrees_east", "standard_name": "longitude"}),
        },
    )
    ds["time"].encoding["units"] = "days since 2020-01-01"
    ds["time_bnds"].encoding["units"] = "days since 2020-01-01"
    ds.to_netcdf(tmp_path / "weekly.nc")
    entry = DatasetEntry.model_validate(
        {
            "id": "weekly",
            "title": "Weekly means",
            "summary": "Weekly means with CF time bounds",
            "attribution": "test",
            "licence": "CC0",
            "source": {"path": "weekly.nc"},
        }
    )
    with xr.open_dataset(tmp_path / "weekly.nc") as raw:
        opened = OpenDataset.build(entry, raw)
        axis = opened.variable("v").time
        assert axis is not None and axis.cells is not None
        assert list(axis.cells[0]) == list(starts.values)
        nearest_is_previous = parse_instant("2020-01-08T06:00")  # 1.25 d after week 1's stamp
        result = query.point(opened, ["v"], 0.0, 0.0, nearest_is_previous)
        assert result.selection["variables"]["v"]["time"] == "2020-01-14T00:00:00Z"
        assert float(result.data["v"]) == float(raw.v.isel(time=1, lat=0, lon=0))
        with pytest.raises(InvalidParameters):
            query.point(opened, ["v"], 0.0, 0.0, parse_instant("2019-12-31T12:00"))


def test_thirty_day_steps_on_arbitrary_days_are_not_months() -> None:
    """Successive calendar months but stamped on the 7th, 6th ...: 30-day means, not months."""
    stamps = pd.date_range("2020-01-07", periods=6, freq="30D").values.astype("datetime64[ns]")
    assert time_cells(stamps) is None
    firsts = pd.date_range("2020-01-01", periods=6, freq="MS").values.astype("datetime64[ns]")
    cells = time_cells(firsts)
    assert cells is not None and str(cells[1][0])[:10] == "2020-02-01"
