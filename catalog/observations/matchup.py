"""Model-observation matchups: a gridded model sampled where, when and at the depths an
observation collection's profiles were taken, as pairs with bias, RMSE and N per variable.

- **Which profiles**: the collection's search (``index.search``: box, time, platform).
- **Time**: the model step whose period holds the profile's time (monthly means, CF bounds,
  daily steps: ``TimeAxis.cells``), else the nearest step, if within ``tolerance``; a profile
  further than that is skipped and counted. A model declared ``climatology: true`` in the
  catalog is matched by the time of year: the profile's time is moved into the model's year
  (and the years either side, for steps across the new year) before matching.
- **Horizontal**: the model cell nearest to the profile (``Grid.nearest``, the query engine's
  nearest cell); a profile outside the model's grid is skipped.
- **Vertical**: the model's levels interpolated linearly in depth to each observed depth (from
  the profile's pressure and latitude with gsw, as ``argo.read_profile`` gives it). Above the
  shallowest level with model data, that level's value (the top layer stands for the surface);
  below the deepest one, its value down to the bottom of its layer (half-way to the next
  level), and no pair deeper (the model has no water there).
- **Variables**: paired by CF standard name (``catalog.derived.roles``). A model potential
  temperature is compared with the observed in-situ temperature converted to potential
  temperature (``gsw.pt0_from_t``), a Conservative Temperature with ``gsw.CT_from_t``, an
  in-situ one as observed; Absolute Salinity from the observed practical salinity with
  ``gsw.SA_from_SP``. Where a level's salinity is not good, the conversion uses the profile's
  good salinity interpolated in pressure (35 without any).
- **Difference**: model − observation, so a positive bias is a model too warm or too salty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import gsw
import numpy as np
import numpy.typing as npt
import pandas as pd

from catalog.axes import TimeAxis
from catalog.dataset import OpenDataset
from catalog.derived.roles import SALINITIES, TEMPERATURES
from catalog.errors import InvalidParameters, NoData
from catalog.grids import Stencil
from catalog.observations import argo, index
from catalog.observations.collection import ObservationCollection
from catalog.query.common import at_stencils, common_time_axis
from catalog.query.sampling import guard, stencil_or_none
from catalog.selection import DepthChoice, iso
from catalog.units import convert
from catalog.variables import VariableInfo

Floats = npt.NDArray[np.float64]
Observed = Literal["temperature", "salinity"]

DEFAULT_TOLERANCE = pd.Timedelta(days=1)
_TIME = r"T(\d{1,5}H(\d{1,7}M)?(\d{1,9}S)?|\d{1,7}M(\d{1,9}S)?|\d{1,9}S)"
TOLERANCE_PATTERN = rf"^P(\d{{1,4}}D({_TIME})?|{_TIME})$"
"""An ISO 8601 duration of days, hours, minutes and seconds (P1D, PT6H, P2DT12H)."""
DEFAULT_SP = 35.0
"""Practical salinity assumed for a temperature conversion in a profile without good salinity."""
MAX_PROFILES = 2000
"""Profiles one matchup may pair: about 0.3 ms each (800 GLORYS-made profiles, 8,321 pairs:
0.26 s), so at most about 0.7 s in the request's thread."""

HORIZONTAL = "the model cell nearest to the profile's position"
VERTICAL = (
    "the model's levels interpolated linearly in depth to each observed depth; above the "
    "shallowest level with model data, its value; below the deepest, its value down to the "
    "bottom of its layer (half-way to the next level), no pair deeper"
)
DIFFERENCE = "model - observation (a positive bias: the model is warmer or saltier)"
CONVERSIONS = {
    ("temperature", "potential"): "observed in-situ temperature converted to potential "
    "temperature (reference 0 dbar) with gsw.pt0_from_t, SA from SP with gsw.SA_from_SP",
    ("temperature", "conservative"): "observed in-situ temperature converted to Conservative "
    "Temperature with gsw.CT_from_t, SA from SP with gsw.SA_from_SP",
    ("temperature", "in_situ"): "observed in-situ temperature, unconverted",
    ("salinity", "practical"): "observed practical salinity, unconverted",
    ("salinity", "absolute"): "observed practical salinity converted to Absolute Salinity "
    "with gsw.SA_from_SP",
}
PAIR_COLUMNS = (
    "profile_id",
    "platform",
    "variable",
    "obs_time",
    "model_time",
    "obs_lon",
    "obs_lat",
    "model_lon",
    "model_lat",
    "depth",
    "pressure",
    "observed",
    "model",
    "difference",
)


