"""Every error as an RFC 9457 application/problem+json response.

The errors are raised where they belong: the data's in ``catalog.errors``, the worker pools'
in ``plotting.errors``, the web layer's in ``api.errors``. All are ``OceanAPIError``s, each
with its status, title and description; this module turns any of them into a problem
document, and ``PROBLEM_TYPES`` is the one table of them (``/problems`` lists it).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import errors as web_errors
from api.errors import MethodNotAllowed
from api.routing import route_params
from catalog import errors as data_errors
from catalog.errors import InvalidParameters, NotFound, OceanAPIError
from plotting import errors as pool_errors
from schemas import patterns
from schemas.problems import Problem

log = logging.getLogger("oceanapi.errors")

PROBLEM_TYPES: dict[str, type[OceanAPIError]] = {
    error.slug: error
    for module in (data_errors, pool_errors, web_errors)
    for error in vars(module).values()
    if isinstance(error, type) and issubclass(error, OceanAPIError)
}
"""slug -> error class: every problem type, the data's, then the pools', then the web's."""

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_PREFIX = "/problems/"
REQUEST_ID_HEADER = "X-Request-ID"


def problem_type_uri(error: type[OceanAPIError]) -> str:
    """The `type` URI of a problem type."""
    return PROBLEM_PREFIX + error.slug


def problem_response(
    request: Request, error: OceanAPIError, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The problem document for a domain error."""
    extra = {k: v for k, v in error.extra.items() if k != "retry_after"}
    headers = dict(headers or {})
    if "retry_after" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after"])
    return _problem(
        request,
        type_uri=problem_type_uri(type(error)),
        title=error.title,
        status=error.status,
        detail=error.detail,
        extra=extra,
        headers=headers,
    )


def _problem(
    request: Request,
    *,
    type_uri: str,
    title: str,
    status: int,
    detail: str,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    request_id = getattr(request.state, "request_id", None)
    body = Problem(
        type=type_uri,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id,
        **(extra or {}),
    )
    headers = dict(headers or {})
    if request_id:
        headers[REQUEST_ID_HEADER] = request_id
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _reason(error: dict[str, Any]) -> str:
    """A sentence for one pydantic error, saying what would be valid."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in {"int_parsing", "int_from_float"}:
        return "must be an integer"
    if kind == "float_parsing":
        return "must be a number"
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        bound = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<="}
        op = bound.get(kind, "<")
        limit = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt"))))
        return f"must be {op} {limit}"
    if kind.startswith(("datetime", "date_")):
        return "must be an ISO 8601 date or date-time, e.g. 2015-01-01T00:00:00Z"
    if kind == "value_error":
        return str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}"
    if kind == "string_pattern_mismatch":
        form = patterns.FORMS.get(ctx.get("pattern", ""))
        return f"must be {form}" if form else f"must match {ctx.get('pattern')}"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long"
    if kind == "too_long":
        return f"at most {ctx.get('max_length')} values"
    return str(error.get("msg", "is invalid"))


def _bounds(request: Request, name: str) -> str:
    """The declared numeric bounds of a parameter, e.g. '>= 1 and <= 10000', or ''."""
    for field, _ in route_params(request.scope.get("route")):
        if field.alias != name:
            continue
        found = [
            f"{symbol} {getattr(item, attr)}"
            for item in field.field_info.metadata
            for attr, symbol in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
            if getattr(item, attr, None) is not None
        ]
        return " and ".join(found)
    return ""


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    params: list[tuple[str, str, str]] = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ())]
        location = loc[0] if loc else "query"
        name = loc[1] if len(loc) > 1 else location
        reason = _reason(error)
        bounds = _bounds(request, name)
        if bounds and not reason.startswith("must be >") and not reason.startswith("must be <"):
            reason = f"{reason}, {bounds}"
        params.append((name, reason, location))
    return problem_response(request, InvalidParameters(params))


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OceanAPIError)
    return problem_response(request, exc)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        error: OceanAPIError = NotFound(f"Nothing at '{request.url.path}'.")
    elif exc.status_code == 405:
        error = MethodNotAllowed(
            f"'{request.url.path}' does not answer {request.method}; "
            f"allowed: {headers.get('allow', headers.get('Allow', 'see the API description'))}."
        )
    else:  # statuses the framework raises that have no problem type of their own
        return _problem(
            request,
            type_uri="about:blank",
            title=HTTPStatus(exc.status_code).phrase,
            status=exc.status_code,
            detail=str(exc.detail),
            headers=headers,
        )
    return problem_response(request, error, headers)


def unexpected_error_response(request: Request, exc: BaseException) -> JSONResponse:
    """Log an unexpected error with its request id; answer a 500 that reveals nothing."""
    log.error(
        "unhandled error on %s %s (request id %s)",
        request.method,
        request.url.path,
        getattr(request.state, "request_id", "-"),
        exc_info=exc,
    )
    return problem_response(
        request,
        OceanAPIError("The service failed unexpectedly. Quote the request id when reporting it."),
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Route every expected error, the framework's included, to a problem document.

    Unexpected exceptions are caught by EdgeMiddleware, which knows the request id.
    """
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(OceanAPIError, _domain_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
