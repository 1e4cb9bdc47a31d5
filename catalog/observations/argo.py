"""Argo ``*_prof.nc`` files: a table of their profiles, and one profile's values.

Argo semantics (Argo user's manual, §2.2 and reference tables 2 and 6): where a profile's
``DATA_MODE`` is ``A`` (adjusted in real time) or ``D`` (delayed mode) its values are the
``*_ADJUSTED`` variables with their ``*_ADJUSTED_QC`` flags; where it is ``R`` they are the
raw variables and flags. Files are read with netCDF4 (an xarray open costs ten times more:
a float's file is opened for every page of its profiles); character variables are decoded
from bytes and stripped, the fill values (99999., 999999. for JULD, ``' '`` for flags) read
as NaN/NaT and a blank flag ``' '``, as xarray reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import gsw
import netCDF4
import numpy as np
import pandas as pd
from xarray.coding.times import decode_cf_datetime

from catalog.errors import InvalidParameters
from catalog.observations.index import COLUMNS

GOOD_FLAGS = frozenset("1258")
"""Argo table 2 flags whose values ``qc="good"`` keeps.

1 good, 2 probably good, 5 value changed and 8 estimated (interpolated by the delayed-mode
operator): the last two are values a delayed-mode operator has set and stands behind, so
they are kept, as the Argo quality-control manual's users do; argopy's "good" (1 and 2
only) would drop corrected values. 3 (bad, potentially correctable), 4 (bad), 9
(missing), 0 and ' ' (no QC) are masked.
"""

BAD_FLAGS = frozenset("34")
"""Flags of a profile's time or position that make it unusable (3 and 4): NaT/NaN in the table."""

QC = Literal["good", "all"]
Rows = slice | np.ndarray


@dataclass(frozen=True)
class Profile:
    """One Argo profile: its metadata and its values, level by level (shallow to deep)."""

    profile_id: str
    platform: str
    cycle: int
    direction: str
    time: pd.Timestamp
    lon: float
    lat: float
    position_qc: str
    time_qc: str
    data_mode: str
    pressure: np.ndarray
    """Sea pressure, dbar."""
    depth: np.ndarray
    """Depth, m, positive down (``-gsw.z_from_p`` at the profile's latitude)."""
    temperature: np.ndarray
    """In-situ temperature (ITS-90), °C."""
    salinity: np.ndarray
    """Practical salinity (PSS-78)."""
    pressure_qc: np.ndarray
    temperature_qc: np.ndarray
    salinity_qc: np.ndarray


REQUIRED = (
    "PLATFORM_NUMBER",
    "CYCLE_NUMBER",
    "DIRECTION",
    "DATA_MODE",
    "JULD",
    "JULD_QC",
    "LATITUDE",
    "LONGITUDE",
    "POSITION_QC",
    "PRES",
)
"""The variables a profile file must have to be indexed."""


def _open(path: str | Path) -> netCDF4.Dataset:
    """The file, its values read as stored: the fill values are set to NaN here (``_numbers``),
    as xarray does, and values outside ``valid_min``/``valid_max`` are kept (a longitude of
    200 is wrapped, not lost); KeyError naming what a file that is not Argo's lacks."""
    ds = netCDF4.Dataset(path)
    missing = [name for name in REQUIRED if name not in ds.variables]
    if missing:
        ds.close()
        raise KeyError(f"{path} has no {', '.join(missing)}: not an Argo profile file")
    ds.set_auto_mask(False)
    return ds


def _numbers(var: netCDF4.Variable[Any], rows: Rows) -> np.ndarray:
    """A numeric variable's rows as float64, NaN where its fill value (or missing value) is."""
    values = np.asarray(var[rows], dtype=np.float64)
    for attr in ("_FillValue", "missing_value"):
        if attr in var.ncattrs():
            values[values == np.float64(var.getncattr(attr))] = np.nan
    return values


