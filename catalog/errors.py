"""Domain errors: each carries its HTTP status and a message fit for a user.

Code outside ``api/`` raises these; ``api/problems.py`` turns them into RFC 9457
problem documents. Every subclass is a problem type, listed at ``/problems``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class OceanAPIError(Exception):
    """Base of every error the service reports to a client."""

    slug: ClassVar[str] = "internal-error"
    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    description: ClassVar[str] = (
        "The service failed in a way it did not expect. The log has the details under the "
        "request id; please report it."
    )
    registry: ClassVar[dict[str, type[OceanAPIError]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        OceanAPIError.registry[cls.slug] = cls

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by fields, so an error raised in a worker process reaches the API intact."""
        return (_rebuild, (type(self), self.detail, self.extra))


def _rebuild(cls: type[OceanAPIError], detail: str, extra: dict[str, Any]) -> OceanAPIError:
    error = cls.__new__(cls)
    OceanAPIError.__init__(error, detail, **extra)
    return error


OceanAPIError.registry[OceanAPIError.slug] = OceanAPIError


class InvalidParameters(OceanAPIError):
    """One or more request parameters are invalid or unknown."""

    slug = "invalid-parameters"
    status = 400
    title = "Invalid request parameters"
    description = (
        "One or more parameters are invalid, unknown or repeated. `invalid_params` names each "
        "one and says what would be valid."
    )

    def __init__(self, params: list[tuple[str, str, str]], detail: str | None = None) -> None:
        """Build from (name, reason, location) triples."""
        names = ", ".join(dict.fromkeys(name for name, _, _ in params))
        super().__init__(
            detail or f"Invalid parameter(s): {names}.",
            invalid_params=[
                {"name": name, "reason": reason, "location": location}
                for name, reason, location in params
            ],
        )

    @classmethod
    def single(cls, name: str, reason: str, location: str = "query") -> InvalidParameters:
        """One invalid parameter."""
        return cls([(name, reason, location)], detail=f"Invalid parameter '{name}': {reason}.")


class NotFound(OceanAPIError):
    """No resource at this path."""

    slug = "not-found"
    status = 404
    title = "Not found"
    description = "There is no resource at this path. The API description is at /openapi.json."


class DatasetNotFound(OceanAPIError):
    """The dataset id is not in the catalog."""

    slug = "dataset-not-found"
    status = 404
    title = "Dataset not found"
    description = "The dataset id is not in the catalog. GET /api/v1/datasets lists the ids."


class VariableNotFound(OceanAPIError):
    """The variable is not in the dataset."""

    slug = "variable-not-found"
    status = 404
    title = "Variable not found"
    description = (
        "The variable is not served by this dataset. "
        "GET /api/v1/datasets/{dataset_id}/variables lists them."
    )


class MethodNotAllowed(OceanAPIError):
    """The path exists but not for this HTTP method."""

    slug = "method-not-allowed"
    status = 405
    title = "Method not allowed"
    description = "The path exists but does not answer this HTTP method; see the Allow header."


class NotAcceptable(OceanAPIError):
    """The Accept header rules out every media type the endpoint answers in."""

    slug = "not-acceptable"
    status = 406
    title = "Not acceptable"
    description = (
        "The request's Accept header gives every media type this endpoint answers in q=0, or "
        "lists none of them. `valid_values` names those it answers; accept one of them, or "
        "choose the format with the `f` query parameter, which wins over Accept."
    )


class DatasetUnavailable(OceanAPIError):
    """The dataset is in the catalog but its data cannot be read now."""

    slug = "dataset-unavailable"
    status = 503
    title = "Dataset unavailable"
    description = (
        "The dataset is in the catalog but its source cannot be read at the moment (missing "
        "or unreadable file). Other datasets are not affected; try again later."
    )


