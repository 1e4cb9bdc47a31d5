"""Longitude conventions and geographic extents."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from catalog.errors import InvalidParameters
from schemas import params

BBox = params.BBox
"""(west, south, east, north) in degrees; west > east when the box crosses the antimeridian."""

MAX_PATH_VERTICES = 1000
"""The default limit on a path's vertices (OCEANAPI_MAX_PATH_POINTS)."""


def wrap180(lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Longitudes mapped to [-180, 180)."""
    return (np.asarray(lon, dtype=np.float64) + 180.0) % 360.0 - 180.0


def longitude_extent(lon: npt.ArrayLike, spacing: float) -> tuple[float, float]:
    """Smallest (west, east) arc holding every longitude, in -180..180.

    The arc is the circle minus its largest gap between neighbouring longitudes. When no gap is
    wider than ``spacing`` (about two grid cells) the data go all the way round: (-180, 180).
    West is greater than east when the arc crosses the antimeridian.
    """
    values = np.unique(wrap180(np.asarray(lon)[np.isfinite(lon)]))
    if values.size == 0:
        raise ValueError("no finite longitudes")
    gaps = np.diff(np.append(values, values[0] + 360.0))
    widest = int(np.argmax(gaps))
    if gaps[widest] <= spacing:
        return -180.0, 180.0
    west = values[(widest + 1) % values.size]
    east = values[widest]
    return float(west), float(east)


def typical_spacing(lon: npt.ArrayLike, axis: int = -1) -> float:
    """Median absolute step between neighbouring longitudes along ``axis`` (degrees)."""
    steps = np.abs(np.diff(wrap180(lon), axis=axis))
    steps = np.minimum(steps, 360.0 - steps)
    finite = steps[np.isfinite(steps) & (steps > 0)]
    return float(np.median(finite)) if finite.size else 0.0


def normalise_lon(lon: float) -> float:
    """A longitude in -180..180 (180 itself is kept, so a box can end there)."""
    return float(lon) if -180.0 <= lon <= 180.0 else float(wrap180(lon))


def lonlat_to_xyz(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Unit vectors (x, y, z) on the sphere, in the last axis."""
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)


def in_lon_range(lon: npt.ArrayLike, west: float, east: float) -> npt.NDArray[np.bool_]:
    """Whether longitudes (either convention) lie in [west, east], which may cross 180."""
    wrapped = wrap180(lon)
    west, east = normalise_lon(west), normalise_lon(east)
    if west <= east:
        inside: npt.NDArray[np.bool_] = (wrapped >= west) & (wrapped <= east)
        if east == 180.0:  # 180 is wrapped to -180, the same meridian
            inside |= wrapped == -180.0
    else:
        inside = (wrapped >= west) | (wrapped <= east)
    return inside


def check_vertices(name: str, count: int, max_vertices: int | None) -> None:
    """400 naming the parameter when a path has more than ``max_vertices`` (None: no limit)."""
    if max_vertices is not None and count > max_vertices:
        raise InvalidParameters.single(
            name, f"has {count:,} vertices; at most {max_vertices:,} (the service's limit)"
        )
