"""Difference plots: the comparison parameters, parsed once into a ``Comparison`` that the map,
transect and profile share, and the nearest-neighbour regridding of B onto A.

A is what the plot draws anyway (its dataset, ``variable``, ``time``); B is the same variable
at ``compare_time``, or the variable of ``compare_dataset`` with the same id or CF standard
name (or ``compare_variable``), at ``compare_time`` or else at A's time. The plot draws A, B
and A − B, B in A's units and, where its cells are not A's, moved onto them (nearest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import numpy.typing as npt
import xarray as xr
from pydantic import Field
from scipy.spatial import cKDTree

from catalog.dataset import OpenDataset
from catalog.errors import InvalidParameters
from catalog.geo import BBox, in_lon_range, lonlat_to_xyz, normalise_lon
from catalog.grids import OutsideFootprint
from catalog.selection import Instant, iso, nearest_time
from catalog.units import canonical_units, convert
from catalog.variables import VariableInfo
from plotting.common import (
    Needs,
    RenderContext,
    candidates,
    choose_variable,
    default_title,
    plot_units,
)
from plotting.labels import with_units
from plotting.params import PlotParams, Time
from schemas import params, patterns

REGRIDDED = "B regridded onto A's grid (nearest)"
"""The line a plot carries when B's cells are not A's."""
REACH = 1.5
"""A cell of A takes B's nearest cell within this many of B's typical spacings, else NaN
(outside B's coverage, or in a gap of its mesh)."""


class CompareParams(PlotParams):
    """The presentation parameters and those of a difference plot (A, B and A − B)."""

    time: Time = None
    compare_time: Annotated[
        params.InstantParam | None,
        Field(
            description="Draw a difference plot: B is the same variable at this ISO 8601 "
            "instant (of `compare_dataset` when given), beside A and A − B.",
            examples=["2015-01-01"],
        ),
    ] = None
    compare_dataset: str | None = Field(
        default=None,
        description="Draw a difference plot against this dataset's variable of the same id or "
        "CF standard name (or `compare_variable`), at `compare_time`, else at A's time; B is "
        "moved onto A's cells by nearest neighbour when its grid differs.",
        pattern=patterns.DATASET_ID,
        max_length=64,
        examples=["glorys-mesh"],
    )
    compare_variable: str | None = Field(
        default=None,
        description="B's variable (or vector pair) id, when it is not found by id or standard "
        "name; it must convert to A's units.",
        pattern=patterns.NAME,
        max_length=patterns.NAME_MAX,
        examples=["thetao"],
    )
    diff_scale: float | None = Field(
        default=None,
        gt=0,
        le=1e9,
        allow_inf_nan=False,
        description="Half-range of the difference's colour (or value) scale, which is "
        "symmetric about 0; default: the largest |A − B| drawn.",
        examples=[2.0],
    )

    @property
    def compares(self) -> bool:
        """Whether a difference plot is asked for."""
        return any(
            v is not None for v in (self.compare_time, self.compare_dataset, self.compare_variable)
        )

    def other_datasets(self) -> dict[str, str]:
        """``compare_dataset``, by its parameter."""
        return {"compare_dataset": self.compare_dataset} if self.compare_dataset else {}


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a dataset's variable (or vector pair) at an instant."""

    opened: OpenDataset
    name: str
    info: VariableInfo
    time: Instant
    """The instant to read (None: the last step, or no time axis)."""

    def describe(self, what: str, other: Side) -> str:
        """'glorys · 2021-06-29 · depth 6 m': a panel's title (``what``: the time and depth
        used, as a subtitle says them), with the variable's id when the other side's differs."""
        name = self.name if self.name != other.name else ""
        return " · ".join(t for t in (self.opened.id, name, what) if t)


@dataclass(frozen=True)
class Comparison:
    """A difference plot's A and B, and the units both are drawn in."""

    a: Side
    b: Side
    units: str | None
    """The units A is drawn in: the request's, else the catalog's display units; None: its
    own."""
    units_b: str | None
    """The units B is converted to: A's as drawn (None: B's are already those)."""

    def units_for(self, side: Side) -> str | None:
        """The units to convert one side's values to (None: as they are)."""
        return self.units if side is self.a else self.units_b

    def titles(self, used_a: str, used_b: str, regridded: bool) -> list[str]:
        """The panels' titles: what A and B are (``used_*``: their time and depth), A − B."""
        b = f"B: {self.b.describe(used_b, self.a)}" + (f"\n{REGRIDDED}" if regridded else "")
        return [f"A: {self.a.describe(used_a, self.b)}", b, "A − B"]

    def credit(self) -> str:
        """Both datasets' attributions, once each (one that holds the other stands for both)."""
        one, two = (side.opened.entry.attribution for side in (self.a, self.b))
        if two in one:
            return one
        return two if one in two else f"{one} · {two}"

    def title(self, p: PlotParams) -> str:
        """The requested title, else the variable's name and 'A − B'."""
        return p.title or f"{default_title(p, self.a.info, self.a.name, self.a.opened)}: A − B"


def comparison(
    ctx: RenderContext, p: PlotParams, needs: Needs, plot_type: str, location: str = "none"
) -> Comparison | None:
    """The comparison the parameters ask for (None: none), checked against the datasets'
    metadata only: B's variable, units, time and coverage of ``location`` (400s naming the
    parameter). Run before queueing and again in the worker."""
    if not isinstance(p, CompareParams) or not p.compares:
        return None
    name_a, info_a = choose_variable(ctx.opened, p.variable, needs, plot_type)
    time_a = _instant(info_a, p.time)
    other = p.compare_dataset or ctx.opened.id
    opened_b = ctx.dataset(other)
    name_b, info_b = _b_variable(ctx.opened, name_a, info_a, opened_b, p, needs, plot_type)
    units = plot_units(p, info_a) or info_a.units
    _check_units(info_a, info_b, units, opened_b, p)
    same = canonical_units(info_b.units) == canonical_units(units)
    time_b = _b_time(time_a, info_b, opened_b, p)
    a = Side(ctx.opened, name_a, info_a, time_a)
    b = Side(opened_b, name_b, info_b, time_b)
    _check_coverage(a, b, p, location)
    return Comparison(a, b, plot_units(p, info_a), None if same else units)


def _instant(info: VariableInfo, spec: Instant) -> Instant:
    """The instant of the step a time spec reads; the spec itself without a time axis of
    steps (a 400 naming ``time`` outside the coverage, as the plot would give)."""
    if info.time is None or info.time.dim is None:
        return spec
    instant: Instant = info.time.values[nearest_time(info.time, spec)]
    return instant


def _b_param(p: CompareParams) -> str:
    """The parameter that chose B's variable, to name in a 400."""
    if p.compare_variable is not None:
        return "compare_variable"
    return "compare_dataset" if p.compare_dataset is not None else "compare_time"


def _identity(opened: OpenDataset, name: str) -> str | None:
    """What a variable (or vector pair) is, whatever its id: its CF standard name."""
    pair = next((v for v in opened.entry.vectors if v.id == name), None)
    if pair is not None:
        x = opened.variables[pair.x].standard_name
        return f"vector of {x}" if x else None
    return opened.variables[name].standard_name


def _b_variable(
    opened_a: OpenDataset,
    name_a: str,
    info_a: VariableInfo,
    opened_b: OpenDataset,
    p: CompareParams,
    needs: Needs,
    plot_type: str,
) -> tuple[str, VariableInfo]:
    """B's variable: ``compare_variable``; the same one in the same dataset; else the one of
    the same standard name (the same id first), or of the same id when either has none."""
    valid = candidates(opened_b, needs)
    if p.compare_variable is not None:
        if p.compare_variable not in valid:
            raise InvalidParameters.single(
                "compare_variable",
                f"'{p.compare_variable}' cannot be drawn in a {plot_type} of '{opened_b.id}'; "
                f"choose from: {', '.join(valid) or 'none'}",
            )
        name = p.compare_variable
    elif opened_b is opened_a:
        name = name_a
    else:
        identity = _identity(opened_a, name_a)
        same = [n for n in valid if identity is not None and _identity(opened_b, n) == identity]
        same.sort(key=lambda n: n != name_a)
        if same:
            name = same[0]
        elif name_a in valid and None in (identity, _identity(opened_b, name_a)):
            name = name_a
        else:
            what = f"standard name '{identity}'" if identity else "id"
            raise InvalidParameters.single(
                "compare_dataset",
                f"'{opened_b.id}' has no variable with the {what} of '{name_a}' that a "
                f"{plot_type} can draw; name one with compare_variable "
                f"(choose from: {', '.join(valid) or 'none'})",
            )
    return choose_variable(opened_b, name, needs, plot_type, _b_param(p))


def _check_units(
    info_a: VariableInfo,
    info_b: VariableInfo,
    units: str | None,
    opened_b: OpenDataset,
    p: CompareParams,
) -> None:
    """B's units convert to those A is drawn in (a 400 naming what chose B, if not)."""
    if units is None or canonical_units(info_b.units) == canonical_units(units):
        return
    try:
        convert(1.0, info_b.units, units)
    except ValueError:
        raise InvalidParameters.single(
            _b_param(p),
            f"'{info_b.id}' of '{opened_b.id}' is in {info_b.units or 'no units'}, which do "
            f"not convert to {units} ('{info_a.id}', as drawn)",
        ) from None


def _b_time(
    time_a: Instant, info_b: VariableInfo, opened_b: OpenDataset, p: CompareParams
) -> Instant:
    """B's instant: ``compare_time``, else the one A draws; a 400 naming ``compare_time``
    when B has no step for it."""
    axis = info_b.time
    if p.compare_time is not None and (axis is None or axis.dim is None):
        raise InvalidParameters.single(
            "compare_time",
            f"'{info_b.id}' of '{opened_b.id}' has no time axis of steps to choose from",
        )
    spec = p.compare_time if p.compare_time is not None else time_a
    if axis is None or spec is None:
        return spec
    try:
        nearest_time(axis, spec, "compare_time")
    except InvalidParameters:
        given = "" if p.compare_time is not None else " (A's time; give compare_time)"
        coverage = f"{iso(axis.values[0])}/{iso(axis.values[-1])}"
        raise InvalidParameters.single(
            "compare_time",
            f"{params.iso_text(spec)}{given} is not in the time coverage {coverage} of "
            f"'{info_b.id}' in '{opened_b.id}'",
        ) from None
    return spec


def _check_coverage(a: Side, b: Side, p: CompareParams, location: str) -> None:
    """The place the plot draws overlaps B's footprint: its box (default: A's), its path's
    extent, each of its points (a 400 naming what chose B)."""
    name = "compare_dataset" if p.compare_dataset is not None else _b_param(p)
    west, south, east, north = b.info.grid.bbox()
    covers = f"'{b.info.id}' of '{b.opened.id}' covers [{west:g}, {south:g}, {east:g}, {north:g}]"
    if location == "points":
        for lon, lat in zip(getattr(p, "lon", []), getattr(p, "lat", []), strict=False):
            try:
                b.info.grid.nearest(float(lon), float(lat))
            except OutsideFootprint:
                raise InvalidParameters.single(
                    name, f"the point {lon:g},{lat:g} is outside B's coverage: {covers}"
                ) from None
        return
    box: BBox | None = None
    if location == "box":
        box = getattr(p, "bbox", None) or a.opened.bbox
    elif location == "path":
        lons = np.array([v[0] for v in getattr(p, "path", ())], dtype=np.float64)
        lats = np.array([v[1] for v in getattr(p, "path", ())], dtype=np.float64)
        if lons.size:
            box = (float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max()))
    if box is not None and not _overlap(box, (west, south, east, north)):
        where = "box" if location == "box" else "path"
        raise InvalidParameters.single(name, f"the {where} drawn is outside B's coverage: {covers}")


