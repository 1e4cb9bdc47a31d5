"""Errors only the web layer raises: the HTTP exchange itself (method, Accept, the request
head, connections) and the per-client limit."""

from __future__ import annotations

from catalog.errors import OceanAPIError


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


class TooManyRequests(OceanAPIError):
    """The client already has as many requests in flight as one client may."""

    slug = "too-many-requests"
    status = 429
    title = "Too many requests"
    description = (
        "This client (IP address) already has the most requests in flight that one client may "
        "have. Wait for an answer before sending more, or after Retry-After seconds."
    )
