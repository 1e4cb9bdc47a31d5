"""Queries along a path: samples equally spaced along the rhumb lines or geodesics joining its
vertices, as a section over depth or at one level (transect), or over time (Hovmöller)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from catalog.axes import VerticalAxis
from catalog.dataset import OpenDataset
from catalog.geo import wrap180
from catalog.grids import Stencil
from catalog.query.common import (
    at_stencils,
    common_time_axis,
    depth_choice,
    depth_used,
    finish,
    level_count,
    named,
    shared_levels,
    time_isel,
    with_axis,
)
from catalog.query.result import DEFAULT_MAX_VALUES, GEOD, Interp, QueryResult
from catalog.query.rhumb import RhumbLeg
from catalog.query.sampling import guard, outside, stencil_or_none
from catalog.selection import DepthChoice, Instant, time_range
from catalog.variables import VariableInfo
from schemas.params import DepthSpec, PathType, Vertex


def sample_path(
    vertices: Sequence[Vertex], n: int, path_type: PathType = "rhumb"
) -> tuple[npt.NDArray[np.float64], ...]:
    """``n`` points equally spaced in distance along the legs (WGS84) joining the vertices:
    rhumb lines (each crossing the antimeridian the short way) or geodesics.

    Returns longitudes (-180..180), latitudes and distances from the start in km.
    """
    if path_type == "rhumb":
        return _rhumb_samples(vertices, n)
    return _geodesic_samples(vertices, n)


def _geodesic_samples(vertices: Sequence[Vertex], n: int) -> tuple[npt.NDArray[np.float64], ...]:
    lons = np.array([v[0] for v in vertices], dtype=np.float64)
    lats = np.array([v[1] for v in vertices], dtype=np.float64)
    _, _, legs = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    legs = np.atleast_1d(legs)
    ends = np.concatenate([[0.0], np.cumsum(legs)])
    targets = np.linspace(0.0, ends[-1], n)
    out_lon, out_lat = np.empty(n), np.empty(n)
    for k, distance in enumerate(targets):
        leg = min(int(np.searchsorted(ends, distance, side="right")) - 1, legs.size - 1)
        azimuth, _, _ = GEOD.inv(lons[leg], lats[leg], lons[leg + 1], lats[leg + 1])
        out_lon[k], out_lat[k], _ = GEOD.fwd(lons[leg], lats[leg], azimuth, distance - ends[leg])
    return wrap180(out_lon), out_lat, targets / 1000.0


def _rhumb_samples(vertices: Sequence[Vertex], n: int) -> tuple[npt.NDArray[np.float64], ...]:
    legs = [RhumbLeg(*a, *b) for a, b in itertools.pairwise(vertices)]
    lengths = np.array([leg.length for leg in legs])
    ends = np.concatenate([[0.0], np.cumsum(lengths)])
    targets = np.linspace(0.0, ends[-1], n)
    which = np.clip(np.searchsorted(ends, targets, side="right") - 1, 0, len(legs) - 1)
    out_lon, out_lat = np.empty(n), np.empty(n)
    for k in np.unique(which):
        on = which == k
        span = lengths[k]
        share = np.clip((targets[on] - ends[k]) / span, 0.0, 1.0) if span > 0 else targets[on] * 0
        out_lon[on], out_lat[on] = legs[k].at(share)
    return wrap180(out_lon), out_lat, targets / 1000.0


def transect(
    opened: OpenDataset,
    names: list[str] | None,
    vertices: Sequence[Vertex],
    n: int = 100,
    time: Instant = None,
    depth: DepthSpec | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
    path_type: PathType = "rhumb",
) -> QueryResult:
    """Values along a path at ``n`` points: a section over every level, or one depth."""
    infos = opened.resolve(names)
    lons, lats, distances = sample_path(vertices, n, path_type)
    section = depth is None and any(i.vertical is not None for i in infos)
    axis: VerticalAxis | None = None
    if section:
        infos = with_axis(infos, names, "vertical", "depth levels (or give depth=)")
        axis = shared_levels(infos)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        stencils = on_path(info, lons, lats, interp)
        isel, used = time_isel(info, time)
        choice = DepthChoice(None) if section else depth_choice(info, depth)
        k = max(s.w.size for s in stencils)
        guard(n * k * level_count(info, choice), max_values, "Ask for fewer samples (n).")
        line = at_stencils(opened, info, stencils, isel, choice)
        if section:
            assert info.vertical is not None
            line = line.rename({info.vertical.dim: "depth"})
        else:
            used.update(depth_used(info, choice, line))
            line = line.drop_vars("depth", errors="ignore")
        per_var[info.id] = used
        values[info.id] = named(line, info)
    data = along_path(finish(xr.Dataset(values), per_var), lons, lats, distances, path_type)
    if axis is not None:
        data = data.assign_coords(depth=("depth", axis.depths))
    selection = path_selection(interp, n, path_type, distances, per_var)
    return QueryResult("transect", opened.id, data, selection)


def hovmoller(
    opened: OpenDataset,
    name: str,
    vertices: Sequence[Vertex],
    n: int = 100,
    start: Instant = None,
    end: Instant = None,
    depth: DepthSpec | None = None,
    interp: Interp = "nearest",
    max_values: int = DEFAULT_MAX_VALUES,
    path_type: PathType = "rhumb",
) -> QueryResult:
    """A variable (or vector pair) along a path over a time range, at one level."""
    infos = with_axis(opened.resolve([name]), [name], "time", "a time axis")
    axis = common_time_axis(infos)
    steps = time_range(axis, start, end)
    lons, lats, distances = sample_path(vertices, n, path_type)
    per_var: dict[str, dict[str, Any]] = {}
    values: dict[str, xr.DataArray] = {}
    for info in infos:
        assert info.time is not None and info.time.dim is not None
        stencils = on_path(info, lons, lats, interp)
        choice = depth_choice(info, depth)
        k = max(s.w.size for s in stencils)
        count = n * k * (steps.stop - steps.start) * level_count(info, choice)
        guard(count, max_values, "Ask for fewer samples (n) or a shorter time range.")
        block = at_stencils(opened, info, stencils, {info.time.dim: steps}, choice)
        per_var[info.id] = depth_used(info, choice, block)
        block = block.drop_vars("depth", errors="ignore").rename({info.time.dim: "time"})
        values[info.id] = named(block, info)
    data = along_path(finish(xr.Dataset(values), per_var), lons, lats, distances, path_type)
    data = data.assign_coords(time=axis.values[steps])
    selection = path_selection(interp, n, path_type, distances, per_var)
    return QueryResult("hovmoller", opened.id, data, selection)


PATH_WORDS = {"rhumb": "rhumb lines", "geodesic": "geodesics"}


def path_selection(
    interp: Interp,
    n: int,
    path_type: PathType,
    distances: npt.NDArray[np.float64],
    per_var: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """What a path query used: interpolation, samples, how the vertices were joined, length."""
    return {
        "interp": interp,
        "n": n,
        "path_type": path_type,
        "length_km": float(distances[-1]),
        "variables": per_var,
    }


def along_path(
    data: xr.Dataset,
    lons: npt.NDArray[np.float64],
    lats: npt.NDArray[np.float64],
    distances: npt.NDArray[np.float64],
    path_type: PathType = "rhumb",
) -> xr.Dataset:
    """Samples along a path: the point dimension becomes distance (km), with lon/lat."""
    described = {
        "units": "km",
        "long_name": f"distance along path ({PATH_WORDS[path_type]} joining the vertices)",
        "path_type": path_type,
    }
    return data.rename({"point": "distance"}).assign_coords(
        distance=("distance", distances, described),
        longitude=("distance", lons),
        latitude=("distance", lats),
    )


def on_path(
    info: VariableInfo, lons: npt.NDArray[np.float64], lats: npt.NDArray[np.float64], interp: str
) -> list[Stencil]:
    """The stencil of each sample. A sample outside the grid's footprint (a mesh's gap over
    land, the far side of a regional grid) is a missing value, as land is on a grid: a stencil
    of weight 0 at a cell of the path, placed nowhere. A path with no sample inside is a 400."""
    found = [
        stencil_or_none(info.grid, float(lon), float(lat), interp)
        for lon, lat in zip(lons, lats, strict=True)
    ]
    inside = next((s for s in found if s is not None), None)
    if inside is None:
        raise outside(info.grid, float(lons[0]), float(lats[0]), "path")
    nowhere = Stencil(tuple(c[:1] for c in inside.cells), np.zeros(1), (float("nan"), float("nan")))
    return [s if s is not None else nowhere for s in found]
