"""Errors of the data: each carries its HTTP status and a message fit for a user.

``OceanAPIError`` is the base of every error the service reports; the data layer's own are
here (bad parameters, unknown or unavailable datasets, selections too large, no data), the
plot and data pools' in ``plotting.errors``, the web layer's in ``api.errors``: each raised
where it belongs. ``api/problems.py`` turns any of them into an RFC 9457 problem document.
Every subclass is a problem type, listed at ``/problems``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
        if detail is None and len(params) == 1:  # one parameter: the detail says what is wrong
            name, reason, _ = params[0]
            detail = f"Invalid parameter '{name}': {reason}."
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
        return cls([(name, reason, location)])


@contextmanager
def parameter(name: str, location: str = "query") -> Iterator[None]:
    """A parser's ValueError (``schemas.params``) as the 400 naming the parameter ``name``."""
    try:
        yield
    except ValueError as exc:
        raise InvalidParameters.single(name, str(exc), location) from None


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


class ObservationNotFound(OceanAPIError):
    """The profile or platform is not in the observation collection."""

    slug = "observation-not-found"
    status = 404
    title = "Observation not found"
    description = (
        "The profile or platform id is not in this observation collection. "
        "GET /api/v1/datasets/{dataset_id}/observations and …/platforms list them."
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
