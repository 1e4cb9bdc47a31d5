"""One CF ``timeSeries`` (a station) or ``trajectory`` (a drifter) feature's samples, in time
order: their times and positions, their vertical coordinate when the feature has one, and every
numeric data variable with a standard name, with its units and QC flags.

Layouts and roles are ``dsg_file``'s, as for profiles. Temperature and salinity are read as
``dsg.read_profile`` reads them (in situ °C, a kelvin temperature converted, a potential
temperature converted to in situ with gsw where a salinity is there; practical salinity), and
pressure and depth each from the other with gsw; any other data variable (a
``sea_surface_temperature``, a ``wind_speed`` …) is carried under its name in its own units.
``qc="good"`` masks as for profiles: a value whose flag's meaning is not good is NaN, and so is
every value of a sample whose vertical coordinate's flag is not good; a sample whose time is
flagged bad (``dsg_file.bad_meaning``) is left out and a position flagged bad is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gsw
import numpy as np
import pandas as pd
import xarray as xr

from catalog.errors import InvalidParameters
from catalog.observations.argo import QC
from catalog.observations.dsg_file import (
    DsgUnreadable,
    Roles,
    bad_meaning,
    flag_variable,
    good_meaning,
    text,
)

SERIES_TYPES = ("timeSeries", "trajectory")
"""The featureTypes whose features are read as series (one value per sample and variable)."""

_KELVIN = ("K", "kelvin", "Kelvin", "degK")
_PRESSURE_UNITS = {"dbar": 1.0, "decibar": 1.0, "decibars": 1.0, "Pa": 1e-4, "bar": 10.0}


@dataclass(frozen=True)
class SeriesVariable:
    """One variable's values at a series' samples, with its flags."""

    standard_name: str
    units: str
    values: np.ndarray
    """float64, NaN where missing (or masked by ``qc="good"``)."""
    qc: np.ndarray
    """Each value's flag as text ('' without a flag variable)."""
    flag_meanings: dict[str, str] = field(default_factory=dict)
    """The flag variable's meaning of each flag (as text); empty without one."""


@dataclass(frozen=True)
class Series:
    """A time series' or trajectory's samples in time order; positions per sample (a time
    series': its station's, the same at every sample)."""

    feature_type: str
    feature_id: str
    platform: str
    time: pd.DatetimeIndex
    """UTC."""
    lon: np.ndarray
    lat: np.ndarray
    time_qc: np.ndarray
    position_qc: np.ndarray
    variables: dict[str, SeriesVariable]
    """pressure and depth (when the feature has a vertical coordinate), temperature, salinity,
    then the file's other data variables by name."""
    time_meanings: dict[str, str] = field(default_factory=dict)
    position_meanings: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.time)


def _per_sample(ds: xr.Dataset, roles: Roles, name: str, row: int, n: int | None) -> np.ndarray:
    """A variable's values at the feature's samples: a scalar's or a per-feature value repeated
    (``n`` of them), a sample variable's own values. InvalidParameters (naming
    ``profile_id``) for a variable with a dimension besides the features' and the samples'."""
    layout = roles.layout
    var = ds[name]
    if var.ndim == 0 or (layout.feature_dim is not None and var.dims == (layout.feature_dim,)):
        value = var.values if var.ndim == 0 else var.values[row]
        return np.full(n if n is not None else 1, value)
    extra = [str(d) for d in var.dims if d not in (layout.feature_dim, layout.sample_dim)]
    if extra:
        raise InvalidParameters.single(
            "profile_id",
            f"its variable '{name}' has the dimension '{extra[0]}' besides the features' and "
            "the samples': several values per time (a timeSeriesProfile) are not served as a "
            "time series",
            "path",
        )
    return layout.one(ds, name, row)


def _is_flag(var: xr.Variable | xr.DataArray) -> bool:
    standard = str(var.attrs.get("standard_name", ""))
    return (
        "flag_values" in var.attrs
        or "flag_meanings" in var.attrs
        or "flag_masks" in var.attrs
        or standard.endswith(("status_flag", "quality_flag"))
    )


