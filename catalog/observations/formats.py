"""Profiles written as files: CSV (one row per level) and NetCDF (CF discrete sampling
geometry, featureType ``profile``, contiguous ragged array).

Both carry every level a profile has, its values as ``read_profile`` gives them (adjusted or
raw as its data mode says, masked or not as ``qc`` says) and the Argo QC flag of each value.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.csv as pa_csv  # type: ignore[import-untyped]
import xarray as xr

import catalog.formats.stream as stream
from catalog.formats.stream import Out
from catalog.numbers import narrowest
from catalog.observations.argo import Profile

UNITS = {"pressure": "dbar", "depth": "m", "temperature": "degC", "salinity": "1"}
"""The units of a profile's level variables, as the JSON answer states them."""

FLAG_MEANINGS = (
    "no_qc_performed good_data probably_good_data bad_data_potentially_correctable bad_data "
    "value_changed not_used_6 not_used_7 estimated_value missing_value"
)
"""Argo reference table 2, flags 0 to 9, as CF flag meanings."""

STANDARD_NAMES = {
    "pressure": "sea_water_pressure",
    "temperature": "sea_water_temperature",
    "salinity": "sea_water_practical_salinity",
}
"""The CF standard names of the flagged level variables."""

LEVEL_COLUMNS = (
    "pressure",
    "pressure_qc",
    "depth",
    "temperature",
    "temperature_qc",
    "salinity",
    "salinity_qc",
)
PROFILE_COLUMNS = (
    "profile_id",
    "platform",
    "cycle",
    "direction",
    "time",
    "longitude",
    "latitude",
    "data_mode",
    "position_qc",
    "time_qc",
)


def _profile_values(p: Profile) -> dict[str, Any]:
    return {
        "profile_id": p.profile_id,
        "platform": p.platform,
        "cycle": p.cycle,
        "direction": p.direction,
        "time": p.time,
        "longitude": p.lon,
        "latitude": p.lat,
        "data_mode": p.data_mode,
        "position_qc": p.position_qc,
        "time_qc": p.time_qc,
    }


def level_table(profiles: Sequence[Profile]) -> pd.DataFrame:
    """One row per level of each profile: the profile's columns repeated, then its levels'."""
    sizes = np.array([len(p.pressure) for p in profiles], dtype=np.int64)
    columns: dict[str, Any] = {}
    for name in PROFILE_COLUMNS:
        per_profile = [_profile_values(p)[name] for p in profiles]
        if name == "time":
            column: Any = pd.DatetimeIndex(per_profile)
            column = column.tz_convert(None) if column.tz is not None else column
            columns[name] = np.repeat(column.to_numpy(dtype="datetime64[ns]"), sizes)
        else:
            columns[name] = np.repeat(np.array(per_profile, dtype=object), sizes)
    for name in LEVEL_COLUMNS:
        parts = [np.asarray(getattr(p, name)) for p in profiles]
        columns[name] = np.concatenate(parts) if parts else np.array([], dtype=float)
    return pd.DataFrame(columns)


def write_csv(profiles: Sequence[Profile], out: Out) -> None:
    """A tidy table, one row per level, units in the headers; a missing value is empty, a
    blank flag is a space. Each profile's columns are made once and taken by row (Arrow)."""
    names = [*PROFILE_COLUMNS, *LEVEL_COLUMNS]
    header = io.StringIO()
    csv.writer(header, lineterminator="\n").writerow(
        [f"{name} [{UNITS[name]}]" if name in UNITS else name for name in names]
    )
    out(header.getvalue().encode())
    if not profiles:
        return
    sizes = np.array([len(p.pressure) for p in profiles], dtype=np.int64)
    rows = pa.array(np.repeat(np.arange(len(profiles)), sizes))
    per_profile = [_profile_values(p) for p in profiles]
    arrays = []
    for name in PROFILE_COLUMNS:
        values = [v[name] for v in per_profile]
        if name == "time":
            column = stream_iso(pd.DatetimeIndex(values).tz_convert(None).to_numpy())
        elif name in ("longitude", "latitude"):
            column = pa.array(np.array(values, dtype=np.float64), from_pandas=True)
        else:
            column = pa.array(values)
        arrays.append(column.take(rows))
    for name in LEVEL_COLUMNS:
        joined = np.concatenate([np.asarray(getattr(p, name)) for p in profiles])
        if name in UNITS:  # the shortest text that reads back as the file's value
            arrays.append(pa.array(narrowest(joined.astype(np.float64)), from_pandas=True))
        else:
            arrays.append(pa.array(joined.astype(str)))
    text = [str(v[n]) for v in per_profile for n in ("profile_id", "platform")]
    plain = not any(c in t for t in text for c in ',"\n\r')
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none" if plain else "needed")
    buffer = pa.BufferOutputStream()
    pa_csv.write_csv(pa.Table.from_arrays(arrays, names=names), buffer, options)
    out(buffer.getvalue().to_pybytes())


def stream_iso(values: np.ndarray) -> Any:
    """Instants as ISO 8601 text with a Z (whole seconds); NaT as empty."""
    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
    return pa.array(np.where(np.isnat(values), "", np.char.add(text, "Z")))


def _flags(values: np.ndarray) -> np.ndarray:
    """Argo flag characters as int8 (a blank flag: -1, the fill value)."""
    text = np.asarray(values, dtype="<U1")
    digits = np.char.isdigit(text)
    return np.where(digits, text, "-1").astype(np.int8)