def _chars(var: netCDF4.Variable[Any], rows: Rows) -> np.ndarray:
    """A one-character variable's rows (flags, modes) as ``<U1``, a blank or null one ``' '``;
    also when written with a trailing ``STRING1`` dimension (as xarray writes a character)."""
    values = np.asarray(var[rows])
    if var.dimensions and var.dimensions[-1].startswith("STRING"):
        values = values[..., 0]
    text = values.astype("<U1")
    return np.where(np.char.strip(text) == "", " ", text)


def _strings(var: netCDF4.Variable[Any], rows: Rows) -> np.ndarray:
    """A character-array variable's rows (``N_PROF`` x ``STRINGn``) as stripped ``str``."""
    return np.char.strip(netCDF4.chartostring(np.asarray(var[rows])).astype(str))


def profile_id(platform: str, cycle: int, direction: str) -> str:
    """The profile's id as Argo names its single-profile files: ``5900865_001``, ``…_001D``."""
    return f"{platform}_{cycle:03d}" + ("D" if direction == "D" else "")


def _metadata(ds: netCDF4.Dataset, rows: Rows) -> dict[str, Any]:
    """The per-profile columns of these rows of an open file (every column but file, row and
    n_levels)."""
    platform = _strings(ds["PLATFORM_NUMBER"], rows)
    cycle_raw = _numbers(ds["CYCLE_NUMBER"], rows)
    cycle = np.where(np.isfinite(cycle_raw), cycle_raw, -1).astype(np.int64)
    direction = _chars(ds["DIRECTION"], rows)
    time_qc = _chars(ds["JULD_QC"], rows)
    position_qc = _chars(ds["POSITION_QC"], rows)
    juld_var = ds["JULD"]
    juld = pd.DatetimeIndex(
        decode_cf_datetime(_numbers(juld_var, rows), juld_var.units, use_cftime=False)
    )
    juld = juld.tz_localize("UTC").as_unit("ns")
    bad_time = np.isin(time_qc, list(BAD_FLAGS))
    bad_position = np.isin(position_qc, list(BAD_FLAGS))
    lon = _numbers(ds["LONGITUDE"], rows)
    lon = np.where((lon < -180.0) | (lon > 180.0), (lon + 180.0) % 360.0 - 180.0, lon)
    lon = np.where(bad_position, np.nan, lon)
    lat = np.where(bad_position, np.nan, _numbers(ds["LATITUDE"], rows))
    return {
        "profile_id": np.array(
            [profile_id(p, int(c), d) for p, c, d in zip(platform, cycle, direction, strict=True)]
        ),
        "platform": platform,
        "cycle": cycle,
        "direction": direction,
        "time": juld.where(~bad_time),  # NaT where bad
        "lon": lon,
        "lat": lat,
        "position_qc": position_qc,
        "time_qc": time_qc,
        "data_mode": _chars(ds["DATA_MODE"], rows),
    }


def _file_table(path: Path) -> pd.DataFrame:
    """The profile table of one file, reading the per-profile variables and PRES only."""
    with _open(path) as ds:
        every = slice(None)
        columns = _metadata(ds, every)
        # The one N_LEVELS array read: a level exists where its (raw) pressure does.
        n_levels = np.isfinite(_numbers(ds["PRES"], every)).sum(axis=1).astype(np.int64)
    columns |= {
        "file": str(path),
        "row": np.arange(len(n_levels), dtype=np.int64),
        "n_levels": n_levels,
        "feature_type": "profile",
        "time_end": columns["time"],
    }
    return pd.DataFrame(columns).loc[:, list(COLUMNS)]


