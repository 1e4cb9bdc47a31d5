"""The query engine: point, time series, profile, area, transect and Hovmöller, on any grid.

Every data answer of the service (the /api/v1 data endpoints, plots, the OGC EDR facade and the
pygeoapi provider) is computed here, from parsed values (instants, depths, boxes, vertices). A
query returns a ``QueryResult``: an xarray Dataset with CF attributes, and a JSON-able record
of what was used (time steps, levels, cells and weights). One module per family: ``points``
(point, time series, profile), ``area``, ``path`` (transect, Hovmöller), ``shapes`` (the OGC
EDR query semantics over these).
"""

from catalog.query.area import area
from catalog.query.common import shared_levels
from catalog.query.path import hovmoller, sample_path, transect
from catalog.query.points import point, profile, timeseries
from catalog.query.result import DEFAULT_MAX_VALUES, GEOD, Interp, QueryKind, QueryResult

__all__ = [
    "DEFAULT_MAX_VALUES",
    "GEOD",
    "Interp",
    "QueryKind",
    "QueryResult",
    "area",
    "hovmoller",
    "point",
    "profile",
    "sample_path",
    "shared_levels",
    "timeseries",
    "transect",
]
