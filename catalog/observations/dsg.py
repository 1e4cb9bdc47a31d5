"""CF discrete sampling geometry files (CF conventions, chapter 9): a table of their features,
and one profile's values.

A file's ``featureType`` global attribute says what its features are: ``profile`` and
``trajectoryProfile`` give one row per profile; ``timeSeries`` (a station) and ``trajectory`` (a
drifter) one row per feature, at its first time and position, with its time range (their values
are not served as profiles: see ``read_profile``). The features' samples may be stored as a
contiguous ragged array (a count variable with ``sample_dimension``), an indexed ragged array
(an index variable with ``instance_dimension``) or a multidimensional array (orthogonal or
incomplete: the features' dimension first, the samples' second, or a single feature without
one). cf_xarray 0.11 names the roles (``cf_role``) and standard names; it has no reader of the
ragged layouts, which are read here.

Variables are found by CF standard name: ``sea_water_temperature`` (in situ; a
``sea_water_potential_temperature`` is converted to in situ with gsw where a salinity is
there), ``sea_water_practical_salinity`` (or ``sea_water_salinity``, read as practical, as
Argo labels it), ``sea_water_pressure`` (or ``…_due_to_sea_water``) and ``depth`` (or a
vertical coordinate with a ``positive`` attribute); pressure is computed from depth with
``gsw.p_from_z`` when only depth is stored, and depth from pressure with ``gsw.z_from_p``. QC
flags are the variables' ``ancillary_variables`` with ``flag_values`` and ``flag_meanings``; a
flag is good when its meaning is (see ``good_meaning``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cf_xarray  # noqa: F401  (registers the .cf accessor)
import gsw
import numpy as np
import pandas as pd
import xarray as xr

from catalog.errors import InvalidParameters
from catalog.observations.argo import QC, Profile
from catalog.observations.index import COLUMNS

FEATURE_TYPES = {
    "profile": "profile",
    "trajectoryprofile": "trajectoryProfile",
    "timeseries": "timeSeries",
    "trajectory": "trajectory",
}
"""The featureTypes indexed (CF says they are case-insensitive), by their lower-case name."""

_ROLE = {
    "profile": "profile_id",
    "trajectoryProfile": "profile_id",
    "timeSeries": "timeseries_id",
    "trajectory": "trajectory_id",
}
_ROW_KIND = {"trajectoryProfile": "profile"}
"""What a row of each featureType is, in the table's ``feature_type`` column."""

_GOOD_WORDS = frozenset(
    {"pass", "passed", "value_changed", "changed_value", "estimated_value", "interpolated_value"}
)
_TEMPERATURE = ("sea_water_temperature", "sea_water_potential_temperature")
_SALINITY = ("sea_water_practical_salinity", "sea_water_salinity")
_PRESSURE = ("sea_water_pressure", "sea_water_pressure_due_to_sea_water")
_PRESSURE_UNITS = {"dbar": 1.0, "decibar": 1.0, "decibars": 1.0, "Pa": 1e-4, "bar": 10.0}


class DsgUnreadable(ValueError):
    """The file is not a discrete sampling geometry served here; the message says why."""


def good_meaning(meaning: str) -> bool:
    """Whether a flag meaning is one ``qc="good"`` keeps.

    Good: a meaning that says good and not bad (``good_data``, ``probably_good_data``,
    ``good``), QARTOD's ``pass``, and values an operator changed or estimated
    (``value_changed``, ``estimated_value``, ``interpolated_value``), as Argo's flags 1, 2, 5
    and 8 are kept (``argo.GOOD_FLAGS``). Everything else is masked: bad, suspect,
    not evaluated, no QC performed, missing.
    """
    m = meaning.lower()
    return ("good" in m and "bad" not in m and "not_good" not in m) or m in _GOOD_WORDS


def bad_meaning(meaning: str) -> bool:
    """Whether a time's or position's flag makes it unusable (``bad``, ``fail``): NaT/NaN."""
    m = meaning.lower()
    return "bad" in m or "fail" in m


def _text(values: Any) -> np.ndarray:
    """Ids or flags as stripped ``str``: bytes decoded, integers without a decimal point, a
    missing value (NaN) as ''."""
    out = []
    for v in np.asarray(values, dtype=object).ravel():
        if isinstance(v, bytes):
            out.append(v.decode("utf-8", "replace").strip())
        elif isinstance(v, str):
            out.append(v.strip())
        elif v is None or (isinstance(v, float | np.floating) and not np.isfinite(v)):
            out.append("")
        elif isinstance(v, float | np.floating) and float(v).is_integer():
            out.append(str(int(v)))
        else:
            out.append(str(v))
    return np.array(out, dtype=object).reshape(np.shape(values))


