"""Version 1 of the native API, under /api/v1."""

from collections.abc import Mapping

from api.routing import PrefixedRouter
from api.v1 import colormaps, data, datasets, plot_types, plots, variables
from plotting.types import PlotType


def build_router(registry: Mapping[str, PlotType]) -> PrefixedRouter:
    """The /api/v1 routes; the plot routes come from the plot type registry."""
    router = PrefixedRouter(prefix="/api/v1")
    for module in (datasets, variables, data, plot_types, colormaps):
        router.include_router(module.router)
    router.include_router(plots.build_router(registry))
    return router