@dataclass(frozen=True)
class Pairing:
    """A model variable and the observed quantity it is compared with."""

    info: VariableInfo
    observed: Observed
    kind: str
    """The model variable's kind (``roles.TEMPERATURES``/``SALINITIES`` values)."""

    @property
    def units(self) -> str | None:
        """The units of the pairs' values: °C for temperatures, the model's for salinity."""
        return "degC" if self.observed == "temperature" else self.info.units

    @property
    def conversion(self) -> str:
        """What was done to the observed values, in words."""
        return CONVERSIONS[(self.observed, self.kind)]


@dataclass(frozen=True)
class Statistics:
    """One variable's summary over its pairs: N, bias (mean of model − obs) and RMSE."""

    pairing: Pairing
    n: int
    bias: float | None
    rmse: float | None


@dataclass
class Matchup:
    """The pairs (``PAIR_COLUMNS``, one row per pair), their statistics, and the profiles
    found, matched and skipped (with why)."""

    model_id: str
    collection_id: str
    pairs: pd.DataFrame
    statistics: list[Statistics]
    found: int
    matched: int
    skipped: dict[str, list[str]] = field(default_factory=dict)
    """Reason -> the profile ids skipped for it."""
    time_rule: str = ""
    tolerance: pd.Timedelta = DEFAULT_TOLERANCE
    qc: argo.QC = "good"


def parse_tolerance(text: str) -> pd.Timedelta:
    """A tolerance as the facades take it (``TOLERANCE_PATTERN``: days, hours, minutes,
    seconds, at least one, each few enough digits that the sum fits a Timedelta, under 90
    years); a 400 naming ``tolerance`` otherwise. Any such tolerance is served: one longer
    than the model's span only means the nearest step, however far."""
    if not re.match(TOLERANCE_PATTERN, text):
        raise InvalidParameters.single(
            "tolerance", "an ISO 8601 duration of days, hours, minutes, seconds: P1D, PT6H"
        )
    parts = {unit: int(n) for n, unit in re.findall(r"(\d+)([DHMS])", text)}
    return pd.Timedelta(  # pandas' own parser refuses 36 hours (PT36H), a valid duration
        days=parts.get("D", 0),
        hours=parts.get("H", 0),
        minutes=parts.get("M", 0),
        seconds=parts.get("S", 0),
    )


def pairings(opened: OpenDataset, names: list[str] | None) -> list[Pairing]:
    """The model variables to compare, by CF standard name, temperatures first: the named ones
    (a 400 naming ``variables`` for one that is not a sea water temperature or salinity with
    depth levels), else every stored one that is."""
    infos = opened.resolve(names) if names else list(opened.variables.values())
    found: list[Pairing] = []
    refused: list[str] = []
    for info in infos:
        pairing = pairing_of(info)
        if pairing is None:
            refused.append(info.id)
        else:
            found.append(pairing)
    if names and refused:
        raise InvalidParameters.single(
            "variables",
            f"{', '.join(refused)} is not a sea water temperature or salinity with depth levels "
            f"(by CF standard name); '{opened.id}' can be matched on: "
            f"{', '.join(p.info.id for p in pairings(opened, None)) or 'none'}",
        )
    if not found:
        raise InvalidParameters.single(
            "variables",
            f"dataset '{opened.id}' has no sea water temperature or salinity with depth levels "
            "(by CF standard name) to compare with observations",
        )
    return sorted(found, key=lambda p: (p.observed != "temperature", p.info.id))


