"""The plot types: one module each, one registry line each.

The router, the OpenAPI document, GET /api/v1/plot-types and the parametrised tests are all
built from ``PLOT_TYPES``. What a plot type is lives in ``plotting.plot_type``, which the
modules import, so this package imports them and none imports it back.
"""

from __future__ import annotations

from plotting.plot_type import Location, PlotType
from plotting.types import (
    colorbar,
    hovmoller,
    map,
    matchup,
    obsprofile,
    obssection,
    profile,
    soundspeed,
    stick,
    timeseries,
    track,
    transect,
    ts,
)

__all__ = ["PLOT_TYPES", "Location", "PlotType"]

PLOT_TYPES: dict[str, PlotType] = {
    "map": map.PLOT_TYPE,
    "transect": transect.PLOT_TYPE,
    "profile": profile.PLOT_TYPE,
    "timeseries": timeseries.PLOT_TYPE,
    "hovmoller": hovmoller.PLOT_TYPE,
    "ts": ts.PLOT_TYPE,
    "soundspeed": soundspeed.PLOT_TYPE,
    "stick": stick.PLOT_TYPE,
    "colorbar": colorbar.PLOT_TYPE,
    "matchup": matchup.PLOT_TYPE,
    "track": track.PLOT_TYPE,
    "obsprofile": obsprofile.PLOT_TYPE,
    "obssection": obssection.PLOT_TYPE,
}
