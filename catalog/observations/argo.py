"""Argo ``*_prof.nc`` files: a table of their profiles, and one profile's values.

Argo semantics (Argo user's manual, §2.2 and reference tables 2 and 6): where a profile's
``DATA_MODE`` is ``A`` (adjusted in real time) or ``D`` (delayed mode) its values are the
``*_ADJUSTED`` variables with their ``*_ADJUSTED_QC`` flags; where it is ``R`` they are the
raw variables and flags. Character variables are decoded from bytes and stripped; the
files' fill values (99999., 999999. for JULD, ``' '`` for flags) are decoded by xarray to
NaN/NaT and to a blank flag ``' '``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import gsw
import numpy as np
import pandas as pd
import xarray as xr

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


def _text(values: np.ndarray) -> np.ndarray:
    """Byte strings (NaN where the fill was decoded) as stripped ``str``."""
    flat = [v.decode("ascii", "replace") if isinstance(v, bytes) else v for v in values.ravel()]
    out = np.array([v.strip() if isinstance(v, str) else "" for v in flat], dtype=object)
    return out.reshape(values.shape)


def _flags(values: np.ndarray) -> np.ndarray:
    """One-character QC flags as ``<U1``, a filled (blank) flag as ``' '``."""
    text = _text(values)
    return np.where(text == "", " ", text).astype("<U1")


def profile_id(platform: str, cycle: int, direction: str) -> str:
    """The profile's id as Argo names its single-profile files: ``5900865_001``, ``…_001D``."""
    return f"{platform}_{cycle:03d}" + ("D" if direction == "D" else "")


def _metadata(ds: xr.Dataset) -> dict[str, Any]:
    """The per-profile columns of an open file (every column but file, row and n_levels)."""
    platform = _text(ds["PLATFORM_NUMBER"].values).astype(str)
    cycle_raw = ds["CYCLE_NUMBER"].values
    cycle = np.where(np.isfinite(cycle_raw), cycle_raw, -1).astype(np.int64)
    direction = _flags(ds["DIRECTION"].values)
    time_qc = _flags(ds["JULD_QC"].values)
    position_qc = _flags(ds["POSITION_QC"].values)
    juld = pd.DatetimeIndex(pd.to_datetime(ds["JULD"].values)).tz_localize("UTC").as_unit("ns")
    bad_time = np.isin(time_qc, list(BAD_FLAGS))
    bad_position = np.isin(position_qc, list(BAD_FLAGS))
    lon = ds["LONGITUDE"].values.astype(np.float64)
    lon = np.where((lon < -180.0) | (lon > 180.0), (lon + 180.0) % 360.0 - 180.0, lon)
    lon = np.where(bad_position, np.nan, lon)
    lat = np.where(bad_position, np.nan, ds["LATITUDE"].values.astype(np.float64))
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
        "data_mode": _flags(ds["DATA_MODE"].values),
    }


def _file_table(path: Path) -> pd.DataFrame:
    """The profile table of one file, reading the per-profile variables and PRES only."""
    with xr.open_dataset(path) as ds:
        columns = _metadata(ds)
        # The one N_LEVELS array read: a level exists where its (raw) pressure does.
        n_levels = np.isfinite(ds["PRES"].values).sum(axis=1).astype(np.int64)
    columns |= {
        "file": str(path),
        "row": np.arange(len(n_levels), dtype=np.int64),
        "n_levels": n_levels,
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


def _levels(ds: xr.Dataset, name: str, adjusted: bool, keep: np.ndarray) -> tuple[Any, Any]:
    """A variable's values and flags at the existing levels, adjusted or raw."""
    stem = f"{name}_ADJUSTED" if adjusted else name
    values = ds[stem].values.astype(np.float64)[keep]
    return values, _flags(ds[f"{stem}_QC"].values)[keep]


def read_profile(path: str | Path, row: int, qc: QC = "good") -> Profile:
    """The profile at ``row`` of the file, its adjusted or raw values as DATA_MODE says.

    ``qc="good"`` sets to NaN each value whose flag is not in ``GOOD_FLAGS``, and the
    temperature and salinity of a level whose pressure is not (the manual's rule: a bad
    pressure makes the level's other values bad). ``qc="all"`` keeps every value. Either
    way the flags are the file's. Levels are those with a (raw) pressure.
    """
    (profile,) = read_profiles(path, [row], qc)
    return profile


def read_profiles(path: str | Path, rows: Iterable[int], qc: QC = "good") -> list[Profile]:
    """The profiles at ``rows`` of one file, each as ``read_profile`` reads it, the file
    opened once (a plot of a float's profiles reads tens of them)."""
    if qc not in ("good", "all"):
        raise InvalidParameters.single("qc", "one of 'good', 'all'")
    wanted = [int(row) for row in rows]
    with xr.open_dataset(path) as ds:
        n = ds.sizes["N_PROF"]
        for row in wanted:
            if not 0 <= row < n:
                raise InvalidParameters.single("row", f"the file has rows 0 to {n - 1}")
        unique = sorted(set(wanted))
        part = ds.isel(N_PROF=unique).load()  # the rows' arrays read once, not a row at a time
    columns = _metadata(part)
    at = {row: k for k, row in enumerate(unique)}
    return [_profile(part, columns, at[row], qc) for row in wanted]


def _profile(ds: xr.Dataset, columns: dict[str, Any], row: int, qc: QC) -> Profile:
    """One profile of an open file (``columns``: its ``_metadata``)."""
    meta = {name: column[row] for name, column in columns.items()}
    file_lat = float(ds["LATITUDE"].values[row])  # for depth, even if flagged
    one = ds.isel(N_PROF=row)
    adjusted = meta["data_mode"] in ("A", "D")
    keep = np.isfinite(one["PRES"].values)
    pressure, pressure_qc = _levels(one, "PRES", adjusted, keep)
    temperature, temperature_qc = _levels(one, "TEMP", adjusted, keep)
    salinity, salinity_qc = _levels(one, "PSAL", adjusted, keep)
    if qc == "good":
        good_pressure = np.isin(pressure_qc, list(GOOD_FLAGS))
        pressure = np.where(good_pressure, pressure, np.nan)
        for values, flags in ((temperature, temperature_qc), (salinity, salinity_qc)):
            values[~(np.isin(flags, list(GOOD_FLAGS)) & good_pressure)] = np.nan
    depth = -gsw.z_from_p(pressure, file_lat) if np.isfinite(file_lat) else pressure * np.nan
    return Profile(
        profile_id=str(meta["profile_id"]),
        platform=str(meta["platform"]),
        cycle=int(meta["cycle"]),
        direction=str(meta["direction"]),
        time=pd.Timestamp(meta["time"]),
        lon=float(meta["lon"]),
        lat=float(meta["lat"]),
        position_qc=str(meta["position_qc"]),
        time_qc=str(meta["time_qc"]),
        data_mode=str(meta["data_mode"]),
        pressure=pressure,
        depth=depth,
        temperature=temperature,
        salinity=salinity,
        pressure_qc=pressure_qc,
        temperature_qc=temperature_qc,
        salinity_qc=salinity_qc,
    )