def pairing_of(info: VariableInfo) -> Pairing | None:
    """The pairing of a model variable, or None when it is not a sea water temperature or
    salinity with depth levels (by CF standard name)."""
    if info.derived is not None or info.role is not None or info.vertical is None:
        return None
    name = info.standard_name or ""
    if name in TEMPERATURES:
        try:
            convert(0.0, info.units, "degC")
        except ValueError:
            return None
        return Pairing(info, "temperature", TEMPERATURES[name])
    if name in SALINITIES:
        return Pairing(info, "salinity", SALINITIES[name])
    return None


def matchup(
    opened: OpenDataset,
    collection: ObservationCollection,
    names: list[str] | None = None,
    bbox: index.Box | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    platform: str | None = None,
    tolerance: pd.Timedelta = DEFAULT_TOLERANCE,
    qc: argo.QC = "good",
    max_values: int = 10_000_000,
) -> Matchup:
    """The model sampled at the collection's profiles (module docstring)."""
    chosen, axis, found = _plan(opened, collection, names, bbox, start, end, platform, max_values)
    infos = [p.info for p in chosen]
    climatology = opened.entry.climatology
    steps, rule = match_times(axis, found["time"], tolerance, climatology)
    skipped: dict[str, list[str]] = {}
    ids = found["profile_id"].to_numpy()
    no_time = found["time"].isna().to_numpy()
    _skip(skipped, "no time (missing or flagged bad)", ids[no_time])
    late = (steps < 0) & ~no_time
    _skip(skipped, f"no model time step within {words(tolerance)}", ids[late])
    if not (steps >= 0).any():
        raise _no_overlap(opened, collection, found, axis, tolerance, climatology)
    rows: list[dict[str, npt.NDArray[Any]]] = []
    matched = 0
    for step, group in _by_step(found, steps):
        at, kept = _stencils(infos[0], group, skipped)
        if not kept:
            continue
        columns = {p.info.id: _columns(opened, p, at, step) for p in chosen}
        for k, profile in enumerate(collection.profiles([r.Index for r in kept], qc)):
            paired = [_pairs(p, profile, columns[p.info.id][k], at[k], axis, step) for p in chosen]
            if any(len(r["difference"]) for r in paired):
                rows += paired
                matched += 1
            else:
                _skip(skipped, "no level with an observed and a model value", [profile.profile_id])
    if matched == 0:
        reasons = "; ".join(f"{reason}: {len(ids)}" for reason, ids in skipped.items())
        raise NoData(
            f"None of the {len(found)} profiles of '{collection.id}' found could be paired "
            f"with '{opened.id}' ({reasons})."
        )
    pairs = _table(rows)
    return Matchup(
        model_id=opened.id,
        collection_id=collection.id,
        pairs=pairs.loc[:, list(PAIR_COLUMNS)],
        statistics=[statistics(p, pairs) for p in chosen],
        found=len(found),
        matched=matched,
        skipped=skipped,
        time_rule=rule,
        tolerance=tolerance,
        qc=qc,
    )


ADVICE = "Narrow the search with bbox, start, end or platform, or ask for fewer variables."


def _plan(
    opened: OpenDataset,
    collection: ObservationCollection,
    names: list[str] | None,
    bbox: index.Box | None,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    platform: str | None,
    max_values: int,
) -> tuple[list[Pairing], TimeAxis | None, pd.DataFrame]:
    """The pairings, the model's time axis and the profiles found, checked before anything is
    read: 400 for variables that cannot be paired, 404 when no profile is found, 413 over
    ``MAX_PROFILES`` profiles or ``max_values`` levels x variables."""
    chosen = pairings(opened, names)
    infos = [p.info for p in chosen]
    axis = _time_axis(infos)
    if any(i.grid is not infos[0].grid for i in infos):
        raise InvalidParameters.single("variables", "must be on one grid")
    found = index.search(collection.table, bbox=bbox, start=start, end=end, platform=platform)
    if found.empty:
        raise NoData(
            f"No profile of '{collection.id}' matches the search (bbox, start, end, platform)."
        )
    guard(len(found), MAX_PROFILES, "Narrow the search with bbox, start, end or platform.")
    guard(int(found["n_levels"].sum()) * len(chosen), max_values, ADVICE)
    return chosen, axis, found


