"""Profiles along a path: those within a corridor of it, ordered along it (EDR ``trajectory``
and ``corridor`` over an observation collection).

The path's legs are rhumb lines or geodesics on WGS84 (as the gridded trajectory joins them),
each crossing the antimeridian the short way. The path is sampled densely along its legs (at
most a tenth of the corridor's half-width apart, up to ``MAX_SAMPLES`` points); a profile's
nearest samples are found by chord on the unit sphere (a k-d tree), measured on the ellipsoid
(pyproj's geodesic distance, as the radius query measures), and the foot of the profile on the
path is then found on the stretches either side of the nearest one (locally planar, as they
are short): its distance to the path (within centimetres of shapely's in an azimuthal
equidistant projection centred on the profile, for the sample float), its place along the path
(which orders the answer) and, on a path with times (WKT ``M``), the path's time there
(interpolated in distance between the vertices' times).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from catalog.errors import InvalidParameters
from catalog.geo import lonlat_to_xyz, wrap180
from catalog.query.result import GEOD
from catalog.query.rhumb import RhumbLeg
from catalog.units import to_metres_factor
from schemas.params import PathType, Vertex

Floats = npt.NDArray[np.float64]

MAX_SAMPLES = 20_000
"""The most points sampled along a path (a long path and a narrow corridor: coarser spacing)."""
DEFAULT_WIDTH_M = 50_000.0
"""A trajectory's corridor without ``corridor-width``: 50 km wide, 25 km either side."""
TIME_TOLERANCE_S = 86_400.0
"""On a path with times (``M``), a profile is kept within one day of the path's time at its
nearest point."""
UNITS = ("km", "m", "mi", "nmi")
MIN_RADIUS_M = 6_335_000.0
"""WGS84's smallest radius of curvature (meridional, at the equator), rounded down: a
geodesic distance over it bounds the angle it subtends at the centre."""
"""The length units ``width-units`` and ``height-units`` take."""


@dataclass(frozen=True)
class Corridor:
    """A path, the half-width of the corridor around it (m) and, optionally, its times."""

    vertices: tuple[Vertex, ...]
    half_width: float
    path_type: PathType = "rhumb"
    times: tuple[float, ...] | None = None
    """Seconds since 1970-01-01T00:00:00Z at each vertex (WKT ``LINESTRINGM``), or None."""
    tolerance: float = TIME_TOLERANCE_S


def metres(value: float | None, units: str | None, name: str, units_name: str) -> float:
    """``value`` in ``units`` as metres: 400 naming ``name`` or ``units_name`` when missing,
    not positive or not a length."""
    if value is None:
        raise InvalidParameters.single(name, f"is required, with {units_name}")
    if not math.isfinite(value) or value <= 0:
        raise InvalidParameters.single(name, "must be a positive number")
    if not units:
        raise InvalidParameters.single(units_name, f"is required, one of {', '.join(UNITS)}")
    factor = (
        to_metres_factor({"nmi": "nautical_mile", "mi": "mile"}.get(units, units))
        if units in UNITS
        else None
    )
    if factor is None:
        raise InvalidParameters.single(
            units_name, f"'{units}' is not a length unit; use {', '.join(UNITS)}"
        )
    return value * factor


def path_times(m: Floats) -> tuple[float, ...]:
    """The ``M`` values of a path as times: finite and not decreasing (400 naming coords)."""
    if not np.all(np.isfinite(m)) or np.any(np.diff(m) < 0):
        raise InvalidParameters.single(
            "coords",
            "the M values of a LINESTRINGM are seconds since 1970-01-01T00:00:00Z at each "
            "vertex, finite and not decreasing along the path",
        )
    return tuple(float(t) for t in m)


def _legs(vertices: Sequence[Vertex], path_type: PathType) -> Floats:
    if path_type == "rhumb":
        return np.array([RhumbLeg(*a, *b).length for a, b in itertools.pairwise(vertices)])
    lon = np.array([v[0] for v in vertices], dtype=np.float64)
    lat = np.array([v[1] for v in vertices], dtype=np.float64)
    _, _, legs = GEOD.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.atleast_1d(np.asarray(legs, dtype=np.float64))


def samples(
    vertices: Sequence[Vertex], path_type: PathType, spacing: float
) -> tuple[Floats, Floats, Floats, Floats]:
    """Points along the legs at most ``spacing`` metres apart (each vertex one of them): their
    longitudes (-180..180), latitudes and distances from the start (m), and the vertices'
    distances from the start."""
    legs = _legs(vertices, path_type)
    ends = np.concatenate([[0.0], np.cumsum(legs)])
    lons, lats, along = [], [], []
    for k, (a, b) in enumerate(itertools.pairwise(vertices)):
        n = max(math.ceil(legs[k] / spacing), 1)
        share = np.arange(n) / n  # the leg's end is the next leg's start (or added below)
        if path_type == "rhumb":
            lon, lat = RhumbLeg(*a, *b).at(share)
        else:
            azimuth, _, _ = GEOD.inv(a[0], a[1], b[0], b[1])
            lon, lat, _ = GEOD.fwd(
                np.full(n, a[0]), np.full(n, a[1]), np.full(n, azimuth), share * legs[k]
            )
        lons.append(np.asarray(lon, dtype=np.float64))
        lats.append(np.asarray(lat, dtype=np.float64))
        along.append(ends[k] + share * legs[k])
    lons.append(np.array([vertices[-1][0]], dtype=np.float64))
    lats.append(np.array([vertices[-1][1]], dtype=np.float64))
    along.append(ends[-1:])
    return wrap180(np.concatenate(lons)), np.concatenate(lats), np.concatenate(along), ends