def _overlap(one: BBox, two: BBox) -> bool:
    """Whether two boxes (either may cross the antimeridian) share some place."""
    if one[1] > two[3] or two[1] > one[3]:
        return False
    corners = np.array([one[0], one[2], normalise_lon((one[0] + one[2]) / 2)])
    if in_lon_range(corners, two[0], two[2]).any():
        return True
    return bool(in_lon_range(np.array([two[0], two[2]]), one[0], one[2]).any())


# ----------------------------------------------------------------------------- regridding


def onto_cells(a: xr.DataArray, b: xr.DataArray) -> tuple[npt.NDArray[np.float64], bool]:
    """B's values at A's cells (both ``located``: longitude and latitude coordinates): B's as
    they are when its cells are A's, else its nearest cell's within ``REACH`` spacings (NaN
    beyond). The second value says whether B was moved."""
    lon_a, lat_a = _places(a)
    lon_b, lat_b = _places(b)
    values_b = np.asarray(b.values, dtype=np.float64)
    if lon_a.shape == lon_b.shape and np.allclose(lon_a, lon_b) and np.allclose(lat_a, lat_b):
        return values_b.reshape(np.shape(a.values)), False
    xyz_b = lonlat_to_xyz(lon_b.ravel(), lat_b.ravel())
    known = np.isfinite(xyz_b).all(axis=1)
    tree = cKDTree(xyz_b[known])
    flat_b = values_b.reshape(-1)[known]
    reach = np.inf
    if flat_b.size > 1:
        spacing, _ = tree.query(xyz_b[known], k=2)
        reach = REACH * float(np.median(spacing[:, 1]))
    distance, index = tree.query(lonlat_to_xyz(lon_a.ravel(), lat_a.ravel()))
    moved = np.where(distance <= reach, flat_b[np.minimum(index, flat_b.size - 1)], np.nan)
    return moved.reshape(np.shape(a.values)), True