@dataclass(frozen=True)
class _Layout:
    """How a file's samples belong to its features (``feature_dim`` None: a single feature)."""

    kind: str  # "contiguous", "indexed" or "multidimensional"
    feature_dim: str | None
    sample_dim: str
    n: int
    counts: np.ndarray | None = None  # contiguous
    index: np.ndarray | None = None  # indexed

    def owner(self, ds: xr.Dataset) -> np.ndarray:
        """The feature of each sample, aligned with ``flat``."""
        if self.kind == "contiguous":
            assert self.counts is not None
            return np.repeat(np.arange(self.n), self.counts)
        if self.kind == "indexed":
            assert self.index is not None
            return self.index
        m = ds.sizes[self.sample_dim]
        return np.repeat(np.arange(self.n), m)

    def flat(self, ds: xr.Dataset, name: str) -> np.ndarray:
        """A sample variable's values of every feature, aligned with ``owner``."""
        da = ds[name]
        if self.kind == "multidimensional" and self.feature_dim is not None:
            if self.feature_dim in da.dims:
                da = da.transpose(self.feature_dim, self.sample_dim)
            else:  # orthogonal: one coordinate for every feature
                da = da.expand_dims({self.feature_dim: self.n})
        return np.asarray(da.values).ravel()

    def one(self, ds: xr.Dataset, name: str, i: int) -> np.ndarray:
        """A sample variable's values of feature ``i``, in the file's order."""
        da = ds[name]
        if self.kind == "contiguous":
            assert self.counts is not None
            start = int(self.counts[:i].sum())
            da = da.isel({self.sample_dim: slice(start, start + int(self.counts[i]))})
        elif self.kind == "indexed":
            assert self.index is not None
            da = da.isel({self.sample_dim: np.flatnonzero(self.index == i)})
        elif self.feature_dim is not None and self.feature_dim in da.dims:
            da = da.isel({self.feature_dim: i})
        return np.asarray(da.values).ravel()


def feature_type(ds: xr.Dataset, name: str) -> str:
    """The file's featureType, in CF's spelling; DsgUnreadable when missing or not indexed."""
    raw = ds.attrs.get("featureType")
    if raw is None:
        raise DsgUnreadable(
            f"{name} has no featureType attribute (not a CF discrete sampling file)"
        )
    found = FEATURE_TYPES.get(str(raw).strip().lower())
    if found is None:
        known = ", ".join(FEATURE_TYPES.values())
        raise DsgUnreadable(f"{name} has featureType '{raw}', not one served ({known})")
    return found


def _role(ds: xr.Dataset, role: str) -> str | None:
    names = ds.cf.cf_roles.get(role, [])
    return str(names[0]) if names else None


def _layout(ds: xr.Dataset, feature_dim: str | None, name: str) -> _Layout:
    """Find how the samples belong to the features (CF 9.3)."""
    if feature_dim is None:  # a single feature: its samples are on its z or time's dimension
        axes = (*_PRESSURE, "depth", "time")
        dims = [
            str(ds[v].dims[0])
            for standard_name in axes
            for v in ds.cf.standard_names.get(standard_name, [])
            if ds[v].ndim == 1
        ]
        if not dims:
            raise DsgUnreadable(f"{name}: a single feature without a vertical or time axis")
        return _Layout("multidimensional", None, dims[0], 1)
    n = ds.sizes[feature_dim]
    for var in ds.variables.values():
        if "sample_dimension" in var.attrs and var.dims == (feature_dim,):
            counts = np.asarray(var.values)
            if not np.issubdtype(counts.dtype, np.number) or not np.isfinite(counts).all():
                raise DsgUnreadable(f"{name}: the count variable has missing values")
            counts = counts.astype(np.int64)
            sample_dim = str(var.attrs["sample_dimension"])
            if sample_dim not in ds.sizes or counts.sum() > ds.sizes[sample_dim]:
                raise DsgUnreadable(
                    f"{name}: the count variable's counts do not fit its sample dimension "
                    f"'{sample_dim}'"
                )
            return _Layout("contiguous", feature_dim, sample_dim, n, counts=counts)
    for var in ds.variables.values():
        if var.attrs.get("instance_dimension") == feature_dim and len(var.dims) == 1:
            index = np.asarray(var.values)
            index = np.where(np.isfinite(index), index, -1).astype(np.int64)
            return _Layout("indexed", feature_dim, str(var.dims[0]), n, index=index)
    two_d = [v.dims for v in ds.data_vars.values() if len(v.dims) == 2 and v.dims[0] == feature_dim]
    if two_d:
        return _Layout("multidimensional", feature_dim, str(two_d[0][1]), n)
    raise DsgUnreadable(
        f"{name}: no count variable (sample_dimension), index variable (instance_dimension) or "
        f"two-dimensional variables link the samples to the '{feature_dim}' dimension"
    )


