"""Rhumb lines (loxodromes: constant azimuth, straight in Mercator) on the WGS84 ellipsoid.

pyproj has no rhumb API and geographiclib's Python port has no ``Rhumb`` class (only its C++
library does), so a leg is solved here from two ellipsoidal quantities pyproj computes: the
meridian arc (a geodesic along a meridian, ``Geod``) and the isometric latitude psi (the
northing of the ellipsoidal Mercator projection divided by the semi-major axis). On a rhumb line
longitude is linear in psi and the length is the meridian arc over cos(azimuth), which is
``hypot(m, q * dlon)`` with ``q = m / dpsi``; along a parallel (dpsi -> 0) ``q`` tends to
N(phi) cos(phi), the parallel's radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyproj import Proj

from catalog.query.result import GEOD

_MERCATOR = Proj(proj="merc", ellps="WGS84")
PARALLEL_DEG = 1e-7
"""A leg whose ends differ by less than this in latitude (about 1 cm) is solved as a parallel
(the meridian arc and the psi difference are then too small to divide accurately)."""

Floats = npt.NDArray[np.float64]


def isometric_latitude(lat: npt.ArrayLike) -> Floats:
    """psi(phi) on WGS84 (Mercator northing / a); +-inf at the poles."""
    lat = np.asarray(lat, dtype=np.float64)
    _, northing = _MERCATOR(np.zeros_like(lat), lat)
    psi: Floats = np.asarray(northing, dtype=np.float64) / GEOD.a
    return np.where(np.abs(lat) >= 90.0, np.copysign(np.inf, lat), psi)


def parallel_radius(lat: float) -> float:
    """N(phi) cos(phi): the radius of the parallel at ``lat`` on WGS84 (m)."""
    phi = math.radians(lat)
    return GEOD.a * math.cos(phi) / math.sqrt(1.0 - GEOD.es * math.sin(phi) ** 2)


def short_dlon(lon1: float, lon2: float) -> float:
    """lon2 - lon1 the short way round, in -180..180 (+-180 keeps the sign it was typed with)."""
    raw = lon2 - lon1
    dlon = (raw + 180.0) % 360.0 - 180.0
    return math.copysign(180.0, raw) if abs(dlon) == 180.0 else dlon


@dataclass(frozen=True)
class RhumbLeg:
    """The rhumb line from (lon1, lat1) to (lon2, lat2), crossing |dlon| <= 180 degrees."""

    lon1: float
    lat1: float
    lon2: float
    lat2: float

    @property
    def dlon(self) -> float:
        """Degrees east from lon1 to lon2, the short way."""
        return short_dlon(self.lon1, self.lon2)

    @property
    def along_parallel(self) -> bool:
        return abs(self.lat2 - self.lat1) < PARALLEL_DEG

    @property
    def meridian_arc(self) -> float:
        """Signed distance along the meridian from lat1 to lat2 (m; north positive)."""
        _, _, arc = GEOD.inv(0.0, self.lat1, 0.0, self.lat2)
        return math.copysign(float(arc), self.lat2 - self.lat1)

    @property
    def length(self) -> float:
        """The rhumb distance (m)."""
        dlon = math.radians(self.dlon)
        arc = self.meridian_arc
        if self.along_parallel:
            return math.hypot(arc, parallel_radius((self.lat1 + self.lat2) / 2) * dlon)
        psi1, psi2 = isometric_latitude([self.lat1, self.lat2])
        q = arc / (psi2 - psi1)  # 0 when an end is a pole: the leg is then a meridian
        return math.hypot(arc, q * dlon)

    def at(self, fractions: npt.ArrayLike) -> tuple[Floats, Floats]:
        """Longitudes (unwrapped from lon1) and latitudes at fractions 0..1 of the length."""
        f = np.asarray(fractions, dtype=np.float64)
        if self.along_parallel:
            return self.lon1 + f * self.dlon, self.lat1 + f * (self.lat2 - self.lat1)
        arc = self.meridian_arc
        azimuth = np.full_like(f, 0.0 if arc >= 0 else 180.0)
        _, lat, _ = GEOD.fwd(np.zeros_like(f), np.full_like(f, self.lat1), azimuth, np.abs(f * arc))
        lat = np.asarray(lat, dtype=np.float64)
        lat[f >= 1.0] = self.lat2
        psi1, psi2 = isometric_latitude([self.lat1, self.lat2])
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (isometric_latitude(lat) - psi1) / (psi2 - psi1)
        # A pole end (psi infinite): the leg runs along the other end's meridian.
        share = np.where(np.isnan(share), np.where(f > 0, 1.0, 0.0), share)
        return self.lon1 + share * self.dlon, lat
