"""Longitude conventions and extents."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.geo import in_lon_range, longitude_extent, typical_spacing, wrap180


def test_wrap180_maps_into_half_open_range() -> None:
    np.testing.assert_array_equal(
        wrap180([0, 180, 190, 359, -180, 360]), [0, -180, -170, -1, -180, 0]
    )


@pytest.mark.parametrize(
    ("lons", "expected"),
    [
        (np.arange(0, 360, 2.0), (-180.0, 180.0)),  # global, 0..358
        (np.linspace(-17.625, 7.708, 39), (-17.625, 7.708)),  # regional, -180..180
        (np.arange(170, 191, 1.0), (170.0, -170.0)),  # crosses the antimeridian
        (np.arange(200, 230, 1.0), (-160.0, -131.0)),  # regional in 0..360
    ],
)
def test_longitude_extent(lons: np.ndarray, expected: tuple[float, float]) -> None:
    west, east = longitude_extent(lons, spacing=1.5 * typical_spacing(lons))
    assert (west, east) == pytest.approx(expected, abs=1e-3)


def test_a_box_ending_at_180_holds_the_meridian_in_either_convention() -> None:
    lons = np.array([-180.0, 179.5, 180.0, 540.0, -179.5, 170.0])
    assert in_lon_range(lons, 175.0, 180.0).tolist() == [True, True, True, True, False, False]
    assert in_lon_range(lons, -180.0, 180.0).all()
