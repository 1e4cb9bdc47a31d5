"""Version 1 of the native API, under /api/v1 (``api.routing.API_V1``)."""

from collections.abc import Mapping

from api.routing import PrefixedRouter
from api.v1 import (
    colormaps,
    data,
    datasets,
    matchups,
    observations,
    plot_types,
    plots,
    tiles,
    variables,
)
from plotting.types import PlotType


def build_routers(registry: Mapping[str, PlotType]) -> list[PrefixedRouter]:
    """The /api/v1 routers, each for the app to include itself (``PrefixedRouter`` says why);
    the plot routes come from the plot type registry."""
    modules = (datasets, variables, data, plot_types, colormaps, tiles, observations, matchups)
    return [*(module.router for module in modules), plots.build_router(registry)]
