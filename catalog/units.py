"""Units: canonical UDUNITS spellings through pint and cf-xarray's UDUNITS registry."""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

with warnings.catch_warnings():
    # cf-xarray warns that matplotlib is missing; unit plotting support is not needed here.
    warnings.simplefilter("ignore", UserWarning)
    from cf_xarray.units import units as ureg

# CF spellings that UDUNITS accepts but cf-xarray's registry does not know.
_ALIASES = {
    "degrees_C": "degC",
    "degree_C": "degC",
    "degrees_Celsius": "degC",
    "celsius": "degC",
    "Celsius": "degC",
}


@cache
def parse_units(raw: str) -> Any | None:
    """The pint unit for a units string, or None when it does not parse."""
    try:
        return ureg.Unit(_ALIASES.get(raw.strip(), raw.strip()))
    except Exception:
        return None


@cache
def canonical_units(raw: str | None) -> str | None:
    """A units string in its UDUNITS spelling ('meter second-1' -> 'm s-1').

    Strings that do not parse (such as '1e-3', which UDUNITS reads as a factor) are kept as
    they are, stripped; the catalog can correct those that are wrong.
    """
    if raw is None or not raw.strip():
        return None
    unit = parse_units(raw)
    if unit is None:
        return raw.strip()
    text = f"{unit:cf}"
    # The cf format writes '°C' and '°F'; UDUNITS and most clients prefer ASCII 'degC'.
    return text.replace("°C", "degC").replace("°F", "degF")


def to_metres_factor(raw: str | None) -> float | None:
    """Factor turning values in ``raw`` units into metres, or None when not a length."""
    unit = parse_units(raw or "")
    if unit is None or not unit.is_compatible_with(ureg.metre):
        return None
    return float((1 * unit).to(ureg.metre).magnitude)


# Units offered when a conversion is refused, filtered by compatibility.
SUGGESTED_UNITS = [
    "K", "degC", "degF",
    "m s-1", "cm s-1", "km h-1", "knot",
    "m", "cm", "km", "ft",
    "Pa", "dbar",
    "degree", "rad",
]  # fmt: skip


def compatible_units(raw: str | None) -> list[str]:
    """The suggested units that ``raw`` can be converted to."""
    unit = parse_units(raw or "")
    if unit is None:
        return []
    return [u for u in SUGGESTED_UNITS if unit.is_compatible_with(parse_units(u))]


def convert(values: Any, source: str | None, target: str) -> Any:
    """Values converted from ``source`` to ``target`` units (ValueError if impossible)."""
    from_unit, to_unit = parse_units(source or ""), parse_units(target)
    if from_unit is None:
        raise ValueError(f"the data's units '{source}' are not convertible")
    if to_unit is None:
        raise ValueError(f"'{target}' is not a unit")
    if not from_unit.is_compatible_with(to_unit):
        raise ValueError(f"'{source}' cannot be converted to '{target}'")
    return ureg.Quantity(values, from_unit).to(to_unit).magnitude