def _data_variables(ds: xr.Dataset, roles: Roles) -> list[str]:
    """The file's numeric per-sample variables with a standard name that are neither
    coordinates, ids, counts, indexes nor flags, in the file's order."""
    layout = roles.layout
    taken = {
        roles.time,
        roles.lon,
        roles.lat,
        roles.feature_id,
        roles.pressure,
        roles.depth,
        roles.temperature,
        roles.salinity,
    }
    ancillary = {
        a
        for var in ds.variables.values()
        for a in str(var.attrs.get("ancillary_variables", "")).split()
    }
    found = []
    for name, var in ds.variables.items():
        if (
            name in taken
            or name in ancillary
            or "standard_name" not in var.attrs
            or not np.issubdtype(var.dtype, np.number)
            or layout.sample_dim not in var.dims
            or _is_flag(var)
            or {"cf_role", "sample_dimension", "instance_dimension"} & set(var.attrs)
        ):
            continue
        found.append(str(name))
    return found


def _flags(
    ds: xr.Dataset, roles: Roles, name: str | None, row: int, n: int
) -> tuple[np.ndarray, dict[str, str]]:
    """A variable's flags at the samples (text; '' without a flag variable) and meanings."""
    flag, meanings = flag_variable(ds, name)
    if flag is None:
        return np.full(n, "", dtype=object), {}
    return text(_per_sample(ds, roles, flag, row, n)), meanings


def _variable(ds: xr.Dataset, roles: Roles, name: str, row: int, n: int) -> SeriesVariable:
    attrs = ds[name].attrs
    values = _per_sample(ds, roles, name, row, n).astype(np.float64)
    flags, meanings = _flags(ds, roles, name, row, n)
    return SeriesVariable(
        standard_name=str(attrs.get("standard_name", "")),
        units=str(attrs.get("units", "")),
        values=values,
        qc=flags,
        flag_meanings=meanings,
    )


def _good(variable: SeriesVariable) -> np.ndarray:
    """Whether each value is kept by ``qc="good"`` (all, without a flag variable)."""
    if not variable.flag_meanings:
        return np.ones(len(variable.values), dtype=bool)
    return np.array([good_meaning(variable.flag_meanings.get(f, "")) for f in variable.qc])


def _several_depths(time: pd.DatetimeIndex, z: np.ndarray) -> int:
    """The largest number of distinct vertical coordinates at one time (1 for a time series)."""
    frame = pd.DataFrame({"time": time, "z": z}).dropna()
    if frame.empty:
        return 1
    return int(frame.groupby("time")["z"].nunique().max())


