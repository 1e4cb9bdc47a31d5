"""ASGI middleware: what every request goes through before and after its route.

``EdgeMiddleware``, outermost, is one pure ASGI layer for what each request needs at the edge:
the trusted scheme, host and client (``api.proxy``), a request id (accepted from X-Request-ID,
echoed), the last-resort 500, and the metrics and access-log line. One layer with one send
wrapper, where there were three: the service's cheapest answers (``/health``) cost little more
than a bare FastAPI app's (``bench/metadata.py``). ``ClientLimitMiddleware`` stays a layer of
its own inside CORS, so a 429 carries the CORS headers a web page needs to read it.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import REQUEST_ID, Metrics
from api.problems import problem_response, unexpected_error_response
from api.proxy import Forwarding
from catalog.errors import TooManyRequests

_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_REQUEST_ID = b"x-request-id"


class EdgeMiddleware:
    """Resolves the trusted scheme, host and client; gives each request an id; answers what
    no handler took with a 500; counts, times and logs every answer.

    The id is the client's X-Request-ID when sane, else a new one (32 hex digits, as a UUID4's);
    it is kept in ``request.state.request_id`` and the ``REQUEST_ID`` context variable (for
    logs and problem documents) and echoed in the response's X-Request-ID header. An exception
    no handler took becomes a 500 problem, logged once with the request id.
    """

    def __init__(self, app: ASGIApp, forwarding: Forwarding, metrics: Metrics) -> None:
        self.app = app
        self.forwarding = forwarding
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        begin = time.perf_counter()
        self.forwarding.resolve(scope)
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        echoed = (_REQUEST_ID, request_id.encode())
        metrics = self.metrics
        metrics.in_progress += 1
        status = 500  # an exception that escapes becomes the 500 problem below
        started = False

        async def send_at_edge(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                headers = message.get("headers", ())
                if not any(name == _REQUEST_ID for name, _ in headers):
                    message["headers"] = [*headers, echoed]  # a new list: never the response's
            await send(message)

        try:
            await self.app(scope, receive, send_at_edge)
        except Exception as exc:
            if started:  # too late to answer with a problem; let the server close the stream
                raise
            await unexpected_error_response(Request(scope), exc)(scope, receive, send_at_edge)
        finally:
            metrics.in_progress -= 1
            metrics.record(scope, status, time.perf_counter() - begin)
            REQUEST_ID.reset(token)


def _request_id(scope: Scope) -> str:
    """The client's X-Request-ID when it is safe to log and echo, else a new random id."""
    for name, value in scope["headers"]:
        if name == _REQUEST_ID:
            text: str = value.decode("latin-1")
            if _VALID_REQUEST_ID.fullmatch(text):
                return text
            break
    return os.urandom(16).hex()


UNLIMITED_PATHS = frozenset({"/health", "/ready", "/metrics"})
"""Probes and scrapes are never refused: an orchestrator must see a busy service as alive."""


class ClientLimitMiddleware:
    """At most ``limit`` requests in flight per client address; beyond, 429 with Retry-After.

    As ERDDAP does per IP. The client is the peer address, or X-Forwarded-For's when the peer
    is a trusted proxy (``EdgeMiddleware`` has put it in the scope). A request counts until its
    answer has been sent. One event loop serves every request, so a plain counter needs no lock.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_flight: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit == 0:
            await self.app(scope, receive, send)
            return
        path = scope["path"].removeprefix(scope.get("root_path", ""))
        if path in UNLIMITED_PATHS:
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