def index_profiles(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """One row per profile of the files (columns ``index.COLUMNS``), without their levels.

    ``time`` is JULD in UTC, NaT where JULD is missing or its flag is 3 or 4 (bad: a
    time search must not place a profile at a time known to be wrong); ``lon``/``lat`` are
    NaN where POSITION_QC is 3 or 4, for the same reason; the flags are carried either way.
    ``lon`` outside [-180, 180] is wrapped into it (values inside are kept as the file has
    them). ``cycle`` is -1 where CYCLE_NUMBER is missing. ``n_levels`` counts the levels
    with a pressure, the one N_LEVELS variable read; the other level arrays are not.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    tables = [_file_table(Path(p)) for p in paths]
    if not tables:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    return pd.concat(tables, ignore_index=True)


def read_profile(path: str | Path, row: int, qc: QC = "good") -> Profile:
    """The profile at ``row`` of the file (``read_profiles`` of one row)."""
    return read_profiles(path, [row], qc)[0]


def read_profiles(path: str | Path, rows: Sequence[int], qc: QC = "good") -> list[Profile]:
    """The profiles at ``rows`` of the file, in that order, its adjusted or raw values as each
    profile's DATA_MODE says; the file is opened once.

    ``qc="good"`` sets to NaN each value whose flag is not in ``GOOD_FLAGS``, and the
    temperature and salinity of a level whose pressure is not (the manual's rule: a bad
    pressure makes the level's other values bad). ``qc="all"`` keeps every value. Either
    way the flags are the file's. Levels are those with a (raw) pressure.
    """
    if qc not in ("good", "all"):
        raise InvalidParameters.single("qc", "one of 'good', 'all'")
    with _open(path) as ds:
        n = ds.dimensions["N_PROF"].size
        bad = [r for r in rows if not 0 <= r < n]
        if bad:
            raise InvalidParameters.single("row", f"the file has rows 0 to {n - 1}")
        # The rows' span, read in one piece per variable, then the rows taken from it.
        first = min(rows, default=0)
        span = slice(first, max(rows, default=-1) + 1)
        take = np.asarray(rows, dtype=np.int64) - first
        meta = {name: column[take] for name, column in _metadata(ds, span).items()}
        file_lat = _numbers(ds["LATITUDE"], span)[take]  # for depth, even if flagged
        raw_pressure = _numbers(ds["PRES"], span)[take]
        adjusted_rows = np.isin(meta["data_mode"], ["A", "D"])
        suffixes = [""] * int(not adjusted_rows.all()) + ["_ADJUSTED"] * int(adjusted_rows.any())
        arrays = {  # only the values and flags some profile uses
            stem: (_numbers(ds[stem], span)[take], _chars(ds[f"{stem}_QC"], span)[take])
            for name in ("PRES", "TEMP", "PSAL")
            for stem in (name + suffix for suffix in suffixes)
        }
    profiles = []
    for i in range(len(rows)):
        adjusted = meta["data_mode"][i] in ("A", "D")
        keep = np.isfinite(raw_pressure[i])

        def levels(name: str, i: int = i, adjusted: bool = adjusted, keep: Any = keep) -> Any:
            values, flags = arrays[f"{name}_ADJUSTED" if adjusted else name]
            return values[i][keep].copy(), flags[i][keep]

        pressure, pressure_qc = levels("PRES")
        temperature, temperature_qc = levels("TEMP")
        salinity, salinity_qc = levels("PSAL")
        if qc == "good":
            good_pressure = np.isin(pressure_qc, list(GOOD_FLAGS))
            pressure = np.where(good_pressure, pressure, np.nan)
            for values, flags in ((temperature, temperature_qc), (salinity, salinity_qc)):
                values[~(np.isin(flags, list(GOOD_FLAGS)) & good_pressure)] = np.nan
        lat = file_lat[i]
        depth = -gsw.z_from_p(pressure, lat) if np.isfinite(lat) else pressure * np.nan
        profiles.append(
            Profile(
                profile_id=str(meta["profile_id"][i]),
                platform=str(meta["platform"][i]),
                cycle=int(meta["cycle"][i]),
                direction=str(meta["direction"][i]),
                time=pd.Timestamp(meta["time"][i]),
                lon=float(meta["lon"][i]),
                lat=float(meta["lat"][i]),
                position_qc=str(meta["position_qc"][i]),
                time_qc=str(meta["time_qc"][i]),
                data_mode=str(meta["data_mode"][i]),
                pressure=pressure,
                depth=depth,
                temperature=temperature,
                salinity=salinity,
                pressure_qc=pressure_qc,
                temperature_qc=temperature_qc,
                salinity_qc=salinity_qc,
            )
        )
    return profiles
