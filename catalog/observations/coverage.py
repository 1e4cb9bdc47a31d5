"""Profiles as data answers: CoverageJSON ``VerticalProfile`` coverages, GeoJSON features and
CSV rows, written by the gridded answers' encoders (``catalog.formats``) where they fit.

One place for the encoding, so every facade (EDR ``locations``/``items``/``area``…, and
``/api/v1/…/observations/{id}``) answers a profile the same way. The vertical axis ``z`` is
depth in metres, positive down (``-gsw.z_from_p`` of the pressure at the profile's latitude,
as ``argo.Profile.depth``), the axis the gridded collections use; pressure is a parameter.
A level without a usable depth (its pressure flagged bad under ``qc="good"``, or no latitude)
has no place on that axis and is left out; its flagged temperature and salinity would be null
anyway. Values masked by ``qc`` are null.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
import pandas as pd
import xarray as xr

from catalog.formats import CRS84, Sink
from catalog.formats.covjson import write_covjson
from catalog.formats.stream import Gathered
from catalog.formats.tables import write_csv
from catalog.numbers import narrowest
from catalog.observations.argo import Profile
from catalog.query.result import QueryResult
from schemas.params import Levels


@dataclass(frozen=True)
class ObservedVariable:
    """A variable of every profile: its id and its CF description."""

    id: str
    """Its id, and the ``Profile`` field holding it (its flags: ``{id}_qc``)."""
    units: str
    standard_name: str
    long_name: str


VARIABLES = {
    v.id: v
    for v in (
        ObservedVariable(
            "temperature",
            "degC",
            "sea_water_temperature",
            "Sea water temperature (in situ, ITS-90)",
        ),
        ObservedVariable(
            "salinity",
            "1",
            "sea_water_practical_salinity",
            "Practical salinity (PSS-78)",
        ),
        ObservedVariable("pressure", "dbar", "sea_water_pressure", "Sea pressure"),
    )
}
"""The profiles' variables by id, in the order answers give them."""


def levels_of(profile: Profile, z: Levels | None = None) -> np.ndarray:
    """Indices of the profile's levels that have a depth and that ``z`` keeps, shallow to deep.

    A range keeps the levels inside it (inclusive); explicit values keep, for each, the level
    nearest it (once, however many values pick it); no ``z`` keeps every level.
    """
    depth = np.asarray(profile.depth, dtype=np.float64)
    placed = np.flatnonzero(np.isfinite(depth))
    if z is None or not z.given or placed.size == 0:
        return placed
    if z.low is not None and z.high is not None:
        inside = (depth[placed] >= z.low) & (depth[placed] <= z.high)
        return placed[inside]
    nearest = {int(placed[np.argmin(np.abs(depth[placed] - v))]) for v in z.values}
    return np.array(sorted(nearest), dtype=np.int64)


def _time(profile: Profile) -> Any:
    if pd.isna(profile.time):
        return None
    stamp = pd.Timestamp(profile.time)
    stamp = stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp
    return np.asarray(stamp.floor("us").to_datetime64()).astype("datetime64[us]")[()]


def profile_dataset(profile: Profile, names: Sequence[str], z: Levels | None = None) -> xr.Dataset:
    """The profile as an xarray Dataset along ``depth`` (the levels ``levels_of`` keeps), with
    scalar ``time``, ``longitude`` and ``latitude`` and the variables ``names`` carrying their
    CF attributes: what the gridded encoders take for a vertical profile."""
    keep = levels_of(profile, z)
    coords: dict[str, Any] = {
        "depth": ("depth", np.asarray(profile.depth, dtype=np.float64)[keep]),
        "longitude": profile.lon,
        "latitude": profile.lat,
    }
    instant = _time(profile)
    if instant is not None:
        coords["time"] = instant
    data = {
        name: (
            "depth",
            narrowest(np.asarray(getattr(profile, name), dtype=np.float64)[keep]),
            {
                "units": VARIABLES[name].units,
                "standard_name": VARIABLES[name].standard_name,
                "long_name": VARIABLES[name].long_name,
            },
        )
        for name in names
    }
    ds = xr.Dataset(data, coords=coords)
    ds["depth"].attrs.update(units="m", positive="down", long_name="Depth (from pressure, gsw)")
    ds.attrs["profile_id"] = profile.profile_id
    return ds


def _result(profile: Profile, names: Sequence[str], z: Levels | None) -> QueryResult:
    data = profile_dataset(profile, names, z)
    return QueryResult("profile", profile.platform, data, {"profile_id": profile.profile_id})