def _find(ds: xr.Dataset, standard_names: Iterable[str], dims: set[str | None]) -> str | None:
    """The first variable with one of these standard names (in their order) whose dimensions
    are among ``dims`` (None standing for a scalar)."""
    by_name = ds.cf.standard_names
    for standard_name in standard_names:
        for var in by_name.get(standard_name, []):
            var_dims = set(ds[var].dims) or {None}
            if var_dims <= dims:
                return str(var)
    return None


def _flags(ds: xr.Dataset, name: str | None) -> tuple[str | None, dict[str, str]]:
    """The QC flag variable of ``name`` (its ancillary variable with flag_meanings) and its
    meaning of each flag value (as text); (None, {}) without one."""
    if name is None:
        return None, {}
    for flag in str(ds[name].attrs.get("ancillary_variables", "")).split():
        if flag not in ds.variables or "flag_meanings" not in ds[flag].attrs:
            continue
        meanings = str(ds[flag].attrs["flag_meanings"]).split()
        values = ds[flag].attrs.get("flag_values")
        if values is None:
            continue
        texts = (
            str(values).split()
            if isinstance(values, str | bytes)
            else list(_text(np.atleast_1d(values)))
        )
        return flag, dict(zip(texts, meanings, strict=False))
    return None, {}


@dataclass(frozen=True)
class _Roles:
    """Which variable of the file holds what."""

    feature_type: str
    layout: _Layout
    feature_id: str
    time: str | None
    lon: str | None
    lat: str | None
    platform: np.ndarray  # per feature
    temperature: str | None
    salinity: str | None
    pressure: str | None
    depth: str | None
    positive: str  # "down" or "up", for depth


def _platforms(ds: xr.Dataset, kind: str, layout: _Layout, name: str) -> np.ndarray:
    """Each feature's platform: its trajectory's id (trajectoryProfile, trajectory), else the
    file's platform variable, its ``platform`` or ``id`` attribute, or the file's name."""
    n = layout.n
    trajectory = _role(ds, "trajectory_id")
    if kind in ("trajectory", "trajectoryProfile") and trajectory is not None:
        ids = _text(ds[trajectory].values)
        if ids.ndim == 0:
            return np.full(n, str(ids), dtype=object)
        if kind == "trajectory":
            return ids
        link = next(
            (
                v
                for v in ds.variables.values()
                if v.attrs.get("instance_dimension") == ds[trajectory].dims[0]
                and v.dims == (layout.feature_dim,)
            ),
            None,
        )
        if link is not None:
            return np.asarray(ids[np.asarray(link.values).astype(np.int64)], dtype=object)
        if ids.size == 1:
            return np.full(n, str(ids[0]), dtype=object)
    if "platform" in ds.variables:
        var = ds["platform"]
        if layout.feature_dim is not None and var.dims == (layout.feature_dim,):
            return _text(var.values)
        for attr in ("id", "wmo_code", "call_sign", "long_name"):
            if attr in var.attrs:
                return np.full(n, str(var.attrs[attr]).strip(), dtype=object)
        if var.ndim == 0:
            return np.full(n, str(_text(var.values)), dtype=object)
    for attr in ("platform", "id"):
        if str(ds.attrs.get(attr, "")).strip():
            return np.full(n, str(ds.attrs[attr]).strip(), dtype=object)
    return np.full(n, Path(name).stem, dtype=object)