def estimate(
    opened: OpenDataset,
    collection: ObservationCollection,
    names: list[str] | None = None,
    bbox: index.Box | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    platform: str | None = None,
    max_values: int = 10_000_000,
) -> int:
    """The observed values a matchup would pair (levels of the profiles found x variables),
    after every check that reads nothing (``_plan``)."""
    chosen, _, found = _plan(opened, collection, names, bbox, start, end, platform, max_values)
    return int(found["n_levels"].sum()) * len(chosen)


def _time_axis(infos: list[VariableInfo]) -> TimeAxis | None:
    """The variables' one time axis (None: they have none); a 400 naming ``variables`` when
    they differ."""
    if all(i.time is None for i in infos):
        return None
    if any(i.time is None for i in infos):
        raise InvalidParameters.single("variables", "must share one time axis")
    axis: TimeAxis = common_time_axis(infos)
    return axis


def statistics(pairing: Pairing, pairs: pd.DataFrame) -> Statistics:
    """N, bias and RMSE of one variable's pairs (None for both without any)."""
    diff = pairs.loc[pairs["variable"] == pairing.info.id, "difference"].to_numpy(dtype=float)
    if diff.size == 0:
        return Statistics(pairing, 0, None, None)
    return Statistics(
        pairing, int(diff.size), float(diff.mean()), float(math.sqrt(np.mean(diff * diff)))
    )


def _skip(skipped: dict[str, list[str]], reason: str, ids: object) -> None:
    listed = [str(i) for i in np.atleast_1d(np.asarray(ids, dtype=object))]
    if listed:
        skipped.setdefault(reason, []).extend(listed)


