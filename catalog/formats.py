"""Data formats (media types, CRS names) and unit conversion of results.

The encoders that write each format are in ``catalog.encoders``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from catalog.errors import InvalidParameters
from catalog.queries import QueryResult
from catalog.units import canonical_units, compatible_units, convert

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
Format = Literal["json", "csv", "nc", "covjson"]
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "nc": "application/x-netcdf",
    "covjson": "application/prs.coverage+json",
    "geojson": "application/geo+json",
}


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