def dataset(profiles: Sequence[Profile], *, title: str, attribution: str, qc: str) -> xr.Dataset:
    """The profiles as a CF-1.8 discrete sampling geometry (featureType profile): the
    per-profile variables along ``profile``, the levels of all profiles one after the other
    along ``obs``, ``row_size`` counting each profile's levels (a contiguous ragged array)."""
    table = level_table(profiles)
    sizes = np.array([len(p.pressure) for p in profiles], dtype=np.int32)
    times = pd.DatetimeIndex([p.time for p in profiles])
    times = times.tz_convert(None) if times.tz is not None else times
    flag = {
        "flag_values": np.arange(10, dtype=np.int8),
        "flag_meanings": FLAG_MEANINGS,
        "_FillValue": np.int8(-1),
    }
    data = xr.Dataset(
        {
            "profile_id": (
                "profile",
                np.array([p.profile_id for p in profiles], dtype=object),
                {"cf_role": "profile_id", "long_name": "profile id (platform_cycle)"},
            ),
            "platform": (
                "profile",
                np.array([p.platform for p in profiles], dtype=object),
                {"long_name": "platform (float WMO number)"},
            ),
            "cycle": (
                "profile",
                np.array([p.cycle for p in profiles], dtype=np.int32),
                {"long_name": "cycle number"},
            ),
            "data_mode": (
                "profile",
                np.array([p.data_mode for p in profiles], dtype=object),
                {"long_name": "Argo data mode: R raw, A adjusted in real time, D delayed mode"},
            ),
            "row_size": (
                "profile",
                sizes,
                {"sample_dimension": "obs", "long_name": "number of levels in the profile"},
            ),
            "time": (
                "profile",
                times.to_numpy(dtype="datetime64[ns]"),
                {"standard_name": "time", "axis": "T"},
            ),
            "lon": (
                "profile",
                np.array([p.lon for p in profiles], dtype=np.float64),
                {"standard_name": "longitude", "units": "degrees_east", "axis": "X"},
            ),
            "lat": (
                "profile",
                np.array([p.lat for p in profiles], dtype=np.float64),
                {"standard_name": "latitude", "units": "degrees_north", "axis": "Y"},
            ),
            "pressure": (
                "obs",
                table["pressure"].to_numpy(np.float64),
                {
                    "standard_name": "sea_water_pressure",
                    "units": "dbar",
                    "positive": "down",
                    "axis": "Z",
                    "ancillary_variables": "pressure_qc",
                },
            ),
            "depth": (
                "obs",
                table["depth"].to_numpy(np.float64),
                {
                    "standard_name": "depth",
                    "units": "m",
                    "positive": "down",
                    "comment": "from pressure and latitude with gsw.z_from_p (TEOS-10)",
                },
            ),
            "temperature": (
                "obs",
                table["temperature"].to_numpy(np.float64),
                {
                    "standard_name": "sea_water_temperature",
                    "units": "degC",
                    "long_name": "in-situ temperature (ITS-90)",
                    "coordinates": "time lat lon pressure",
                    "ancillary_variables": "temperature_qc",
                },
            ),
            "salinity": (
                "obs",
                table["salinity"].to_numpy(np.float64),
                {
                    "standard_name": "sea_water_practical_salinity",
                    "units": "1",
                    "long_name": "practical salinity (PSS-78)",
                    "coordinates": "time lat lon pressure",
                    "ancillary_variables": "salinity_qc",
                },
            ),
            **{
                f"{name}_qc": (
                    "obs",
                    _flags(table[f"{name}_qc"].to_numpy()),
                    {
                        "long_name": f"{name} Argo QC flag",
                        "standard_name": f"{standard} status_flag",
                        **flag,
                    },
                )
                for name, standard in STANDARD_NAMES.items()
            },
        },
        attrs={
            "Conventions": "CF-1.8",
            "featureType": "profile",
            "title": title,
            "source": "Ocean Data API, observation profiles",
            "acknowledgement": attribution,
            "qc": f"qc={qc}: "
            + (
                "values whose flag is not 1, 2, 5 or 8 (or whose level's pressure is not) are "
                "missing"
                if qc == "good"
                else "every value, whatever its flag"
            ),
        },
    )
    data["time"].encoding.update(units="seconds since 1970-01-01T00:00:00Z", dtype="float64")
    for name in ("pressure", "depth", "temperature", "salinity", "lon", "lat"):
        data[name].encoding["_FillValue"] = np.nan
    for name in ("pressure_qc", "temperature_qc", "salinity_qc"):
        fill = data[name].attrs.pop("_FillValue")
        data[name].encoding["_FillValue"] = fill
    return data


def write_netcdf(
    profiles: Sequence[Profile],
    out: Out,
    *,
    title: str,
    attribution: str,
    qc: str,
    scratch: str | None = None,
) -> None:
    """The CF DSG file (``dataset``) written by the netCDF library to a temporary file, then
    copied to ``out`` in chunks."""
    data = dataset(profiles, title=title, attribution=attribution, qc=qc)
    with tempfile.TemporaryDirectory(prefix="oceanapi-obs-", dir=scratch) as folder:
        path = Path(folder) / "profiles.nc"
        data.to_netcdf(path, engine="netcdf4")
        with path.open("rb") as written:
            while piece := written.read(stream.FLUSH):
                out(piece)
