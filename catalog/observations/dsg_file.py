"""What a CF discrete sampling geometry file holds (CF conventions, chapter 9): its featureType,
how its samples belong to its features, and which variable is what.

A file's ``featureType`` global attribute says what its features are (``profile``,
``trajectoryProfile``, ``timeSeries``, ``trajectory`` are read). The features' samples may be
stored as a contiguous ragged array (a count variable with ``sample_dimension``), an indexed
ragged array (an index variable with ``instance_dimension``) or a multidimensional array
(orthogonal or incomplete: the features' dimension first, the samples' second, or a single
feature without one). cf_xarray 0.11 names the roles (``cf_role``) and standard names; it has
no reader of the ragged layouts, which are read here. Variables are found by CF standard name,
and their QC flags are their ``ancillary_variables`` with ``flag_values`` and ``flag_meanings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cf_xarray  # noqa: F401  (registers the .cf accessor)
import numpy as np
import xarray as xr

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

_GOOD_WORDS = frozenset(
    {"pass", "passed", "value_changed", "changed_value", "estimated_value", "interpolated_value"}
)
TEMPERATURE = ("sea_water_temperature", "sea_water_potential_temperature")
SALINITY = ("sea_water_practical_salinity", "sea_water_salinity")
PRESSURE = ("sea_water_pressure", "sea_water_pressure_due_to_sea_water")


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


def text(values: Any) -> np.ndarray:
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
class Layout:
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


def _layout(ds: xr.Dataset, feature_dim: str | None, name: str) -> Layout:
    """Find how the samples belong to the features (CF 9.3)."""
    if feature_dim is None:  # a single feature: its samples are on its z or time's dimension
        axes = (*PRESSURE, "depth", "time")
        dims = [
            str(ds[v].dims[0])
            for standard_name in axes
            for v in ds.cf.standard_names.get(standard_name, [])
            if ds[v].ndim == 1
        ]
        if not dims:
            raise DsgUnreadable(f"{name}: a single feature without a vertical or time axis")
        return Layout("multidimensional", None, dims[0], 1)
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
            return Layout("contiguous", feature_dim, sample_dim, n, counts=counts)
    for var in ds.variables.values():
        if var.attrs.get("instance_dimension") == feature_dim and len(var.dims) == 1:
            index = np.asarray(var.values)
            index = np.where(np.isfinite(index), index, -1).astype(np.int64)
            return Layout("indexed", feature_dim, str(var.dims[0]), n, index=index)
    two_d = [v.dims for v in ds.data_vars.values() if len(v.dims) == 2 and v.dims[0] == feature_dim]
    if two_d:
        return Layout("multidimensional", feature_dim, str(two_d[0][1]), n)
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


def flag_variable(ds: xr.Dataset, name: str | None) -> tuple[str | None, dict[str, str]]:
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
            else list(text(np.atleast_1d(values)))
        )
        return flag, dict(zip(texts, meanings, strict=False))
    return None, {}


@dataclass(frozen=True)
class Roles:
    """Which variable of the file holds what."""

    feature_type: str
    layout: Layout
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


def _platforms(ds: xr.Dataset, kind: str, layout: Layout, name: str) -> np.ndarray:
    """Each feature's platform: its trajectory's id (trajectoryProfile, trajectory), else the
    file's platform variable, its ``platform`` or ``id`` attribute, or the file's name."""
    n = layout.n
    trajectory = _role(ds, "trajectory_id")
    if kind in ("trajectory", "trajectoryProfile") and trajectory is not None:
        ids = text(ds[trajectory].values)
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
            return text(var.values)
        for attr in ("id", "wmo_code", "call_sign", "long_name"):
            if attr in var.attrs:
                return np.full(n, str(var.attrs[attr]).strip(), dtype=object)
        if var.ndim == 0:
            return np.full(n, str(text(var.values)), dtype=object)
    for attr in ("platform", "id"):
        if str(ds.attrs.get(attr, "")).strip():
            return np.full(n, str(ds.attrs[attr]).strip(), dtype=object)
    return np.full(n, Path(name).stem, dtype=object)


def read_roles(ds: xr.Dataset, name: str) -> Roles:
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
    pressure = _find(ds, PRESSURE, samples)
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
    return Roles(
        feature_type=kind,
        layout=layout,
        feature_id=feature_id,
        time=_find(ds, ("time",), everything),
        lon=_find(ds, ("longitude",), everything),
        lat=_find(ds, ("latitude",), everything),
        platform=_platforms(ds, kind, layout, name),
        temperature=_find(ds, TEMPERATURE, samples),
        salinity=_find(ds, SALINITY, samples),
        pressure=pressure,
        depth=depth,
        positive=positive,
    )


def per_feature(ds: xr.Dataset, roles: Roles, name: str | None) -> np.ndarray | None:
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
