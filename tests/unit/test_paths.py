"""Paths sampled along rhumb lines or geodesics (WGS84), checked against independent geometry."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from pyproj import Geod, Proj

from catalog.query import sample_path
from plotting.paths import path_axis, path_words

WGS84_A, WGS84_F = 6378137.0, 1 / 298.257223563  # the ellipsoid's defining constants
GEOD = Geod(a=WGS84_A, f=WGS84_F)


def parallel_arc_km(lat: float, dlon: float) -> float:
    """N(phi) cos(phi) dlon: the length of an arc of the parallel at ``lat`` on WGS84."""
    e2 = WGS84_F * (2 - WGS84_F)
    phi = math.radians(lat)
    radius = WGS84_A / math.sqrt(1 - e2 * math.sin(phi) ** 2) * math.cos(phi)
    return radius * math.radians(dlon) / 1000


def test_rhumb_along_a_parallel_stays_on_it_where_the_geodesic_leaves_it() -> None:
    lons, lats, _ = sample_path([(140.0, 30.0), (-120.0, 30.0)], 101, "rhumb")
    np.testing.assert_allclose(lats, 30.0, rtol=0, atol=1e-9)
    _, geodesic_lats, _ = sample_path([(140.0, 30.0), (-120.0, 30.0)], 101, "geodesic")
    assert geodesic_lats.max() == pytest.approx(42.0, abs=0.05)  # the great circle's bulge
    # east across 180: 140 E ... 180 ... 120 W, equally spaced in longitude
    np.testing.assert_allclose(np.unwrap(lons, period=360), np.linspace(140, 240, 101), atol=1e-9)


def test_rhumb_is_the_default() -> None:
    path = [(-30.0, 40.0), (-1.0, 40.0)]
    for default, rhumb in zip(sample_path(path, 9), sample_path(path, 9, "rhumb"), strict=True):
        np.testing.assert_array_equal(default, rhumb)


def test_rhumb_length_along_a_parallel_is_the_parallel_arc() -> None:
    *_, km = sample_path([(-30.0, 40.0), (-1.0, 40.0)], 30, "rhumb")
    assert km[-1] == pytest.approx(parallel_arc_km(40.0, 29.0), rel=1e-12)
    np.testing.assert_allclose(np.diff(km), parallel_arc_km(40.0, 1.0), rtol=1e-9)
    # The same arc as pyproj measures it: 29,000 short geodesics along the parallel.
    dense = np.linspace(-30.0, -1.0, 29_001)
    assert km[-1] * 1000 == pytest.approx(GEOD.line_length(dense, np.full_like(dense, 40.0)))
    _, geodesic_lats, geodesic_km = sample_path([(-30.0, 40.0), (-1.0, 40.0)], 31, "geodesic")
    assert geodesic_lats.max() - 40.0 == pytest.approx(0.9, abs=0.05)  # the geodesic's bulge
    assert geodesic_km[-1] < km[-1]  # and shorter


def test_rhumb_along_a_meridian_is_the_geodesic() -> None:
    path = [(-25.0, -60.0), (-25.0, 63.0)]  # A16 runs along 25 W
    for rhumb, geodesic in zip(
        sample_path(path, 41, "rhumb"), sample_path(path, 41, "geodesic"), strict=True
    ):
        np.testing.assert_allclose(rhumb, geodesic, rtol=1e-12, atol=1e-9)


def test_a_rhumb_leg_is_straight_in_mercator_and_evenly_spaced() -> None:
    path = [(-73.8, 40.6), (-0.5, 51.6)]  # JFK to LHR, GeographicLib's rhumb example
    lons, lats, km = sample_path(path, 2001, "rhumb")
    # Its documented answer (RhumbSolve -i 40.6 -73.8 51.6 -0.5): 5771083.383 m.
    assert km[-1] * 1000 == pytest.approx(5771083.383, abs=0.01)
    x, y = Proj(proj="merc", a=WGS84_A, rf=1 / WGS84_F)(lons, lats)
    azimuth = np.degrees(np.arctan2(np.diff(x), np.diff(y)))
    np.testing.assert_allclose(azimuth, 77.7683897102557, atol=1e-7)  # constant: a rhumb line
    _, _, steps = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])  # short: rhumb ~ geodesic
    np.testing.assert_allclose(steps / 1000, np.diff(km), rtol=1e-7)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ([(170.0, -10.0), (-170.0, -10.0)], np.linspace(170.0, 190.0, 11)),  # east over 180
        ([(-170.0, 5.0), (170.0, 5.0)], np.linspace(-170.0, -190.0, 11)),  # west over 180
        ([(350.0, 5.0), (10.0, 5.0)], np.linspace(-10.0, 10.0, 11)),  # 0..360 longitudes
    ],
)
def test_rhumb_crosses_the_antimeridian_the_short_way(
    path: list[tuple[float, float]], expected: np.ndarray
) -> None:
    lons, lats, km = sample_path(path, 11, "rhumb")
    assert np.all((lons >= -180) & (lons < 180))
    np.testing.assert_allclose(np.unwrap(lons, period=360), expected, atol=1e-9)
    np.testing.assert_allclose(lats, path[0][1], atol=1e-9)
    assert km[-1] == pytest.approx(parallel_arc_km(path[0][1], 20.0), rel=1e-12)


def test_several_legs_are_sampled_by_distance_through_each_vertex() -> None:
    path = [(-32.0, -10.0), (-25.0, -10.0), (-25.0, 0.0)]  # along a parallel, then a meridian
    lons, lats, km = sample_path(path, 301, "rhumb")
    first = parallel_arc_km(-10.0, 7.0)
    _, _, second = GEOD.inv(-25.0, -10.0, -25.0, 0.0)
    assert km[-1] == pytest.approx(first + second / 1000, rel=1e-12)
    on_first = km <= first
    np.testing.assert_allclose(lats[on_first], -10.0, atol=1e-9)
    np.testing.assert_allclose(lons[~on_first], -25.0, atol=1e-9)
    assert np.all(np.diff(lats[~on_first]) > 0)


def along(path: list[tuple[float, float]], path_type: str = "rhumb", n: int = 50) -> xr.Dataset:
    """The coordinates a path query gives its samples."""
    lons, lats, km = sample_path(path, n, path_type)  # type: ignore[arg-type]
    return xr.Dataset(coords={"longitude": lons, "latitude": lats, "distance": km})


@pytest.mark.parametrize(
    ("path", "path_type", "label", "first", "last"),
    [
        ([(140.0, 0.0), (-80.0, 0.0)], "geodesic", "Longitude", 140.0, 280.0),  # the equator
        ([(140.0, 30.0), (-120.0, 30.0)], "rhumb", "Longitude", 140.0, 240.0),  # east over 180
        ([(-170.0, 5.0), (170.0, 5.0)], "rhumb", "Longitude", -170.0, -190.0),  # west over 180
        ([(0.0, 5.0), (170.0, 5.0), (340.0, 5.0)], "rhumb", "Longitude", 0.0, 340.0),
        ([(-25.0, -60.0), (-25.0, 63.0)], "geodesic", "Latitude", -60.0, 63.0),  # a meridian
        ([(-25.0, 63.0), (-25.0, -60.0)], "rhumb", "Latitude", 63.0, -60.0),
    ],
)
def test_a_path_on_a_parallel_or_meridian_gets_that_axis(
    path: list[tuple[float, float]], path_type: str, label: str, first: float, last: float
) -> None:
    axis = path_axis(along(path, path_type))
    assert axis.label == label
    assert (axis.values[0], axis.values[-1]) == pytest.approx((first, last))
    assert np.all(np.diff(axis.values) > 0) or np.all(np.diff(axis.values) < 0)


@pytest.mark.parametrize(
    ("path", "path_type"),
    [
        ([(140.0, 30.0), (-120.0, 30.0)], "geodesic"),  # leaves the parallel
        ([(140.0, 30.0), (160.0, 30.0), (150.0, 30.0)], "rhumb"),  # doubles back
        ([(-30.0, 10.0), (-20.0, 10.0), (-20.0, 20.0)], "rhumb"),  # parallel, then meridian
        ([(0.0, 5.0), (170.0, 5.0), (340.0, 5.0)], "rhumb-sparse"),  # 2 samples 340 degrees apart
        ([(-30.0, 10.0), (-30.0, 10.0)], "rhumb"),  # one place
    ],
)
def test_any_other_path_gets_the_distance_axis(
    path: list[tuple[float, float]], path_type: str
) -> None:
    n = 2 if path_type.endswith("sparse") else 50
    data = along(path, path_type.removesuffix("-sparse"), n)
    axis = path_axis(data)
    assert axis.label == "Distance along path (km)"
    np.testing.assert_array_equal(axis.values, data["distance"].values)


def test_the_subtitle_words() -> None:
    assert path_words("rhumb", 1, 2559.6) == "rhumb line, 2,560 km"
    assert path_words("geodesic", 3, 812.2) == "geodesics, 812 km"


@pytest.mark.parametrize("path", [[(-30.0, 40.0), (-25.0, 43.0)], [(-10.0, 50.0), (-8.0, 51.0)]])
def test_on_short_legs_rhumb_and_geodesic_differ_by_less_than_a_sample(
    path: list[tuple[float, float]],
) -> None:
    rhumb_lon, rhumb_lat, km = sample_path(path, 100, "rhumb")
    geodesic_lon, geodesic_lat, _ = sample_path(path, 100, "geodesic")
    _, _, apart = GEOD.inv(rhumb_lon, rhumb_lat, geodesic_lon, geodesic_lat)
    assert km[-1] < 600
    assert apart.max() / 1000 < km[1]  # less than the spacing of 100 samples