class SelectionTooLarge(OceanAPIError):
    """The request would read more values than the service allows."""

    slug = "selection-too-large"
    status = 413
    title = "Selection too large"
    description = (
        "The request would read more values than the configured limit. The problem says the "
        "estimate and the limit; ask for less with a stride, a smaller box, fewer levels or a "
        "shorter time range."
    )


class NoData(OceanAPIError):
    """The selection holds no cell."""

    slug = "no-data"
    status = 404
    title = "No data"
    description = "The selection is valid but holds no grid cell (for example a box between cells)."


class MalformedRequest(OceanAPIError):
    """The HTTP server could not read the request at all."""

    slug = "malformed-request"
    status = 400
    title = "Malformed HTTP request"
    description = (
        "The request could not be read as HTTP/1.1: its request line and headers must be "
        "well formed, and its target (path and query) under 64 KiB. A query string that long is "
        "refused before any parameter is read: send fewer or shorter values (a geometry with "
        "fewer vertices)."
    )


class RequestHeadTooLarge(OceanAPIError):
    """The request line and headers are longer, or the headers more, than the server reads."""

    slug = "request-head-too-large"
    status = 431
    title = "Request head too large"
    description = (
        "The request line and headers together are longer than the service reads (64 KiB by "
        "default), or there are more header fields than it reads (100 by default); the problem "
        "names the limit, and the connection is closed. Send shorter query values (a geometry "
        "with fewer vertices) or fewer and shorter headers (cookies)."
    )


class RequestHeadTimeout(OceanAPIError):
    """The request line and headers did not all arrive in the time allowed."""

    slug = "request-head-timeout"
    status = 408
    title = "Request head timeout"
    description = (
        "The request line and headers did not all arrive within the time the service allows "
        "from their first byte (10 s by default); the connection is closed. Send the whole "
        "request head at once."
    )


class TooManyConnections(OceanAPIError):
    """The server has as many connections open as it accepts."""

    slug = "too-many-connections"
    status = 503
    title = "Too many connections"
    description = (
        "The service has as many connections open as it accepts, so this one was answered "
        "without reading the request and closed. Try again after the number of seconds in the "
        "Retry-After header; idle connections are closed within seconds."
    )


class NotReady(OceanAPIError):
    """The service is still starting."""

    slug = "not-ready"
    status = 503
    title = "Not ready"
    description = "The service is starting or shutting down and cannot serve requests yet."


class TooManyRequests(OceanAPIError):
    """The client already has as many requests in flight as one client may."""

    slug = "too-many-requests"
    status = 429
    title = "Too many requests"
    description = (
        "This client (IP address) already has the most requests in flight that one client may "
        "have. Wait for an answer before sending more, or after Retry-After seconds."
    )


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


class StorageFailed(OceanAPIError):
    """The answer could not be written to the service's spool folder (a full or missing disk)."""

    slug = "storage-failed"
    status = 503
    title = "Answer storage unavailable"
    description = (
        "The service could not store the answer on its way to you (its spool folder is full or "
        "missing). The data are fine; try again after the number of seconds in the Retry-After "
        "header, or ask for less data."
    )

    @classmethod
    def writing(cls, exc: OSError) -> StorageFailed:
        """The error for a failed write of the answer."""
        return cls(
            f"The answer could not be stored on its way to you ({exc.strerror}).", retry_after=30
        )


class CatalogError(Exception):
    """The catalog file is missing or invalid; the service cannot start."""


def valid_values_hint(values: list[str], limit: int = 20) -> dict[str, Any]:
    """Extra problem fields listing valid names, when there are few enough to list."""
    return {"valid_values": sorted(values)} if len(values) <= limit else {}


def valid_values_sentence(values: list[str], limit: int = 20) -> str:
    """'Valid ids: a, b, c.' when there are few, else a pointer to the listing."""
    if not values:
        return "There are none."
    if len(values) <= limit:
        return f"Valid values: {', '.join(sorted(values))}."
    return f"There are {len(values)} valid values; list them with the collection endpoint."