def words(tolerance: pd.Timedelta) -> str:
    """A duration as ISO 8601 without its zero parts: P1D, PT6H, P2DT12H (whole seconds)."""
    days, rest = divmod(int(tolerance.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if v)
    text = "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    return text if text != "P" else "PT0S"


def match_times(
    axis: TimeAxis | None, times: pd.Series, tolerance: pd.Timedelta, climatology: bool
) -> tuple[npt.NDArray[np.intp], str]:
    """The model step of each profile time (-1: none within ``tolerance``, or no time), and
    the rule in words."""
    out = np.full(len(times), -1, dtype=np.intp)
    if axis is None or (axis.dim is None and axis.values.size == 0):
        return np.where(times.notna().to_numpy(), 0, -1).astype(np.intp), "the model has no time"
    values = axis.values.astype("datetime64[ns]")
    stamps = pd.DatetimeIndex(times).tz_convert("UTC").tz_localize(None)
    known = np.asarray(stamps.notna(), dtype=bool)
    candidates = [stamps]
    if climatology:
        year = pd.Timestamp(values[0]).year
        candidates = [_into_year(stamps, y) for y in (year - 1, year, year + 1)]
    best = np.full(len(times), np.timedelta64(2**62, "ns"))
    cells = axis.cells
    for shifted in candidates:
        instants = shifted.to_numpy(dtype="datetime64[ns]")
        index_, distance = _nearest(values, instants)
        if cells is not None:
            starts, ends = cells
            holder = np.searchsorted(starts, instants, side="right") - 1
            inside = (holder >= 0) & (instants < ends[np.clip(holder, 0, len(ends) - 1)])
            index_ = np.where(inside, holder, index_)
            distance = np.where(inside, np.timedelta64(0, "ns"), distance)
        better = known & (distance < best)
        out = np.where(better, index_, out)
        best = np.where(better, distance, best)
    out = np.where(known & (best <= tolerance.to_timedelta64()), out, -1)
    what = "the model step whose period holds the profile's time, else the nearest step"
    if climatology:
        what += ", by time of year (the model is a climatology)"
    return out.astype(np.intp), f"{what}, within {words(tolerance)}"


def _into_year(stamps: pd.DatetimeIndex, year: int) -> pd.DatetimeIndex:
    """The instants moved into ``year`` (29 February into a common year: the 28th)."""
    moved = stamps.copy()
    for old in np.unique(np.asarray(stamps.year)[np.asarray(stamps.notna(), dtype=bool)]):
        other_years = np.asarray(stamps.year != old)
        moved = moved.where(other_years, stamps + pd.DateOffset(years=int(year - old)))
    return pd.DatetimeIndex(moved)


def _nearest(
    values: npt.NDArray[np.datetime64], instants: npt.NDArray[np.datetime64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.timedelta64]]:
    after = np.clip(np.searchsorted(values, instants), 0, values.size - 1)
    before = np.clip(after - 1, 0, values.size - 1)
    d_after = np.abs(values[after] - instants)
    d_before = np.abs(values[before] - instants)
    pick = np.where(d_before <= d_after, before, after)
    return pick.astype(np.intp), np.minimum(d_before, d_after)


def _no_overlap(
    opened: OpenDataset,
    collection: ObservationCollection,
    found: pd.DataFrame,
    axis: TimeAxis | None,
    tolerance: pd.Timedelta,
    climatology: bool,
) -> InvalidParameters:
    """The 400 naming ``tolerance`` when no profile is near a model step, with both ranges."""
    times = found["time"].dropna()
    obs = (
        f"{iso(times.min().tz_localize(None))}/{iso(times.max().tz_localize(None))}"
        if len(times)
        else "none has a time"
    )
    model = "none" if axis is None else f"{iso(axis.values[0])}/{iso(axis.values[-1])}"
    of_year = " (by time of year: the model is a climatology)" if climatology else ""
    return InvalidParameters.single(
        "tolerance",
        f"none of the {len(found)} profiles of '{collection.id}' found ({obs}) is within "
        f"{words(tolerance)} of a time step of '{opened.id}' ({model}){of_year}; ask for a "
        "larger tolerance or a collection that overlaps the model in time",
    )


def _by_step(
    found: pd.DataFrame, steps: npt.NDArray[np.intp]
) -> Iterator[tuple[int, pd.DataFrame]]:
    """The matched profiles, grouped by model step (one read per step)."""
    matched = found.assign(_step=steps).loc[steps >= 0]
    for step, group in matched.groupby("_step", sort=True):
        yield int(step), group  # type: ignore[arg-type]


def _stencils(
    info: VariableInfo, group: pd.DataFrame, skipped: dict[str, list[str]]
) -> tuple[list[Stencil], list[Any]]:
    """The nearest cell of each profile of the group, and the profiles that have one."""
    at: list[Stencil] = []
    kept: list[Any] = []
    for row in group.itertuples():
        lon, lat = float(row.lon), float(row.lat)  # type: ignore[arg-type]
        stencil = (
            stencil_or_none(info.grid, lon, lat, "nearest") if math.isfinite(lon + lat) else None
        )
        if stencil is None:
            reason = "outside the model's grid" if math.isfinite(lon + lat) else "no position"
            _skip(skipped, reason, [row.profile_id])
            continue
        at.append(stencil)
        kept.append(row)
    return at, kept


def _columns(opened: OpenDataset, pairing: Pairing, stencils: list[Stencil], step: int) -> Floats:
    """The model's values at the cells, (profile, level), in the pairs' units."""
    info = pairing.info
    assert info.vertical is not None
    isel = {info.time.dim: step} if info.time is not None and info.time.dim is not None else {}
    column = at_stencils(opened, info, stencils, isel, DepthChoice(None))
    if set(column.dims) != {info.vertical.dim, "point"}:
        raise InvalidParameters.single(
            "variables", f"'{info.id}' has dimensions a matchup cannot reduce: {column.dims}"
        )
    values = np.asarray(column.transpose("point", info.vertical.dim).values, dtype=np.float64)
    if pairing.observed == "temperature":
        values = np.asarray(convert(values, info.units, "degC"), dtype=np.float64)
    return values


def _observed(pairing: Pairing, profile: argo.Profile) -> Floats:
    """The observed values in the model variable's kind (module docstring)."""
    p = profile.pressure
    if pairing.observed == "salinity":
        if pairing.kind == "absolute":
            return np.asarray(gsw.SA_from_SP(profile.salinity, p, profile.lon, profile.lat))
        return profile.salinity
    if pairing.kind == "in_situ":
        return profile.temperature
    sp = _salinity_for_conversion(profile)
    sa = np.asarray(gsw.SA_from_SP(sp, p, profile.lon, profile.lat))
    if pairing.kind == "conservative":
        return np.asarray(gsw.CT_from_t(sa, profile.temperature, p))
    return np.asarray(gsw.pt0_from_t(sa, profile.temperature, p))


def _salinity_for_conversion(profile: argo.Profile) -> Floats:
    """The profile's salinity where good, else interpolated in pressure between its good
    values (held at the ends); ``DEFAULT_SP`` without any."""
    sp, p = profile.salinity, profile.pressure
    good = np.isfinite(sp) & np.isfinite(p)
    if not good.any():
        return np.full(sp.shape, DEFAULT_SP)
    order = np.argsort(p[good])
    filled = np.interp(p, p[good][order], sp[good][order])
    return np.where(good, sp, filled)


def interpolate(levels: Floats, column: Floats, depths: Floats) -> Floats:
    """The column's values (on ``levels``, m) at ``depths``: linear between levels with data;
    above the shallowest, its value; below the deepest, its value down to the bottom of its
    layer (half-way to the next level, or as far as from the level above when it is the
    last), NaN deeper (and where ``depths`` is NaN)."""
    ok = np.isfinite(column) & np.isfinite(levels)
    out = np.full(depths.shape, np.nan)
    if not ok.any():
        return out
    order = np.argsort(levels[ok])
    z, v = levels[ok][order], column[ok][order]
    inside = np.isfinite(depths) & (depths <= _layer_bottom(levels, z))
    out[inside] = np.interp(depths[inside], z, v)  # holds v[0] above z[0], v[-1] below z[-1]
    return out


def _layer_bottom(levels: Floats, wet: Floats) -> float:
    """The bottom of the layer of the deepest wet level ``wet[-1]``."""
    deepest = float(wet[-1])
    below = levels[levels > deepest]
    if below.size:
        return deepest + 0.5 * (float(below.min()) - deepest)
    above = levels[levels < deepest]
    return deepest + 0.5 * (deepest - float(above.max())) if above.size else deepest


def _pairs(
    pairing: Pairing,
    profile: argo.Profile,
    column: Floats,
    stencil: Stencil,
    axis: TimeAxis | None,
    step: int,
) -> dict[str, npt.NDArray[Any]]:
    """The pairs of one profile and one variable (levels with both values), as arrays (one
    DataFrame is made of all of them: one per profile would cost 2 ms each)."""
    info = pairing.info
    assert info.vertical is not None
    model = interpolate(info.vertical.depths.astype(np.float64), column, profile.depth)
    observed = _observed(pairing, profile)
    keep = np.isfinite(model) & np.isfinite(observed)
    n = int(keep.sum())
    model_lon, model_lat = stencil.at
    model_time = axis.values[step] if axis is not None else np.datetime64("NaT")
    obs_time = profile.time.round("us").tz_localize(None).to_datetime64()  # JULD: float days
    return {
        "profile_id": np.full(n, profile.profile_id, dtype=object),
        "platform": np.full(n, profile.platform, dtype=object),
        "variable": np.full(n, info.id, dtype=object),
        "obs_time": np.full(n, obs_time, dtype="datetime64[ns]"),
        "model_time": np.full(n, model_time, dtype="datetime64[ns]"),
        "obs_lon": np.full(n, profile.lon),
        "obs_lat": np.full(n, profile.lat),
        "model_lon": np.full(n, float(model_lon)),
        "model_lat": np.full(n, float(model_lat)),
        "depth": profile.depth[keep],
        "pressure": profile.pressure[keep],
        "observed": observed[keep],
        "model": model[keep],
        "difference": model[keep] - observed[keep],
    }


def _table(blocks: list[dict[str, npt.NDArray[Any]]]) -> pd.DataFrame:
    """The pairs' blocks as one table, times in UTC."""
    table = pd.DataFrame({c: np.concatenate([b[c] for b in blocks]) for c in PAIR_COLUMNS})
    for name in ("obs_time", "model_time"):
        table[name] = table[name].dt.tz_localize("UTC")
    return table