def _places(field: xr.DataArray) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lon = field["longitude"].broadcast_like(field).transpose(*field.dims).values
    lat = field["latitude"].broadcast_like(field).transpose(*field.dims).values
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def onto_levels(
    values_b: npt.NDArray[np.float64],
    depths_b: npt.ArrayLike,
    depths_a: npt.ArrayLike,
    axis: int = 0,
) -> tuple[npt.NDArray[np.float64], bool]:
    """B's values (levels along ``axis``) at A's depths: its nearest level's, NaN for a depth
    beyond its shallowest or deepest level by more than half a level. The second value says
    whether the levels differ."""
    b = np.asarray(depths_b, dtype=np.float64)
    a = np.asarray(depths_a, dtype=np.float64)
    if a.shape == b.shape and np.allclose(a, b):
        return values_b, False
    nearest = np.argmin(np.abs(b[None, :] - a[:, None]), axis=1)
    order = np.sort(b)
    top = (order[1] - order[0]) / 2 if order.size > 1 else 0.5
    bottom = (order[-1] - order[-2]) / 2 if order.size > 1 else 0.5
    inside = (a >= order[0] - top) & (a <= order[-1] + bottom)
    moved = np.take(values_b, nearest, axis=axis).astype(np.float64)
    shape = [1] * moved.ndim
    shape[axis] = a.size
    return np.where(inside.reshape(shape), moved, np.nan), True


def difference_range(p: PlotParams, values: npt.ArrayLike) -> tuple[float, float]:
    """The difference's symmetric range: ±``diff_scale``, else ±max|A − B| (±1 when A and B
    agree everywhere)."""
    scale = getattr(p, "diff_scale", None)
    if scale is not None:
        return -float(scale), float(scale)
    finite = np.abs(np.asarray(values, dtype=np.float64))
    finite = finite[np.isfinite(finite)]
    bound = float(finite.max()) if finite.size else 0.0
    bound = bound or 1.0
    return -bound, bound


def difference_label(field: xr.DataArray, info: VariableInfo) -> str:
    """'A − B (°C)': the difference's axis or colour bar label, in the units drawn."""
    return with_units("A − B", field.attrs.get("units"), info.standard_name)
