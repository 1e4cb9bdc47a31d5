"""OpenAPI descriptions of the error responses an operation can give."""

from __future__ import annotations

from typing import Any

from api.errors import NotAcceptable, RequestHeadTooLarge, TooManyRequests
from api.problems import problem_type_uri
from catalog.errors import (
    DatasetNotFound,
    DatasetUnavailable,
    InvalidParameters,
    NoData,
    NotFound,
    ObservationNotFound,
    OceanAPIError,
    SelectionTooLarge,
    StorageFailed,
    VariableNotFound,
)
from plotting.errors import (
    DataBusy,
    DataFailed,
    DataTimeout,
    NotReady,
    PlotBusy,
    PlotFailed,
    PlotTimeout,
    PlotTypeNotFound,
    TileNotFound,
)
from schemas.problems import Problem

_EXAMPLES: dict[type[OceanAPIError], tuple[str, dict[str, Any]]] = {
    RequestHeadTooLarge: (
        "Request line and headers past the server's cap",
        {
            "detail": "The request line and headers are longer than 65536 bytes (64 KiB), the "
            "most this service reads.",
            "instance": "/edr/collections/ersst-v5/area",
            "limit": 65536,
        },
    ),
    InvalidParameters: (
        "Unknown or invalid query parameter",
        {
            "detail": "Invalid parameter 'limt': unknown parameter; this operation accepts: "
            "end, limit, offset, start.",
            "instance": "/api/v1/datasets/ersst-v5/times",
            "invalid_params": [
                {
                    "name": "limt",
                    "reason": "unknown parameter; this operation accepts: end, limit, offset, "
                    "start",
                    "location": "query",
                }
            ],
        },
    ),
    DatasetNotFound: (
        "Unknown dataset id",
        {
            "detail": "No dataset 'ersst'. Valid values: ersst-v5, giops, glorys, wcofs.",
            "instance": "/api/v1/datasets/ersst",
            "valid_values": ["ersst-v5", "giops", "glorys", "wcofs"],
        },
    ),
    VariableNotFound: (
        "Unknown variable id",
        {
            "detail": "Dataset 'ersst-v5' has no variable 'temp'. Valid values: sst.",
            "instance": "/api/v1/datasets/ersst-v5/variables/temp",
            "valid_values": ["sst"],
        },
    ),
    ObservationNotFound: (
        "Unknown profile or platform id",
        {
            "detail": "Collection 'argo-5900865' has no profile '5900865_999'. Its ids look "
            "like 5900865_001, 5900865_002, 5900865_003, 5900865_004, 5900865_005 (GET "
            "…/observations lists them).",
            "instance": "/api/v1/datasets/argo-5900865/observations/5900865_999",
            "valid_values": [
                "5900865_001",
                "5900865_002",
                "5900865_003",
                "5900865_004",
                "5900865_005",
            ],
        },
    ),
    DatasetUnavailable: (
        "Dataset source cannot be read",
        {
            "detail": "Dataset 'ersst-v5' is unavailable: source file 'sst.mnmean.nc' is missing.",
            "instance": "/api/v1/datasets/ersst-v5",
        },
    ),
    NoData: (
        "Nothing in the box",
        {
            "detail": "No cell centre of 'glorys' lies in the box; the data cover "
            "[-17.625, 46.375, 7.70834, 70.375].",
            "instance": "/api/v1/datasets/glorys/data/area",
        },
    ),
    SelectionTooLarge: (
        "Too many values",
        {
            "detail": "This request would read about 2,050,560 values; the limit is 2,000,000. "
            "Ask for a smaller box, or thin it with stride or max_cells.",
            "instance": "/api/v1/datasets/ersst-v5/data/area",
            "estimate": 2050560,
            "limit": 2000000,
        },
    ),
    NotAcceptable: (
        "Accept rules out every format on offer",
        {
            "detail": "The Accept header allows none of the media types this endpoint answers: "
            "application/json, text/csv, application/x-netcdf, application/prs.coverage+json. "
            "Accept one of them, or choose the format with `f`.",
            "instance": "/api/v1/datasets/ersst-v5/data/point",
            "valid_values": [
                "application/json",
                "text/csv",
                "application/x-netcdf",
                "application/prs.coverage+json",
            ],
        },
    ),
    NotFound: (
        "Unknown problem type",
        {
            "detail": "No problem type 'oops'. GET /problems lists them.",
            "instance": "/problems/oops",
        },
    ),
    TileNotFound: (
        "A tile the tile matrix set does not have",
        {
            "detail": "At zoom 1, WebMercatorQuad has columns 0 to 1 and rows 0 to 1; there is "
            "no tile 1/5/0.",
            "instance": "/api/v1/datasets/ersst-v5/tiles/WebMercatorQuad/1/5/0.png",
        },
    ),
    PlotTypeNotFound: (
        "Unknown plot type, or one that does not apply to the dataset",
        {
            "detail": "Plot type 'transect' needs a variable with depth levels; dataset "
            "'ersst-v5' has none.",
            "instance": "/api/v1/datasets/ersst-v5/plots/transect",
        },
    ),
    PlotBusy: (
        "Every plot worker busy and the queue full",
        {
            "detail": "16 plots are being drawn or waiting; try again shortly.",
            "instance": "/api/v1/datasets/ersst-v5/plots/map",
        },
    ),
    PlotTimeout: (
        "Render stopped at the time limit",
        {
            "detail": "The map plot took longer than 30 s and was stopped. Ask for a smaller "
            "box, fewer samples or a smaller image.",
            "instance": "/api/v1/datasets/ersst-v5/plots/map",
        },
    ),
    PlotFailed: (
        "The worker process died",
        {
            "detail": "The worker drawing this plot died; it has been replaced. Try again.",
            "instance": "/api/v1/datasets/ersst-v5/plots/map",
        },
    ),
    DataBusy: (
        "Every data worker busy and the data queue full",
        {
            "detail": "8 large data queries are running or waiting; try again shortly, or ask "
            "for less data.",
            "instance": "/api/v1/datasets/giops/data/area",
        },
    ),
    DataTimeout: (
        "Large query stopped at the time limit",
        {
            "detail": "The area query took longer than 120 s and was stopped. Ask for a smaller "
            "box or fewer variables, or thin it with stride or max_cells.",
            "instance": "/api/v1/datasets/giops/data/area",
        },
    ),
    DataFailed: (
        "The data worker process died",
        {
            "detail": "The worker answering this query died; it has been replaced. Try again.",
            "instance": "/api/v1/datasets/giops/data/area",
        },
    ),
    StorageFailed: (
        "The answer could not be stored on its way",
        {
            "detail": "The answer could not be stored on its way to you (No space left on device).",
            "instance": "/api/v1/datasets/giops/data/area",
        },
    ),
    TooManyRequests: (
        "This client's requests in flight at the limit",
        {
            "detail": "This client already has 8 requests in flight, the most one client may "
            "have; send the next one when an answer arrives.",
            "instance": "/api/v1/datasets/ersst-v5/plots/map",
            "limit": 8,
        },
    ),
    NotReady: (
        "Service starting",
        {"detail": "The catalog is not loaded yet.", "instance": "/ready"},
    ),
}

