"""Errors of the plot and data worker pools (busy, timed out, failed, not started) and of the
plot type registry."""

from __future__ import annotations

from catalog.errors import NotFound, OceanAPIError


class NotReady(OceanAPIError):
    """The service is still starting."""

    slug = "not-ready"
    status = 503
    title = "Not ready"
    description = "The service is starting or shutting down and cannot serve requests yet."


class PlotTypeNotFound(OceanAPIError):
    """No plot type of that name, or none that applies to the dataset."""

    slug = "plot-type-not-found"
    status = 404
    title = "Plot type not found"
    description = (
        "There is no plot type of that name, or it does not apply to this dataset (a transect "
        "needs depth levels, a Hovmöller diagram a time axis). GET /api/v1/plot-types lists them."
    )


class PlotBusy(OceanAPIError):
    """Every plot worker is busy and the queue is full."""

    slug = "plot-busy"
    status = 503
    title = "Plot service busy"
    description = (
        "Every plot worker is busy and the render queue is full. Try again after the number of "
        "seconds in the Retry-After header; other endpoints are not affected."
    )


class PlotTimeout(OceanAPIError):
    """A render took longer than the configured limit and was stopped."""

    slug = "plot-timeout"
    status = 504
    title = "Plot timed out"
    description = (
        "The render took longer than the per-plot time limit; its worker was stopped and "
        "replaced. Ask for a smaller box, fewer samples or a smaller image."
    )


class PlotFailed(OceanAPIError):
    """The worker process rendering the plot died."""

    slug = "plot-failed"
    status = 500
    title = "Plot failed"
    description = (
        "The worker process rendering this plot died (for instance out of memory). Only this "
        "request failed; the worker has been replaced and the request may be tried again."
    )


class DataBusy(OceanAPIError):
    """Every data worker is busy and the data queue is full."""

    slug = "data-busy"
    status = 503
    title = "Data service busy"
    description = (
        "Every data worker is busy with large queries and the data queue is full. Try again "
        "after the number of seconds in the Retry-After header, or ask for less data (small "
        "queries are answered at once and are not affected, nor are plots)."
    )


class DataTimeout(OceanAPIError):
    """A large data query took longer than the configured limit and was stopped."""

    slug = "data-timeout"
    status = 504
    title = "Data query timed out"
    description = (
        "The query took longer than the per-query time limit; its worker was stopped and "
        "replaced. Ask for a smaller box, fewer time steps or levels, or thin the selection."
    )


class DataFailed(OceanAPIError):
    """The worker process answering a large data query died."""

    slug = "data-failed"
    status = 500
    title = "Data query failed"
    description = (
        "The worker process answering this query died (for instance out of memory). Only this "
        "request failed; the worker has been replaced and the request may be tried again."
    )


class TileNotFound(NotFound):
    """No such tile: zoom, column or row out of the tile matrix set's range."""

    slug = "tile-not-found"
    title = "Tile not found"
    description = (
        "The tile matrix set has no tile at that zoom, column and row: zoom runs from 0 to the "
        "set's deepest level, column and row from 0 to the matrix width and height minus one."
    )
