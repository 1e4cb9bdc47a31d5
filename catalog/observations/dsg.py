"""CF discrete sampling geometry files: a table of their features, one profile's values and
one time series' or trajectory's samples.

``profile`` and ``trajectoryProfile`` files give one row per profile; ``timeSeries`` (a station)
and ``trajectory`` (a drifter) one row per feature, at its first time and position, with its
time range (their samples are read by ``read_series``: ``catalog.observations.series``). The
file's layout and roles are found by ``dsg_file``.

Temperature is ``sea_water_temperature`` (in situ; a ``sea_water_potential_temperature`` is
converted to in situ with gsw where a salinity is there), salinity ``sea_water_practical_salinity``
(or ``sea_water_salinity``, read as practical, as Argo labels it), the vertical coordinate
``sea_water_pressure`` (or ``…_due_to_sea_water``) or ``depth`` (or a coordinate with a
``positive`` attribute); pressure is computed from depth with ``gsw.p_from_z`` when only depth
is stored, and depth from pressure with ``gsw.z_from_p``. A flag is good when its meaning is
(``dsg_file.good_meaning``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import gsw
import numpy as np
import pandas as pd
import xarray as xr

from catalog.errors import InvalidParameters
from catalog.observations.argo import QC, Profile
from catalog.observations.dsg_file import (
    DsgUnreadable,
    Roles,
    bad_meaning,
    flag_variable,
    good_meaning,
    per_feature,
    read_roles,
    text,
)
from catalog.observations.index import COLUMNS
from catalog.observations.series import SERIES_TYPES, Series, samples

_ROW_KIND = {"trajectoryProfile": "profile"}
"""What a row of each featureType is, in the table's ``feature_type`` column."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_PRESSURE_UNITS = {"dbar": 1.0, "decibar": 1.0, "decibars": 1.0, "Pa": 1e-4, "bar": 10.0}


def _feature_flags(ds: xr.Dataset, roles: Roles, flag: str | None) -> np.ndarray:
    """A per-feature flag variable's flags as text ('' without one, or where it is not)."""
    values = None if flag is None else per_feature(ds, roles, flag)
    if values is None:
        return np.full(roles.layout.n, "", dtype=object)
    return text(values)


def _utc(values: np.ndarray, name: str) -> pd.DatetimeIndex:
    try:
        stamps = pd.DatetimeIndex(pd.to_datetime(np.asarray(values).ravel()))
    except (TypeError, ValueError) as exc:
        raise DsgUnreadable(f"{name}: its times are not on a standard calendar") from exc
    return stamps.tz_localize("UTC").as_unit("ns")


def _wrap(lon: np.ndarray) -> np.ndarray:
    lon = np.asarray(lon, dtype=np.float64)
    return np.where((lon < -180.0) | (lon > 180.0), (lon + 180.0) % 360.0 - 180.0, lon)


def _ids(ds: xr.Dataset, roles: Roles, rows: slice) -> np.ndarray:
    """Feature ids: the cf_role variable's text, a numeric id prefixed with its platform, each
    character an id in a URL path may not have (``schemas.patterns.NAME``) replaced by '_'."""
    raw = np.atleast_1d(ds[roles.feature_id].values)[rows]
    ids = text(raw)
    if np.issubdtype(raw.dtype, np.number):
        platforms = roles.platform[rows]
        ids = np.array([f"{p}_{i}" for p, i in zip(platforms, ids, strict=True)], dtype=object)
    return np.array([_UNSAFE.sub("_", i) for i in ids], dtype=object)


