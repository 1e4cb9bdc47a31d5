"""Write ``samples/ersst_moorings_dsg.nc`` and ``samples/ersst_drifter_dsg.nc``: ERSST v5 sea
surface temperature sampled as a CF ``timeSeries`` at three stations and as a CF
``trajectory`` along a synthetic drifter path that crosses 180°.

Only values of ``samples/sst.mnmean.nc`` are written, by fixed rules (no random numbers):

- moorings (``featureType: timeSeries``, orthogonal multidimensional: ``sst(station, time)``):
  three ERSST cell centres, ``STATIONS``, and every month of the file (128, 2010-01 to
  2020-08), ``time`` the month's first day as ERSST stamps it; ``sst`` the cell's value.
- drifter (``featureType: trajectory``, a single feature: a scalar id, samples on ``obs``): one
  position a day from 2015-01-01 for 365 days, ``lon`` = 165°E + 0.1° a day (so it crosses
  180° on day 150, 2015-05-31, and ends at 161.4°W), ``lat`` = 35 + 3 sin(2π day / 120);
  ``sst`` the ERSST value of the month holding the day at the nearest cell (a monthly mean on
  a 2° grid, not what a drifter would measure).

Run ``python -m tools.make_series_sample`` from the repository root (an optional argument is
the folder to write to); ``tests/api/test_dsg_series.py`` checks the files against ERSST.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SOURCE = SAMPLES / "sst.mnmean.nc"
MOORINGS = "ersst_moorings_dsg.nc"
DRIFTER = "ersst_drifter_dsg.nc"
STATIONS = {"EQ-140W": (-140.0, 0.0), "NA-26W": (-26.0, 46.0), "IO-80E": (80.0, -10.0)}
"""Station id: (longitude, latitude) of an ERSST cell centre."""
DRIFTER_ID = "drifter-165E"
START = pd.Timestamp("2015-01-01")
DAYS = 365
CREDIT = (
    "NOAA/NESDIS/NCEI ERSST v5 (Huang et al., 2017, doi:10.1175/JCLI-D-16-0836.1), via NOAA PSL"
)


def _sst_attrs() -> dict[str, str]:
    return {
        "standard_name": "sea_surface_temperature",
        "long_name": "ERSST v5 monthly mean sea surface temperature",
        "units": "degC",
        "coordinates": "time lat lon",
    }


def drifter_path() -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """The drifter's times and positions (longitude in ±180)."""
    day = np.arange(DAYS)
    east = 165.0 + 0.1 * day
    lon = np.round(np.where(east > 180.0, east - 360.0, east), 6)
    lat = np.round(35.0 + 3.0 * np.sin(2 * np.pi * day / 120.0), 6)
    return pd.date_range(START, periods=DAYS, freq="D"), lon, lat


def moorings(sst: xr.DataArray) -> xr.Dataset:
    ids = list(STATIONS)
    lon = np.array([STATIONS[i][0] for i in ids])
    lat = np.array([STATIONS[i][1] for i in ids])
    values = np.stack(
        [sst.sel(lon=x % 360.0, lat=y).values for x, y in zip(lon, lat, strict=True)]
    ).astype(np.float32)
    return xr.Dataset(
        {
            "station": (("station",), np.array(ids, dtype=object), {"cf_role": "timeseries_id"}),
            "lon": (("station",), lon, {"standard_name": "longitude", "units": "degrees_east"}),
            "lat": (("station",), lat, {"standard_name": "latitude", "units": "degrees_north"}),
            "time": (("time",), sst["time"].values, {"standard_name": "time", "axis": "T"}),
            "sst": (("station", "time"), values, _sst_attrs()),
        },
        attrs=_global("timeSeries", "ERSST v5 SST at three stations (derived sample)")
        | {"platform": "ersst-moorings"},
    )


def drifter(sst: xr.DataArray) -> xr.Dataset:
    times, lon, lat = drifter_path()
    months = times.to_period("M").to_timestamp()
    values = sst.sel(
        time=xr.DataArray(months.values, dims="obs"),
        lon=xr.DataArray(lon % 360.0, dims="obs"),
        lat=xr.DataArray(lat, dims="obs"),
        method="nearest",
    ).values.astype(np.float32)
    return xr.Dataset(
        {
            "trajectory": ((), DRIFTER_ID, {"cf_role": "trajectory_id"}),
            "time": (("obs",), times.values, {"standard_name": "time", "axis": "T"}),
            "lon": (("obs",), lon, {"standard_name": "longitude", "units": "degrees_east"}),
            "lat": (("obs",), lat, {"standard_name": "latitude", "units": "degrees_north"}),
            "sst": (("obs",), values, _sst_attrs()),
        },
        attrs=_global("trajectory", "ERSST v5 SST along a synthetic drifter path (derived sample)"),
    )


def _global(feature_type: str, title: str) -> dict[str, str]:
    return {
        "Conventions": "CF-1.8",
        "featureType": feature_type,
        "title": title,
        "source": "samples/sst.mnmean.nc sampled by tools/make_series_sample.py",
        "acknowledgement": CREDIT,
    }


def main(folder: Path = SAMPLES) -> None:
    with xr.open_dataset(SOURCE) as ds:
        sst = ds["sst"].load()
    encoding = {"time": {"units": "days since 1970-01-01", "dtype": "float64"}}
    moorings(sst).to_netcdf(folder / MOORINGS, encoding=encoding)
    drifter(sst).to_netcdf(folder / DRIFTER, encoding=encoding)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLES)
