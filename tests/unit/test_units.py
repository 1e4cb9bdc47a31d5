"""Units are reported in their UDUNITS spelling."""

from __future__ import annotations

import pytest

from catalog.units import canonical_units, to_metres_factor


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("meter second-1", "m s-1"),
        ("m s-1", "m s-1"),
        ("degrees_C", "degC"),
        ("degC", "degC"),
        ("K", "K"),
        ("degree_north", "degrees_north"),
        ("1e-3", "1e-3"),  # a UDUNITS factor pint cannot read: kept as is
        ("Kelvins", "Kelvins"),  # not UDUNITS: the catalog corrects it
        (None, None),
        ("  ", None),
    ],
)
def test_canonical_units(raw: str | None, expected: str | None) -> None:
    assert canonical_units(raw) == expected


def test_to_metres_factor() -> None:
    assert to_metres_factor("m") == 1.0
    assert to_metres_factor("cm") == pytest.approx(0.01)
    assert to_metres_factor("decibar") is None