def _roles(ds: xr.Dataset, name: str) -> _Roles:
    kind = feature_type(ds, name)
    feature_id = _role(ds, _ROLE[kind])
    if feature_id is None:
        raise DsgUnreadable(f"{name}: no variable with cf_role {_ROLE[kind]} ({kind} features)")
    if ds[feature_id].ndim > 1:
        raise DsgUnreadable(f"{name}: {kind} features in more than one dimension are not read")
    feature_dim = str(ds[feature_id].dims[0]) if ds[feature_id].ndim else None
    layout = _layout(ds, feature_dim, name)
    samples: set[str | None] = {layout.sample_dim, feature_dim}
    everything: set[str | None] = {str(d) for d in ds.dims} | {None}
    pressure = _find(ds, _PRESSURE, samples)
    depth = _find(ds, ("depth",), samples)
    positive = "down"
    if depth is None:  # a vertical coordinate by its positive attribute (height, altitude)
        depth = next(
            (
                str(v)
                for v, var in ds.variables.items()
                if str(var.attrs.get("positive", "")).lower() in ("up", "down")
                and set(var.dims) <= {d for d in samples if d is not None}
                and var.dims
            ),
            None,
        )
    if depth is not None:
        positive = str(ds[depth].attrs.get("positive", "down")).lower()
    if kind in ("profile", "trajectoryProfile") and pressure is None and depth is None:
        raise DsgUnreadable(f"{name}: no pressure or depth for the {kind} features' levels")
    return _Roles(
        feature_type=kind,
        layout=layout,
        feature_id=feature_id,
        time=_find(ds, ("time",), everything),
        lon=_find(ds, ("longitude",), everything),
        lat=_find(ds, ("latitude",), everything),
        platform=_platforms(ds, kind, layout, name),
        temperature=_find(ds, _TEMPERATURE, samples),
        salinity=_find(ds, _SALINITY, samples),
        pressure=pressure,
        depth=depth,
        positive=positive,
    )


def _per_feature(ds: xr.Dataset, roles: _Roles, name: str | None) -> np.ndarray | None:
    """A variable on the features' dimension (or a scalar), one value per feature; None when
    it is on the samples."""
    if name is None:
        return np.full(roles.layout.n, np.nan)
    var = ds[name]
    if var.ndim == 0:
        return np.full(roles.layout.n, var.values)
    if roles.layout.feature_dim is not None and var.dims == (roles.layout.feature_dim,):
        return np.asarray(var.values)
    return None


def _feature_flags(ds: xr.Dataset, roles: _Roles, flag: str | None) -> np.ndarray:
    """A per-feature flag variable's flags as text ('' without one, or where it is not)."""
    values = None if flag is None else _per_feature(ds, roles, flag)
    if values is None:
        return np.full(roles.layout.n, "", dtype=object)
    return _text(values)


def _utc(values: np.ndarray, name: str) -> pd.DatetimeIndex:
    try:
        stamps = pd.DatetimeIndex(pd.to_datetime(np.asarray(values).ravel()))
    except (TypeError, ValueError) as exc:
        raise DsgUnreadable(f"{name}: its times are not on a standard calendar") from exc
    return stamps.tz_localize("UTC").as_unit("ns")


def _wrap(lon: np.ndarray) -> np.ndarray:
    lon = np.asarray(lon, dtype=np.float64)
    return np.where((lon < -180.0) | (lon > 180.0), (lon + 180.0) % 360.0 - 180.0, lon)


def _ids(ds: xr.Dataset, roles: _Roles) -> np.ndarray:
    """Feature ids: the cf_role variable's text; a numeric id prefixed with its platform."""
    raw = ds[roles.feature_id].values
    ids = np.atleast_1d(_text(raw))
    if np.issubdtype(np.asarray(raw).dtype, np.number):
        ids = np.array([f"{p}_{i}" for p, i in zip(roles.platform, ids, strict=True)], dtype=object)
    return ids