DATA_ERRORS: tuple[type[OceanAPIError], ...] = (
    DatasetNotFound,
    VariableNotFound,
    SelectionTooLarge,
    DataFailed,
    DatasetUnavailable,
    DataBusy,
    StorageFailed,
    DataTimeout,
)
"""What any data query (/api/v1 data, /edr) may answer besides 400 and 429."""

_DESCRIPTIONS = {
    400: "Invalid, unknown or repeated parameter (problem+json naming each one).",
    404: "Not found (problem+json; lists the valid ids when there are few).",
    406: "The Accept header rules out every format this operation answers in (problem+json "
    "naming them); `f` chooses one whatever Accept says.",
    413: "Selection too large (problem+json with the estimate, the limit and how to ask for less).",
    431: "The request line and headers are longer than the server reads (64 KiB by default), or "
    "have more fields (100): problem+json naming the limit; the connection is closed.",
    429: "This client has the most requests in flight one client may have (problem+json, with "
    "Retry-After).",
    500: "A worker process died (problem+json); only this request failed.",
    503: "Unavailable (problem+json, with Retry-After).",
    504: "The work took too long and was stopped (problem+json); its worker was replaced.",
}


def problem_responses(
    *errors: type[OceanAPIError], limited: bool = True
) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry for an operation: 400 and 431 (the server's cap on a request's
    head, which any URL can pass) always, 429 unless the operation is exempt from the
    per-client limit (probes), plus each given error."""
    by_status: dict[int, list[type[OceanAPIError]]] = {}
    always: tuple[type[OceanAPIError], ...] = (InvalidParameters, RequestHeadTooLarge)
    if limited:
        always = (*always, TooManyRequests)
    kinds_given: tuple[type[OceanAPIError], ...] = (*always, *errors)
    for error in kinds_given:
        by_status.setdefault(error.status, []).append(error)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, kinds in sorted(by_status.items()):
        examples = {
            kind.slug: {
                "summary": _EXAMPLES[kind][0],
                "value": {
                    "type": problem_type_uri(kind),
                    "title": kind.title,
                    "status": kind.status,
                    **_EXAMPLES[kind][1],
                },
            }
            for kind in kinds
        }
        responses[status] = {
            "model": Problem,
            "description": _DESCRIPTIONS.get(status, kinds[0].title),
            "content": {"application/json": {"examples": examples}},
        }
    return responses
