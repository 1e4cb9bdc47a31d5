"""WMS errors as the OGC ``ServiceExceptionReport`` XML that WMS clients read.

The facade raises ``WmsError`` for what it parses itself; the catalog's and the pools' errors
(``OceanAPIError``) are translated here (``from_domain``), so a WMS client gets an exception
report with a standard code wherever the problem was found. The tiles and the native API keep
problem+json.
"""

from __future__ import annotations

from typing import Any, Literal
from xml.sax.saxutils import escape, quoteattr

from fastapi.responses import Response

from catalog.errors import (
    DatasetNotFound,
    InvalidParameters,
    OceanAPIError,
    VariableNotFound,
)

Version = Literal["1.3.0", "1.1.1"]
V130: Literal["1.3.0"] = "1.3.0"
V111: Literal["1.1.1"] = "1.1.1"

MEDIA_TYPES = {V130: "text/xml", V111: "application/vnd.ogc.se_xml"}
"""The exception report's media type per version (1.3.0's format is called XML; OWSLib takes
both)."""

_DOCTYPE_111 = (
    '<!DOCTYPE ServiceExceptionReport SYSTEM "http://schemas.opengis.net/wms/1.1.1/'
    'exception_1_1_1.dtd">'
)
_ROOT_130 = (
    '<ServiceExceptionReport version="1.3.0" xmlns="http://www.opengis.net/ogc" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.opengis.net/ogc '
    'http://schemas.opengis.net/wms/1.3.0/exceptions_1_3_0.xsd">'
)

# The query parameters of the engine (catalog/) and their WMS names, for translated errors.
_WMS_NAMES = {
    "time": "TIME",
    "depth": "ELEVATION",
    "lon": "BBOX",
    "lat": "BBOX",
    "scale": "COLORSCALERANGE",
}
_DIMENSIONS = {"TIME", "ELEVATION"}


class WmsError(Exception):
    """A WMS exception: its code, the parameter it is about (the locator) and a message that
    names the parameter and says what would be valid."""

    def __init__(
        self,
        code: str,
        message: str,
        locator: str | None = None,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.locator = locator
        self.status = status
        self.headers = headers or {}

    def report(self, version: str) -> str:
        """The ServiceExceptionReport document in ``version``'s form."""
        locator = "" if self.locator is None else f" locator={quoteattr(self.locator)}"
        code = f" code={quoteattr(self.code)}" if self.code else ""
        exception = f"<ServiceException{code}{locator}>{escape(self.message)}</ServiceException>"
        if version == V111:
            return (
                f'<?xml version="1.0" encoding="UTF-8"?>\n{_DOCTYPE_111}\n'
                f'<ServiceExceptionReport version="1.1.1">{exception}</ServiceExceptionReport>\n'
            )
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n{_ROOT_130}{exception}'
            "</ServiceExceptionReport>\n"
        )

    def response(self, version: str) -> Response:
        """The report as an HTTP response: 400 for bad input, the status of the failure else
        (503 and 504 keep their Retry-After)."""
        return Response(
            self.report(version),
            status_code=self.status,
            media_type=MEDIA_TYPES.get(version, MEDIA_TYPES[V130]),
            headers=self.headers,
        )


def missing(name: str, what: str) -> WmsError:
    """MissingParameterValue for ``name``."""
    return WmsError("MissingParameterValue", f"Parameter {name} is required: {what}.", name)


def invalid(name: str, reason: str, code: str = "InvalidParameterValue") -> WmsError:
    """A bad value of ``name`` (InvalidParameterValue unless another code fits better)."""
    return WmsError(code, f"Invalid {name}: {reason}.", name)


def from_domain(error: OceanAPIError, layer_param: str = "LAYERS") -> WmsError:
    """The WMS exception for an error raised below the facade (the engine, the pools).

    ``layer_param``: the parameter naming the layer in this request (LAYERS, QUERY_LAYERS,
    LAYER).
    """
    headers = {}
    if "retry_after" in error.extra:
        headers["Retry-After"] = str(error.extra["retry_after"])
    if isinstance(error, DatasetNotFound | VariableNotFound):
        return WmsError("LayerNotDefined", f"{layer_param}: {error.detail}", layer_param)
    if isinstance(error, InvalidParameters):
        params: list[dict[str, Any]] = error.extra.get("invalid_params", [])
        first = params[0] if params else {"name": "", "reason": error.detail}
        name = str(first["name"])
        name = layer_param if name == "variable" else _WMS_NAMES.get(name, name.upper())
        code = "InvalidDimensionValue" if name in _DIMENSIONS else "InvalidParameterValue"
        return WmsError(code, f"Invalid {name}: {first['reason']}.", name or None)
    if error.status < 500:
        return WmsError("InvalidParameterValue", error.detail, None, status=error.status)
    # 503/504 (busy, timed out, a dataset unavailable) and 500s keep their status; WMS has no
    # code for them, so the report has none (the schema makes it optional).
    return WmsError("", error.detail, None, status=error.status, headers=headers)
