"""ASGI middleware: request ids (accepted from X-Request-ID, echoed), the last-resort 500, and
the per-client limit on requests in flight."""

from __future__ import annotations

import re
import uuid
from collections import Counter

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import REQUEST_ID
from api.problems import REQUEST_ID_HEADER, problem_response, unexpected_error_response
from catalog.errors import TooManyRequests

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestIdMiddleware:
    """Gives each request an id: the client's X-Request-ID when sane, else a new UUID.

    The id is kept in ``request.state.request_id`` (for logs and problem documents) and
    echoed in the response's X-Request-ID header. An exception no handler took becomes a 500
    problem, logged once with the request id. Pure ASGI, so it costs next to nothing.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope["headers"]).get(REQUEST_ID_HEADER.lower().encode(), b"")
        text = sent.decode("latin-1")
        request_id = text if _VALID_REQUEST_ID.match(text) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER not in headers:
                    headers.append(REQUEST_ID_HEADER, request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started:  # too late to answer with a problem; let the server close the stream
                raise
            response = unexpected_error_response(Request(scope), exc)
            await response(scope, receive, send)
        finally:
            REQUEST_ID.reset(token)


UNLIMITED_PATHS = frozenset({"/health", "/ready", "/metrics"})
"""Probes and scrapes are never refused: an orchestrator must see a busy service as alive."""


class ClientLimitMiddleware:
    """At most ``limit`` requests in flight per client address; beyond, 429 with Retry-After.

    As ERDDAP does per IP. The client is the peer address, or X-Forwarded-For's when uvicorn
    trusts the proxy that sent it (--forwarded-allow-ips). A request counts until its answer
    has been sent. One event loop serves every request, so a plain counter needs no lock.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit == 0 or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        if self.in_flight[client] >= self.limit:
            error = TooManyRequests(
                f"This client already has {self.limit} requests in flight, the most one client "
                "may have; send the next one when an answer arrives.",
                retry_after=1,
                limit=self.limit,
            )
            await problem_response(Request(scope), error)(scope, receive, send)
            return
        self.in_flight[client] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight[client] -= 1
            if not self.in_flight[client]:
                del self.in_flight[client]