def _columns(ds: xr.Dataset, path: Path) -> tuple[_Roles, dict[str, Any]]:
    """The file's roles and its feature table's columns: per-feature variables, and the sample
    variables needed to count levels (the vertical coordinate) or, for time series and
    trajectories, their first and last time and first position."""
    name = path.name
    roles = _roles(ds, name)
    layout = roles.layout
    time_flag, time_meanings = _flags(ds, roles.time)
    pos_flag, pos_meanings = _flags(ds, roles.lat)
    if pos_flag is None:
        pos_flag, pos_meanings = _flags(ds, roles.lon)
    lon = _per_feature(ds, roles, roles.lon)
    lat = _per_feature(ds, roles, roles.lat)
    time_values = _per_feature(ds, roles, roles.time)
    if roles.feature_type in ("profile", "trajectoryProfile"):
        if time_values is None or lon is None or lat is None:
            raise DsgUnreadable(f"{name}: a profile's time and position must be per profile")
        z = roles.pressure or roles.depth
        assert z is not None
        owner = layout.owner(ds)
        levels = np.isfinite(layout.flat(ds, z).astype(np.float64)) & (owner >= 0)
        n_levels = np.bincount(owner[levels], minlength=layout.n)
        time = _utc(time_values, name)
        time_end = time
        time_qc = _feature_flags(ds, roles, time_flag)
        position_qc = _feature_flags(ds, roles, pos_flag)
    else:
        n_levels, time, time_end, lon, lat, time_qc, position_qc = _series(
            ds, roles, lon, lat, time_flag, pos_flag, name
        )
    bad_time = np.array([bad_meaning(time_meanings.get(f, "")) for f in time_qc], dtype=bool)
    bad_pos = np.array([bad_meaning(pos_meanings.get(f, "")) for f in position_qc], dtype=bool)
    columns = {
        "profile_id": _ids(ds, roles),
        "platform": roles.platform.astype(str),
        "cycle": np.full(layout.n, -1, dtype=np.int64),
        "direction": "",
        "time": time.where(~bad_time),
        "lon": np.where(bad_pos, np.nan, _wrap(lon)),
        "lat": np.where(bad_pos, np.nan, np.asarray(lat, dtype=np.float64)),
        "position_qc": np.asarray(position_qc, dtype=str),
        "time_qc": np.asarray(time_qc, dtype=str),
        "data_mode": "",
        "file": str(path),
        "row": np.arange(layout.n, dtype=np.int64),
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
    roles: _Roles,
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
        _text(at_first(time_flag, _per_feature_or_none(ds, roles, time_flag), np.nan))
        if time_flag is not None
        else np.full(layout.n, "", dtype=object)
    )
    position_qc = (
        _text(at_first(pos_flag, _per_feature_or_none(ds, roles, pos_flag), np.nan))
        if pos_flag is not None
        else np.full(layout.n, "", dtype=object)
    )
    return n_samples, first, last, lon_v, lat_v, time_qc, position_qc


def _per_feature_or_none(ds: xr.Dataset, roles: _Roles, name: str | None) -> np.ndarray | None:
    return None if name is None else _per_feature(ds, roles, name)


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
    ds: xr.Dataset, roles: _Roles, name: str | None, row: int
) -> tuple[np.ndarray, np.ndarray, dict[str, str] | None]:
    """A sample variable's values of one feature, its flags (text, '' without) and the flags'
    meanings (None without a flag variable); NaN values without the variable."""
    size = len(roles.layout.one(ds, (roles.pressure or roles.depth) or "", row))
    if name is None:
        return np.full(size, np.nan), np.full(size, "", dtype="<U1"), None
    values = roles.layout.one(ds, name, row).astype(np.float64)
    flag, meanings = _flags(ds, name)
    if flag is None:
        return values, np.full(values.shape, "", dtype=object).astype(str), None
    return values, _text(roles.layout.one(ds, flag, row)).astype(str), meanings


def read_profile(path: str | Path, row: int, qc: QC = "good") -> Profile:
    """The profile at ``row`` of the file (its feature index), as an ``argo.Profile``.

    Levels are those with a vertical coordinate (pressure where stored, else depth).
    Temperature is in situ (°C; a potential temperature converted with gsw where there is a
    salinity), salinity practical; pressure (dbar) comes from depth with ``gsw.p_from_z`` when
    only depth is stored and depth from pressure with ``gsw.z_from_p`` otherwise, both at the
    profile's latitude. ``qc="good"`` sets to NaN each value whose flag's meaning is not good
    (``good_meaning``) and the temperature and salinity of a level whose vertical coordinate's
    flag is not good, as for Argo; a variable without flags keeps its values.
    InvalidParameters (400, naming ``profile_id``) for a time series or trajectory: they are
    listed, but their values are not served as profiles.
    """
    if qc not in ("good", "all"):
        raise InvalidParameters.single("qc", "one of 'good', 'all'")
    path = Path(path)
    with xr.open_dataset(path) as ds:
        roles, columns = _columns(ds, path)
        if not 0 <= row < roles.layout.n:
            raise InvalidParameters.single("row", f"the file has rows 0 to {roles.layout.n - 1}")
        table = {key: value[row] if np.ndim(value) else value for key, value in columns.items()}
        if roles.feature_type not in ("profile", "trajectoryProfile"):
            raise InvalidParameters.single(
                "profile_id",
                f"'{table['profile_id']}' is a {roles.feature_type} feature: it is listed with "
                "its first time and position and its time range, but its values are not served "
                "yet (only profiles' levels are)",
                "path",
            )
        lat_values = _per_feature(ds, roles, roles.lat)
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
