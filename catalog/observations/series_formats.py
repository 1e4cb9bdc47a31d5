"""A time series or trajectory written as a file: CSV (one row per sample) and NetCDF (a CF
discrete sampling geometry of that one feature, its own featureType).

Both carry its samples as ``dsg.read_series`` gives them (masked or not as ``qc`` says) and
the flag of each value; the profile writers (``formats``) lend their text of numbers and times.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import xarray as xr

import catalog.formats.stream as stream
from catalog.formats.stream import Out
from catalog.numbers import narrowest
from catalog.observations.formats import stream_iso
from catalog.observations.series import Series

_ROLE = {"timeSeries": ("station", "timeseries_id"), "trajectory": ("trajectory", "trajectory_id")}


def _utc_naive(series: Series) -> np.ndarray:
    return series.time.tz_convert(None).to_numpy(dtype="datetime64[ns]")


def write_csv(series: Series, out: Out) -> None:
    """One row per sample: the feature's id, platform and type, the time and position with
    their flags, then each variable (units in the header) and its flags where it has a flag
    variable. A missing value is empty; numbers in the shortest text that reads back."""
    headers = ["id", "platform", "feature_type", "time"]
    headers += ["longitude [degrees_east]", "latitude [degrees_north]"]
    n = len(series)
    arrays: list[Any] = [
        pa.array(np.full(n, series.feature_id, dtype=object)),
        pa.array(np.full(n, series.platform, dtype=object)),
        pa.array(np.full(n, series.feature_type, dtype=object)),
        stream_iso(_utc_naive(series)),
        pa.array(narrowest(series.lon), from_pandas=True),
        pa.array(narrowest(series.lat), from_pandas=True),
    ]
    for name, flags, meanings in (
        ("time_qc", series.time_qc, series.time_meanings),
        ("position_qc", series.position_qc, series.position_meanings),
    ):
        if meanings:
            headers.append(name)
            arrays.append(pa.array(np.asarray(flags, dtype=str)))
    for name, variable in series.variables.items():
        headers.append(f"{name} [{variable.units}]" if variable.units else name)
        arrays.append(pa.array(narrowest(variable.values), from_pandas=True))
        if variable.flag_meanings:
            headers.append(f"{name}_qc")
            arrays.append(pa.array(np.asarray(variable.qc, dtype=str)))
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(headers)
    out(header.getvalue().encode())
    if not n:
        return
    plain = not any(c in t for t in (series.feature_id, series.platform) for c in ',"\n\r')
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none" if plain else "needed")
    buffer = pa.BufferOutputStream()
    table = pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])
    pa_csv.write_csv(table, buffer, options)
    out(buffer.getvalue().to_pybytes())


def _flag_variable(
    flags: np.ndarray, meanings: dict[str, str], long_name: str
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Flags as a CF flag variable: integers (fill -1) with ``flag_values`` when every flag
    value is an integer, else text with the meanings listed in ``flag_meanings`` only."""
    keys = list(meanings)
    attrs: dict[str, Any] = {"long_name": long_name, "flag_meanings": " ".join(meanings.values())}
    if all(k.lstrip("-").isdigit() for k in keys):
        values = np.array([int(k) for k in keys], dtype=np.int32)
        dtype = np.int8 if values.min() >= -127 and values.max() <= 127 else np.int32
        as_int = np.array([int(f) if f.lstrip("-").isdigit() else -1 for f in flags], dtype=dtype)
        attrs["flag_values"] = values.astype(dtype)
        return as_int, attrs, {"_FillValue": dtype(-1)}
    return np.asarray(flags, dtype=object), attrs, {}


def dataset(series: Series, *, title: str, attribution: str, qc: str) -> xr.Dataset:
    """The feature as a CF-1.8 discrete sampling geometry of one feature (CF 9.3.1, "a single
    feature"): its id, platform and (for a time series) station position as scalars, its
    samples along ``obs``; each variable with its standard name, units and flag variable."""
    id_name, role = _ROLE[series.feature_type]
    station = series.feature_type == "timeSeries"
    position_dims: tuple[str, ...] = () if station else ("obs",)
    lon = series.lon[:1] if station else series.lon
    lat = series.lat[:1] if station else series.lat
    if station and not len(lon):
        lon, lat = np.array([np.nan]), np.array([np.nan])
    z = "pressure" if "pressure" in series.variables else None
    coordinates = " ".join(["time", "lat", "lon", *([z] if z else [])])
    variables: dict[str, Any] = {
        id_name: ((), series.feature_id, {"cf_role": role, "long_name": "feature id"}),
        "platform": ((), series.platform, {"long_name": "platform"}),
        "time": (("obs",), _utc_naive(series), {"standard_name": "time", "axis": "T"}),
        "lon": (
            position_dims,
            lon[0] if station else lon,
            {"standard_name": "longitude", "units": "degrees_east", "axis": "X"},
        ),
        "lat": (
            position_dims,
            lat[0] if station else lat,
            {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"},
        ),
    }
    encoding: dict[str, dict[str, Any]] = {
        "time": {"units": "seconds since 1970-01-01T00:00:00Z", "dtype": "float64"},
        "lon": {"_FillValue": np.nan},
        "lat": {"_FillValue": np.nan},
    }

    def flagged(name: str, of: str, flags: np.ndarray, meanings: dict[str, str]) -> None:
        if not meanings:
            return
        values, attrs, enc = _flag_variable(flags, meanings, f"{of} quality flag")
        dims = position_dims if of in ("lon", "lat") else ("obs",)
        variables[name] = (dims, values[0] if not dims else values, attrs)
        encoding[name] = enc
        variables[of][2]["ancillary_variables"] = name

    flagged("time_qc", "time", series.time_qc, series.time_meanings)
    flagged("position_qc", "lat", series.position_qc, series.position_meanings)
    for name, v in series.variables.items():
        attrs: dict[str, Any] = {"standard_name": v.standard_name, "coordinates": coordinates}
        if v.units:
            attrs["units"] = v.units
        if name in ("pressure", "depth"):
            attrs["positive"] = "down"
            attrs.pop("coordinates")
        variables[name] = (("obs",), v.values, attrs)
        encoding[name] = {"_FillValue": np.nan}
        flagged(f"{name}_qc", name, v.qc, v.flag_meanings)
    data = xr.Dataset(
        variables,
        attrs={
            "Conventions": "CF-1.8",
            "featureType": series.feature_type,
            "title": title,
            "source": f"Ocean Data API, one {series.feature_type} feature",
            "acknowledgement": attribution,
            "qc": f"qc={qc}: "
            + (
                "values whose flag's meaning is not good (or whose sample's vertical coordinate's "
                "is not) are missing, samples whose time is flagged bad left out"
                if qc == "good"
                else "every value, whatever its flag"
            ),
        },
    )
    for name, enc in encoding.items():
        data[name].encoding.update(enc)
    return data


def write_netcdf(
    series: Series,
    out: Out,
    *,
    title: str,
    attribution: str,
    qc: str,
    scratch: str | None = None,
) -> None:
    """The CF DSG file (``dataset``) written to a temporary file, copied to ``out`` in chunks."""
    data = dataset(series, title=title, attribution=attribution, qc=qc)
    with tempfile.TemporaryDirectory(prefix="oceanapi-obs-", dir=scratch) as folder:
        path = Path(folder) / "series.nc"
        data.to_netcdf(path, engine="netcdf4")
        with path.open("rb") as written:
            while piece := written.read(stream.FLUSH):
                out(piece)
