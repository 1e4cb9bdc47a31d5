"""What a query answers: an xarray Dataset with CF attributes and a record of what was used."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import xarray as xr
from pyproj import Geod

Interp = Literal["nearest", "linear"]
QueryKind = Literal["point", "timeseries", "profile", "area", "transect", "hovmoller"]
GEOD = Geod(ellps="WGS84")
DEFAULT_MAX_VALUES = 2_000_000


@dataclass
class QueryResult:
    """The answer to a data query."""

    kind: QueryKind
    dataset_id: str
    data: xr.Dataset
    selection: dict[str, Any] = field(default_factory=dict)
