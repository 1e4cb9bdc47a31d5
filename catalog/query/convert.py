"""Answers converted to other units (pint, UDUNITS names); a 400 naming ``units`` when a
variable's units do not convert."""

from __future__ import annotations

from typing import Any

import numpy as np

from catalog.errors import InvalidParameters
from catalog.query.result import QueryResult
from catalog.units import canonical_units, compatible_units, convert


def convert_units(result: QueryResult, units: str | None) -> QueryResult:
    """Every data variable with units converted to ``units`` (pint, UDUNITS names)."""
    if not units:
        return result
    data = result.data.copy()
    target = canonical_units(units) or units
    for name, da in result.data.data_vars.items():
        source = da.attrs.get("units")
        if str(name).endswith("_direction") or name == "bottom_depth":
            continue
        converted = convert_or_400(da.values, source, units, str(name))
        data[name] = da.copy(data=np.asarray(converted)).assign_attrs(units=target)
    return QueryResult(result.kind, result.dataset_id, data, result.selection)


def convert_or_400(values: Any, source: str | None, units: str, name: str) -> Any:
    """``values`` of variable ``name`` converted to ``units``; a 400 naming `units` if not."""
    try:
        return convert(values, source, units)
    except ValueError as exc:
        options = ", ".join(compatible_units(source)) or "none"
        raise InvalidParameters.single(
            "units", f"{exc}; '{name}' is in {source} and converts to: {options}"
        ) from None