def _columns(ds: xr.Dataset, path: Path, row: int | None = None) -> tuple[Roles, dict[str, Any]]:
    """The file's roles and its feature table's columns (of every feature, or of the one at
    ``row``): per-feature variables, and the sample variables needed to count levels (the
    vertical coordinate) or, for time series and trajectories, their first and last time and
    first position."""
    name = path.name
    roles = read_roles(ds, name)
    layout = roles.layout
    if row is not None and not 0 <= row < layout.n:
        raise InvalidParameters.single("row", f"the file has rows 0 to {layout.n - 1}")
    rows = slice(None) if row is None else slice(row, row + 1)
    time_flag, time_meanings = flag_variable(ds, roles.time)
    pos_flag, pos_meanings = flag_variable(ds, roles.lat)
    if pos_flag is None:
        pos_flag, pos_meanings = flag_variable(ds, roles.lon)
    lon = per_feature(ds, roles, roles.lon)
    lat = per_feature(ds, roles, roles.lat)
    time_values = per_feature(ds, roles, roles.time)
    if roles.feature_type in ("profile", "trajectoryProfile"):
        if time_values is None or lon is None or lat is None:
            raise DsgUnreadable(f"{name}: a profile's time and position must be per profile")
        z = roles.pressure or roles.depth
        assert z is not None
        if row is None:
            owner = layout.owner(ds)
            levels = np.isfinite(layout.flat(ds, z).astype(np.float64)) & (owner >= 0)
            n_levels = np.bincount(owner[levels], minlength=layout.n)
        else:  # one profile: its own levels only
            n_levels = np.array([np.isfinite(layout.one(ds, z, row).astype(np.float64)).sum()])
        time = _utc(time_values[rows], name)
        time_end = time
        lon, lat = lon[rows], lat[rows]
        time_qc = _feature_flags(ds, roles, time_flag)[rows]
        position_qc = _feature_flags(ds, roles, pos_flag)[rows]
    else:
        series = _series(ds, roles, lon, lat, time_flag, pos_flag, name)
        n_levels, time, time_end, lon, lat, time_qc, position_qc = (v[rows] for v in series)
    bad_time = np.array([bad_meaning(time_meanings.get(f, "")) for f in time_qc], dtype=bool)
    bad_pos = np.array([bad_meaning(pos_meanings.get(f, "")) for f in position_qc], dtype=bool)
    columns = {
        "profile_id": _ids(ds, roles, rows),
        "platform": roles.platform[rows].astype(str),
        "cycle": np.full(len(time), -1, dtype=np.int64),
        "direction": "",
        "time": time.where(~bad_time),
        "lon": np.where(bad_pos, np.nan, _wrap(lon)),
        "lat": np.where(bad_pos, np.nan, np.asarray(lat, dtype=np.float64)),
        "position_qc": np.asarray(position_qc, dtype=str),
        "time_qc": np.asarray(time_qc, dtype=str),
        "data_mode": "",
        "file": str(path),
        "row": np.arange(layout.n, dtype=np.int64)[rows],
        "n_levels": np.asarray(n_levels, dtype=np.int64),
        "feature_type": _ROW_KIND.get(roles.feature_type, roles.feature_type),
        "time_end": time_end.where(~bad_time),
    }
    return roles, columns


def _file_table(path: Path) -> pd.DataFrame:
    """The feature table of one file."""
    with xr.open_dataset(path) as ds:
        _, columns = _columns(ds, path)
    return pd.DataFrame(columns).loc[:, list(COLUMNS)]


def _series(
    ds: xr.Dataset,
    roles: Roles,
    lon: np.ndarray | None,
    lat: np.ndarray | None,
    time_flag: str | None,
    pos_flag: str | None,
    name: str,
) -> tuple[Any, ...]:
    """A time series' or trajectory's sample count, first and last time, and its position at
    the first time (the station's position when it is per feature), with the flags there."""
    layout = roles.layout
    if roles.time is None:
        raise DsgUnreadable(f"{name}: no time variable")
    owner = layout.owner(ds)
    times = _utc(layout.flat(ds, roles.time), name)
    ok = ~np.asarray(times.isna()) & (owner >= 0)
    frame = pd.DataFrame({"owner": owner[ok], "time": times[ok], "at": np.flatnonzero(ok)})
    grouped = frame.groupby("owner")
    first_at = grouped["time"].idxmin().reindex(range(layout.n))
    has = first_at.notna().to_numpy()
    at = frame["at"].to_numpy()[first_at.fillna(0).astype(np.int64).to_numpy()]
    n_samples = grouped.size().reindex(range(layout.n), fill_value=0).to_numpy()
    first = pd.DatetimeIndex(grouped["time"].min().reindex(range(layout.n)))
    last = pd.DatetimeIndex(grouped["time"].max().reindex(range(layout.n)))

    def at_first(var: str | None, per_feature: np.ndarray | None, fill: Any) -> np.ndarray:
        if per_feature is not None:
            return per_feature
        assert var is not None
        values = layout.flat(ds, var)[at]
        return np.asarray(np.where(has, values, fill))

    lon_v = at_first(roles.lon, lon, np.nan).astype(np.float64)
    lat_v = at_first(roles.lat, lat, np.nan).astype(np.float64)
    time_qc = (
        text(at_first(time_flag, _per_feature_or_none(ds, roles, time_flag), np.nan))
        if time_flag is not None
        else np.full(layout.n, "", dtype=object)
    )
    position_qc = (
        text(at_first(pos_flag, _per_feature_or_none(ds, roles, pos_flag), np.nan))
        if pos_flag is not None
        else np.full(layout.n, "", dtype=object)
    )
    return n_samples, first, last, lon_v, lat_v, time_qc, position_qc