def write_vertical_profile(
    profile: Profile, names: Sequence[str], sink: Sink, z: Levels | None = None, crs: str = CRS84
) -> None:
    """One profile as a CoverageJSON Coverage of domain type ``VerticalProfile``."""
    out = Gathered(sink)
    write_covjson(_result(profile, names, z), out, crs)
    out.flush()


def write_vertical_profiles(
    profiles: Sequence[Profile],
    names: Sequence[str],
    sink: Sink,
    z: Levels | None = None,
    crs: str = CRS84,
) -> None:
    """Profiles as a CoverageJSON CoverageCollection of ``VerticalProfile`` coverages (each
    with its profile id as ``id``), in the order given."""
    out = Gathered(sink)
    out(b'{"type":"CoverageCollection","domainType":"VerticalProfile","coverages":[')
    for k, profile in enumerate(profiles):
        if k:
            out(b",")
        out(b'{"id":' + orjson.dumps(profile.profile_id) + b",")
        inner = _Captured()
        write_covjson(_result(profile, names, z), inner, crs)
        out(inner.text()[1:])  # the coverage's members after its opening brace
    out(b"]}")
    out.flush()


def write_profiles_csv(
    profiles: Sequence[Profile], names: Sequence[str], sink: Sink, z: Levels | None = None
) -> None:
    """Profiles as one CSV table: a row per level, the profile id, time and position on each
    (the gridded answers' CSV encoder; units in the headers)."""
    out = Gathered(sink)
    frames = [_rows(profile, names, z) for profile in profiles]
    frames = [f for f in frames if f.sizes["_row"]]
    table = xr.concat(frames, dim="_row") if frames else _rows(None, names, z)
    write_csv(QueryResult("profile", "", table), out)
    out.flush()


def _rows(profile: Profile | None, names: Sequence[str], z: Levels | None) -> xr.Dataset:
    """A profile's levels as rows along ``_row`` (a dimension the table encoders drop)."""
    if profile is None:
        columns: dict[str, Any] = {
            "profile_id": np.array([], dtype=object),
            "time": np.array([], dtype="datetime64[us]"),
            "longitude": np.array([], dtype=np.float64),
            "latitude": np.array([], dtype=np.float64),
            "depth": np.array([], dtype=np.float64),
        }
        values = {name: np.array([], dtype=np.float64) for name in names}
    else:
        one = profile_dataset(profile, names, z)
        n = one.sizes["depth"]
        instant = _time(profile)
        columns = {
            "profile_id": np.full(n, profile.profile_id, dtype=object),
            "time": np.full(n, np.datetime64("NaT") if instant is None else instant, "M8[us]"),
            "longitude": np.full(n, profile.lon),
            "latitude": np.full(n, profile.lat),
            "depth": one["depth"].values,
        }
        values = {name: one[name].values for name in names}
    units = {name: VARIABLES[name].units for name in names}
    ds = xr.Dataset({k: ("_row", v) for k, v in {**columns, **values}.items()})
    for name, unit in units.items():
        ds[name].attrs["units"] = unit
    return ds


def profile_feature(
    profile: Profile, names: Sequence[str], z: Levels | None = None, **links: str
) -> dict[str, Any]:
    """A profile as a GeoJSON Feature at its position: its metadata and, per variable, its
    values level by level (null where masked) along ``depth`` in its properties."""
    keep = levels_of(profile, z)
    placed = math.isfinite(profile.lon) and math.isfinite(profile.lat)
    instant = _time(profile)
    properties: dict[str, Any] = {
        "profile_id": profile.profile_id,
        "platform": profile.platform,
        "cycle": profile.cycle,
        "direction": profile.direction,
        "datetime": None if instant is None else f"{pd.Timestamp(instant).isoformat()}Z",
        "data_mode": profile.data_mode,
        "position_qc": profile.position_qc,
        "time_qc": profile.time_qc,
        "units": {"depth": "m", **{n: VARIABLES[n].units for n in names}},
        "depth": _numbers(np.asarray(profile.depth)[keep]),
    }
    for name in names:
        values = np.asarray(getattr(profile, name))[keep]
        properties[name] = _numbers(values)
        properties[f"{name}_qc"] = [str(f) for f in getattr(profile, f"{name}_qc")[keep]]
    if links:
        properties["links"] = links
    return {
        "type": "Feature",
        "id": profile.profile_id,
        "geometry": {"type": "Point", "coordinates": [profile.lon, profile.lat]}
        if placed
        else None,
        "properties": properties,
    }


def _numbers(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, dtype=np.float64)]


class _Captured:
    """An ``Out`` that keeps what is written (one coverage: small)."""

    def __init__(self) -> None:
        self.pieces: list[bytes] = []

    def __call__(self, piece: bytes) -> None:
        self.pieces.append(piece)

    def text(self) -> bytes:
        return b"".join(self.pieces)
