"""Which served variables are the temperature and the salinity of the TEOS-10 chain.

Found by CF standard name unless the catalog entry's ``derived`` options name them. Both must
be on the same grid with the same dimensions and depth levels, and the temperature must be in
units that convert to °C (GIOPS's Kelvins do).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from catalog.derived.teos10 import SalinityKind, TemperatureKind
from catalog.units import convert
from catalog.variables import VariableInfo
from schemas.catalog import DerivedOptions

TEMPERATURES: dict[str, TemperatureKind] = {
    "sea_water_potential_temperature": "potential",
    "sea_water_conservative_temperature": "conservative",
    "sea_water_temperature": "in_situ",
}
SALINITIES: dict[str, SalinityKind] = {
    "sea_water_practical_salinity": "practical",
    # The legacy name (CF before v29) for what models write as practical salinity (GLORYS).
    "sea_water_salinity": "practical",
    "sea_water_absolute_salinity": "absolute",
}


K = TypeVar("K", TemperatureKind, SalinityKind)


class RolesMismatch(Exception):
    """The catalog's ``derived`` options name a variable that cannot play its role."""


@dataclass(frozen=True)
class Roles:
    """The inputs of the TEOS-10 chain."""

    temperature: VariableInfo
    temperature_kind: TemperatureKind
    salinity: VariableInfo
    salinity_kind: SalinityKind


def find_roles(variables: dict[str, VariableInfo], options: DerivedOptions) -> Roles | None:
    """The temperature and salinity to derive from, or None when the dataset lacks either.

    RolesMismatch when the catalog names a variable that is missing, of unknown kind, or
    not on the other's grid and levels.
    """
    if not options.enabled:
        return None
    temperature = _pick(variables, options.temperature, options.temperature_kind, TEMPERATURES)
    salinity = _pick(variables, options.salinity, options.salinity_kind, SALINITIES)
    if temperature is None or salinity is None:
        return None
    (t, t_kind), (s, s_kind) = temperature, salinity
    named = options.temperature is not None or options.salinity is not None
    problem = _incompatible(t, s)
    if problem:
        if named:
            raise RolesMismatch(f"derived: {problem}")
        return None
    return Roles(t, t_kind, s, s_kind)


def _pick(
    variables: dict[str, VariableInfo],
    name: str | None,
    kind: K | None,
    kinds: dict[str, K],
) -> tuple[VariableInfo, K] | None:
    """The variable named (its kind given, else from its standard name), else the first
    whose standard name is one of ``kinds``."""
    if name is not None:
        if name not in variables:
            raise RolesMismatch(f"derived: the dataset serves no variable '{name}'")
        info = variables[name]
        found = kind or kinds.get(info.standard_name or "")
        if found is None:
            raise RolesMismatch(
                f"derived: say what '{name}' is (its standard name "
                f"'{info.standard_name}' does not): one of {sorted(set(kinds.values()))}"
            )
        return info, found
    for info in variables.values():
        if info.standard_name in kinds and info.role is None:
            return info, kind or kinds[info.standard_name]
    return None


def _incompatible(t: VariableInfo, s: VariableInfo) -> str | None:
    if t.vertical is None or s.vertical is None:
        return f"'{t.id}' and '{s.id}' need depth levels"
    if t.dims != s.dims or t.grid is not s.grid:
        return f"'{t.id}' and '{s.id}' are not on the same grid and dimensions"
    if not np.array_equal(t.vertical.depths, s.vertical.depths):
        return f"'{t.id}' and '{s.id}' are not on the same depth levels"
    try:
        convert(0.0, t.units, "degC")
    except ValueError:
        return f"the temperature '{t.id}' is in '{t.units}', which does not convert to degC"
    return None