def _per_feature_or_none(ds: xr.Dataset, roles: Roles, name: str | None) -> np.ndarray | None:
    return None if name is None else per_feature(ds, roles, name)


def index_features(paths: str | Path | Iterable[str | Path]) -> pd.DataFrame:
    """One row per feature of the files (columns ``index.COLUMNS``), without their samples.

    A profile's row has its time and position; a time series' or trajectory's its first time
    and position there, and ``time_end`` its last time. ``time`` is NaT and ``lon``/``lat``
    NaN where their flags mean bad. ``cycle`` is -1 and ``direction``/``data_mode`` are '' (CF
    has none); flags are the flag values as text, '' without a flag variable. DsgUnreadable
    when a file is not a discrete sampling geometry served here, or ids repeat.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    tables = [_file_table(Path(p)) for p in paths]
    if not tables:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    table = pd.concat(tables, ignore_index=True)
    repeated = table["profile_id"][table["profile_id"].duplicated()]
    if len(repeated):
        raise DsgUnreadable(f"feature id '{repeated.iloc[0]}' is used twice")
    return table


def _masked(values: np.ndarray, flags: np.ndarray, meanings: dict[str, str] | None) -> np.ndarray:
    """Whether each value is kept by ``qc="good"``: all without a flag variable (None)."""
    if meanings is None:
        return np.ones(values.shape, dtype=bool)
    return np.array([good_meaning(meanings.get(f, "")) for f in flags], dtype=bool)


def _sample(
    ds: xr.Dataset, roles: Roles, name: str | None, row: int
) -> tuple[np.ndarray, np.ndarray, dict[str, str] | None]:
    """A sample variable's values of one feature, its flags (text, '' without) and the flags'
    meanings (None without a flag variable); NaN values without the variable."""
    size = len(roles.layout.one(ds, (roles.pressure or roles.depth) or "", row))
    if name is None:
        return np.full(size, np.nan), np.full(size, "", dtype="<U1"), None
    values = roles.layout.one(ds, name, row).astype(np.float64)
    flag, meanings = flag_variable(ds, name)
    if flag is None:
        return values, np.full(values.shape, "", dtype=object).astype(str), None
    return values, text(roles.layout.one(ds, flag, row)).astype(str), meanings


def read_profile(path: str | Path, row: int, qc: QC = "good") -> Profile:
    """The profile at ``row`` of the file (its feature index), as an ``argo.Profile``.

    Levels are those with a vertical coordinate (pressure where stored, else depth).
    Temperature is in situ (°C; a potential temperature converted with gsw where there is a
    salinity), salinity practical; pressure (dbar) comes from depth with ``gsw.p_from_z`` when
    only depth is stored and depth from pressure with ``gsw.z_from_p`` otherwise, both at the
    profile's latitude. ``qc="good"`` sets to NaN each value whose flag's meaning is not good
    (``good_meaning``) and the temperature and salinity of a level whose vertical coordinate's
    flag is not good, as for Argo; a variable without flags keeps its values.
    InvalidParameters (400, naming ``profile_id``) for a time series or trajectory: their
    samples are read by ``read_series``.
    """
    if qc not in ("good", "all"):
        raise InvalidParameters.single("qc", "one of 'good', 'all'")
    path = Path(path)
    with xr.open_dataset(path) as ds:
        roles, columns = _columns(ds, path, row)
        table = {key: value[0] if np.ndim(value) else value for key, value in columns.items()}
        if roles.feature_type not in ("profile", "trajectoryProfile"):
            raise InvalidParameters.single(
                "profile_id",
                f"'{table['profile_id']}' is a {roles.feature_type} feature, not a profile: its "
                "samples are served as a series (GET …/observations/{profile_id}), not as levels",
                "path",
            )
        lat_values = per_feature(ds, roles, roles.lat)
        file_lat = float(lat_values[row]) if lat_values is not None else float("nan")
        z_name = roles.pressure or roles.depth
        z, z_qc, z_meanings = _sample(ds, roles, z_name, row)
        temperature, temperature_qc, t_meanings = _sample(ds, roles, roles.temperature, row)
        salinity, salinity_qc, s_meanings = _sample(ds, roles, roles.salinity, row)
        t_standard = ds[roles.temperature].attrs.get("standard_name") if roles.temperature else ""
        t_units = ds[roles.temperature].attrs.get("units", "") if roles.temperature else ""
        z_units = ds[z_name].attrs.get("units", "dbar") if z_name else "dbar"
    keep = np.isfinite(z)
    z, z_qc = z[keep], z_qc[keep]
    temperature, temperature_qc = temperature[keep], temperature_qc[keep]
    salinity, salinity_qc = salinity[keep], salinity_qc[keep]
    if str(t_units).strip() in ("K", "kelvin", "Kelvin", "degK"):
        temperature = temperature - 273.15
    if qc == "good":
        good_z = _masked(z, z_qc, z_meanings)
        z = np.where(good_z, z, np.nan)
        temperature[~(_masked(temperature, temperature_qc, t_meanings) & good_z)] = np.nan
        salinity[~(_masked(salinity, salinity_qc, s_meanings) & good_z)] = np.nan
    if roles.pressure is not None:
        pressure = z * _PRESSURE_UNITS.get(str(z_units).strip(), 1.0)
        depth = -gsw.z_from_p(pressure, file_lat) if np.isfinite(file_lat) else pressure * np.nan
    else:
        depth = z if roles.positive == "down" else -z
        pressure = gsw.p_from_z(-depth, file_lat) if np.isfinite(file_lat) else depth * np.nan
    if t_standard == "sea_water_potential_temperature":
        lon = float(table["lon"]) if np.isfinite(table["lon"]) else 0.0
        absolute = gsw.SA_from_SP(salinity, pressure, lon, file_lat)
        temperature = gsw.t_from_CT(absolute, gsw.CT_from_pt(absolute, temperature), pressure)
    return Profile(
        profile_id=str(table["profile_id"]),
        platform=str(table["platform"]),
        cycle=int(table["cycle"]),
        direction=str(table["direction"]),
        time=pd.Timestamp(table["time"]),
        lon=float(table["lon"]),
        lat=float(table["lat"]),
        position_qc=str(table["position_qc"]),
        time_qc=str(table["time_qc"]),
        data_mode=str(table["data_mode"]),
        pressure=np.asarray(pressure, dtype=np.float64),
        depth=np.asarray(depth, dtype=np.float64),
        temperature=temperature,
        salinity=salinity,
        pressure_qc=np.asarray(z_qc, dtype=str),
        temperature_qc=np.asarray(temperature_qc, dtype=str),
        salinity_qc=np.asarray(salinity_qc, dtype=str),
    )


def read_series(path: str | Path, row: int, qc: QC = "good") -> Series:
    """The time series or trajectory at ``row`` of the file: its samples in time order
    (``series.samples``); InvalidParameters naming ``profile_id`` for a profile."""
    if qc not in ("good", "all"):
        raise InvalidParameters.single("qc", "one of 'good', 'all'")
    path = Path(path)
    with xr.open_dataset(path) as ds:
        roles, columns = _columns(ds, path, row)
        header = {key: value[0] if np.ndim(value) else value for key, value in columns.items()}
        if roles.feature_type not in SERIES_TYPES:
            raise InvalidParameters.single(
                "profile_id",
                f"'{header['profile_id']}' is a {roles.feature_type} feature: its levels are "
                "served as a profile",
                "path",
            )
        return samples(ds, roles, row, header, qc)