def nearest(
    vertices: Sequence[Vertex],
    path_type: PathType,
    half_width: float,
    lon: Floats,
    lat: Floats,
) -> tuple[Floats, Floats]:
    """Each position's geodesic distance to the path (m) and the distance along the path of
    its nearest point (m); infinite (and NaN along) for a position beyond the corridor's
    reach, NaN for one without coordinates."""
    length = float(_legs(vertices, path_type).sum())
    spacing = max(half_width / 10.0, length / MAX_SAMPLES, 1.0)
    plon, plat, along, _ = samples(vertices, path_type, spacing)
    distance, place = np.full(lon.size, np.nan), np.full(lon.size, np.nan)
    placed = np.isfinite(lon) & np.isfinite(lat)
    if not placed.any():
        return distance, place
    # The few nearest samples by chord, only those that may lie within the corridor (an angle
    # bounds the chord; the ellipsoid's smallest radius of curvature bounds the angle), then
    # measured on the ellipsoid.
    k = min(4, plon.size)
    reach = (half_width + spacing) * 1.01 / MIN_RADIUS_M
    chord, index = cKDTree(lonlat_to_xyz(plon, plat)).query(
        lonlat_to_xyz(lon[placed], lat[placed]), k=k, distance_upper_bound=reach
    )
    chord = np.asarray(chord, dtype=np.float64).reshape(-1, k)
    index = np.asarray(index).reshape(-1, k)
    near = np.isfinite(chord).any(axis=1)
    rows = np.flatnonzero(placed)[near]
    index, found = index[near], np.isfinite(chord[near])
    index = np.where(found, index, 0)
    _, _, metres_away = GEOD.inv(
        np.repeat(lon[rows], k), np.repeat(lat[rows], k), plon[index.ravel()], plat[index.ravel()]
    )
    metres_away = np.where(found, np.asarray(metres_away, dtype=np.float64).reshape(-1, k), np.inf)
    best = index[np.arange(index.shape[0]), np.argmin(metres_away, axis=1)]
    distance[placed] = np.inf  # beyond reach: outside the corridor
    distance[rows], place[rows] = _foot(plon, plat, along, best, lon[rows], lat[rows])
    return distance, place


def _foot(
    plon: Floats, plat: Floats, along: Floats, j: npt.NDArray[np.intp], lon: Floats, lat: Floats
) -> tuple[Floats, Floats]:
    """Each position's distance to the path and the distance along it of its foot, found on
    the two stretches between its nearest sample ``j`` and the samples either side: the
    position's offset from a stretch's start (geodesic distance and azimuth) projected on the
    stretch's direction, clipped to its ends; the nearer of the two feet wins. Locally planar
    (the stretches are short), so finer than the samples' spacing."""
    best_distance = np.full(j.size, np.inf)
    best_along = along[j].copy()
    last = plon.size - 1
    for start in (np.maximum(j - 1, 0), j):
        end = np.minimum(start + 1, last)
        heading, _, length = GEOD.inv(plon[start], plat[start], plon[end], plat[end])
        bearing, _, away = GEOD.inv(plon[start], plat[start], lon, lat)
        turn = np.radians(np.asarray(bearing) - np.asarray(heading))
        away = np.asarray(away, dtype=np.float64)
        t = np.clip(away * np.cos(turn), 0.0, np.asarray(length, dtype=np.float64))
        gap = np.sqrt(np.maximum(away**2 - 2.0 * away * t * np.cos(turn) + t**2, 0.0))
        nearer = gap < best_distance
        best_distance = np.where(nearer, gap, best_distance)
        best_along = np.where(nearer, along[start] + t, best_along)
    return best_distance, best_along


def select(corridor: Corridor, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows (profiles: ``lon``, ``lat``, ``time``) within the corridor, and within its
    time tolerance of the path's time at their nearest point on a path with times; ordered
    along the path (to the metre: those nearest the same point, a vertex on the outside of a
    turn, by time), with their ``distance`` from it and ``along`` it (m)."""
    if rows.empty:
        return rows.assign(distance=np.array([]), along=np.array([]))
    lon, lat = rows["lon"].to_numpy(float), rows["lat"].to_numpy(float)
    distance, along = nearest(corridor.vertices, corridor.path_type, corridor.half_width, lon, lat)
    keep = np.nan_to_num(distance, nan=np.inf) <= corridor.half_width
    if corridor.times is not None:
        vertex_along = np.concatenate(
            [[0.0], np.cumsum(_legs(corridor.vertices, corridor.path_type))]
        )
        path_time = np.interp(np.nan_to_num(along), vertex_along, np.array(corridor.times))
        stamps = pd.to_datetime(rows["time"], utc=True)
        seconds = (stamps - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(float)
        keep &= np.nan_to_num(np.abs(seconds - path_time), nan=np.inf) <= corridor.tolerance
    found = rows.loc[keep].assign(distance=distance[keep], along=np.round(along[keep], 0))
    return found.sort_values(["along", "time"], kind="stable")