def samples(ds: xr.Dataset, roles: Roles, row: int, header: dict[str, Any], qc: QC) -> Series:
    """The samples of the feature at ``row`` of an open file whose roles are ``roles``
    (``header``: the feature's row of the table, its id and platform), in time order.

    InvalidParameters (400, naming ``profile_id``) for a time series with several vertical
    coordinates at one time, or a variable with a third dimension (a timeSeriesProfile).
    """
    if roles.time is None:
        raise DsgUnreadable(f"{header['profile_id']}: no time variable")
    raw_time = _per_sample(ds, roles, roles.time, row, None)
    n = len(raw_time)
    try:
        time = pd.DatetimeIndex(pd.to_datetime(np.asarray(raw_time).ravel()))
    except (TypeError, ValueError) as exc:
        raise DsgUnreadable("its times are not on a standard calendar") from exc
    time = time.tz_localize("UTC").as_unit("ns")
    lon = (
        _per_sample(ds, roles, roles.lon, row, n).astype(np.float64)
        if roles.lon
        else np.full(n, np.nan)
    )
    lat = (
        _per_sample(ds, roles, roles.lat, row, n).astype(np.float64)
        if roles.lat
        else np.full(n, np.nan)
    )
    lon = np.where((lon < -180.0) | (lon > 180.0), (lon + 180.0) % 360.0 - 180.0, lon)
    time_qc, time_meanings = _flags(ds, roles, roles.time, row, n)
    position_flag = roles.lat if flag_variable(ds, roles.lat)[0] else roles.lon
    position_qc, position_meanings = _flags(ds, roles, position_flag, row, n)

    variables: dict[str, SeriesVariable] = {}
    z_name = roles.pressure or roles.depth
    if z_name is not None:
        z = _variable(ds, roles, z_name, row, n)
        if roles.feature_type == "timeSeries":
            most = _several_depths(time, z.values)
            if most > 1:
                raise InvalidParameters.single(
                    "profile_id",
                    f"'{header['profile_id']}' has {most} vertical coordinates at one time: "
                    "several depths per time is a timeSeriesProfile, not served as a time series",
                    "path",
                )
        none = np.full(n, "", dtype=object)  # the computed one has no flags of its own
        if roles.pressure is not None:
            pressure = z.values * _PRESSURE_UNITS.get(z.units.strip(), 1.0)
            depth = -gsw.z_from_p(pressure, lat)
            variables["pressure"] = SeriesVariable(
                "sea_water_pressure", "dbar", pressure, z.qc, z.flag_meanings
            )
            variables["depth"] = SeriesVariable("depth", "m", depth, none)
        else:
            depth = z.values if roles.positive == "down" else -z.values
            pressure = gsw.p_from_z(-depth, lat)
            variables["pressure"] = SeriesVariable("sea_water_pressure", "dbar", pressure, none)
            variables["depth"] = SeriesVariable("depth", "m", depth, z.qc, z.flag_meanings)
    if roles.salinity is not None:
        salinity = _variable(ds, roles, roles.salinity, row, n)
        variables["salinity"] = SeriesVariable(
            "sea_water_practical_salinity",
            "1",
            salinity.values,
            salinity.qc,
            salinity.flag_meanings,
        )
    if roles.temperature is not None:
        t = _variable(ds, roles, roles.temperature, row, n)
        values = t.values - 273.15 if t.units.strip() in _KELVIN else t.values
        if t.standard_name == "sea_water_potential_temperature":
            if "salinity" in variables:  # at the surface (0 dbar) without a vertical coordinate
                p = variables["pressure"].values if "pressure" in variables else np.zeros(n)
                sa = gsw.SA_from_SP(variables["salinity"].values, p, lon, lat)
                values = gsw.t_from_CT(sa, gsw.CT_from_pt(sa, values), p)
                variables["temperature"] = SeriesVariable(
                    "sea_water_temperature", "degC", values, t.qc, t.flag_meanings
                )
            else:  # no salinity: not convertible, carried as it is
                variables[roles.temperature] = SeriesVariable(
                    t.standard_name, "degC", values, t.qc, t.flag_meanings
                )
        else:
            variables["temperature"] = SeriesVariable(
                "sea_water_temperature", "degC", values, t.qc, t.flag_meanings
            )
    order = ["pressure", "depth", "temperature", "salinity"]
    variables = {k: variables[k] for k in [*order, *variables] if k in variables}
    for name in _data_variables(ds, roles):
        key = name if name not in variables else f"{name}_{len(variables)}"
        variables[key] = _variable(ds, roles, name, row, n)

    keep = ~np.asarray(time.isna())
    if qc == "good":
        keep &= ~np.array([bad_meaning(time_meanings.get(f, "")) for f in time_qc], dtype=bool)
        bad_position = np.array(
            [bad_meaning(position_meanings.get(f, "")) for f in position_qc], dtype=bool
        )
        lon, lat = np.where(bad_position, np.nan, lon), np.where(bad_position, np.nan, lat)
        good_z = (
            _good(variables["pressure"]) & _good(variables["depth"])
            if "pressure" in variables
            else np.ones(n, dtype=bool)
        )
        variables = {
            k: SeriesVariable(
                v.standard_name,
                v.units,
                np.where(_good(v) & good_z, v.values, np.nan),
                v.qc,
                v.flag_meanings,
            )
            for k, v in variables.items()
        }
    at = np.flatnonzero(keep)
    at = at[np.argsort(time[at].to_numpy(), kind="stable")]
    return Series(
        feature_type=roles.feature_type,
        feature_id=str(header["profile_id"]),
        platform=str(header["platform"]),
        time=time[at],
        lon=lon[at],
        lat=lat[at],
        time_qc=np.asarray(time_qc[at], dtype=str),
        position_qc=np.asarray(position_qc[at], dtype=str),
        variables={
            k: SeriesVariable(
                v.standard_name,
                v.units,
                v.values[at],
                np.asarray(v.qc[at], dtype=str),
                v.flag_meanings,
            )
            for k, v in variables.items()
        },
        time_meanings=time_meanings,
        position_meanings=position_meanings,
    )
