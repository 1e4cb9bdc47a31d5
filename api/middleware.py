"""The edge: what every request goes through before and after its route, in one ASGI layer.

``EdgeMiddleware`` resolves the trusted scheme, host and client (``api.proxy``), gives the
request an id (accepted from X-Request-ID, echoed), holds the per-client limit (429), serves
HEAD as GET without the body (``api.head``), answers and decorates CORS (Starlette's
``CORSMiddleware`` policy), turns an exception no handler took into the last-resort 500, and
counts, times and logs the answer (``api.observability``).

One layer with one send wrapper, where there were four (edge, CORS, client limit, HEAD), each
with its own call, scope copy or send wrapper. The per-request cost was the point: the
service's cheapest answers (``/health``) cost little more than a bare FastAPI app's
(``bench/metadata.py``). Each concern keeps its own object (``Forwarding``, ``ClientLimits``,
Starlette's CORS policy, ``Metrics``); this module only orders them. Every answer, a 429 and a
500 included, passes the CORS and request-id decoration, so a web page can read it.
"""

from __future__ import annotations

import functools
import itertools
import os
import re
import time
from collections import Counter

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import TooManyRequests
from api.head import HEAD_KEY
from api.logs import REQUEST_ID
from api.observability import Metrics
from api.problems import REQUEST_ID_HEADER, problem_response, unexpected_error_response
from api.proxy import Forwarding

_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_REQUEST_ID = b"x-request-id"
_ORIGIN = b"origin"
_VARY_ORIGIN = (b"vary", b"Origin")

UNLIMITED_PATHS = frozenset({"/health", "/ready", "/metrics"})
"""Probes and scrapes are never refused: an orchestrator must see a busy service as alive."""


class ClientLimits:
    """At most ``limit`` requests in flight per client address (0: no limit), as ERDDAP does
    per IP. The client is the peer address, or X-Forwarded-For's when the peer is a trusted
    proxy (``Forwarding`` has put it in the scope). One event loop serves every request, so a
    plain counter needs no lock."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight: Counter[str] = Counter()

    def client(self, scope: Scope) -> str | None:
        """The key a request counts under; None when it is not limited (a probe, no limit)."""
        if self.limit == 0:
            return None
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if (path[len(root_path) :] if root_path else path) in UNLIMITED_PATHS:
            return None
        return scope["client"][0] if scope.get("client") else "unknown"

    def enter(self, client: str) -> bool:
        """Count a request of ``client``; False (not counted) when it is at its limit."""
        if self.in_flight[client] >= self.limit:
            return False
        self.in_flight[client] += 1
        return True

    def leave(self, client: str) -> None:
        """A request counted by ``enter`` has been answered."""
        self.in_flight[client] -= 1
        if not self.in_flight[client]:
            del self.in_flight[client]

    def refusal(self) -> TooManyRequests:
        return TooManyRequests(
            f"This client already has {self.limit} requests in flight, the most one client "
            "may have; send the next one when an answer arrives.",
            retry_after=1,
            limit=self.limit,
        )


class RequestIds:
    """Request ids: the client's X-Request-ID when it is safe to log and echo, else a new one.

    A new id is 32 hex digits (as a UUID4's): 16 random per process, then a counter. As unique
    as a random id within and across processes, without a random draw per request.
    """

    def __init__(self) -> None:
        self.prefix = os.urandom(8).hex()
        self.counter = itertools.count()

    def resolve(self, given: bytes | None) -> str:
        if given is not None:
            text = given.decode("latin-1")
            if _VALID_REQUEST_ID.fullmatch(text):
                return text
        return f"{self.prefix}{next(self.counter):016x}"


class EdgeMiddleware:
    """The service's one middleware layer (see the module's text for what it does)."""

    def __init__(
        self,
        app: ASGIApp,
        forwarding: Forwarding,
        metrics: Metrics,
        client_limit: int,
        cors_origins: list[str],
    ) -> None:
        self.app = app
        self.forwarding = forwarding
        self.metrics = metrics
        self.limits = ClientLimits(client_limit)
        self.ids = RequestIds()
        # Starlette's CORS middleware, used as the policy: its preflight answer and its
        # decoration of an answer (``send``). Its own layer is never called.
        self.cors = (
            CORSMiddleware(
                app,
                allow_origins=cors_origins,
                allow_methods=["GET", "HEAD", "OPTIONS"],
                allow_headers=["Accept", "If-None-Match", REQUEST_ID_HEADER],
                expose_headers=["ETag", "Retry-After", "Server-Timing", REQUEST_ID_HEADER],
                max_age=600,
            )
            if cors_origins
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        begin = time.perf_counter()
        self.forwarding.resolve(scope)
        given_id = origin = None
        for name, value in scope["headers"]:
            if name == _REQUEST_ID:
                given_id = value
            elif name == _ORIGIN:
                origin = value
        request_id = self.ids.resolve(given_id)
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        echoed = (_REQUEST_ID, request_id.encode())
        cors = self.cors
        # Without an Origin, Starlette's CORS adds only Vary: Origin (a cache must not give
        # this answer to a page); that one header is added here, without its header parsing.
        vary = cors is not None and origin is None
        head = scope["method"] == "HEAD"
        inner = {**scope, "method": "GET", HEAD_KEY: True} if head else scope
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
                added = [echoed] if not any(n == _REQUEST_ID for n, _ in headers) else []
                if vary:
                    added.append(_VARY_ORIGIN)
                if added:
                    message["headers"] = [*headers, *added]  # a new list: never the response's
            elif head and message.get("body"):
                # HEAD: the status and headers are the GET's (RFC 9110 §9.3.2), the server
                # (which saw HEAD) writes no body; none is passed on.
                message = {**message, "body": b""}
            await send(message)

        sender: Send = send_at_edge
        app = self.app
        if cors is not None and origin is not None:
            request_headers = Headers(scope=scope)
            if scope["method"] == "OPTIONS" and "access-control-request-method" in request_headers:
                app = cors.preflight_response(request_headers=request_headers)
            else:
                sender = functools.partial(
                    cors.send, send=send_at_edge, request_headers=request_headers
                )
        client = self.limits.client(scope) if app is self.app else None
        counted = client is not None and self.limits.enter(client)
        try:
            if client is not None and not counted:
                refusal = problem_response(Request(scope), self.limits.refusal())
                await refusal(scope, receive, sender)
            else:
                await app(inner, receive, sender)
        except Exception as exc:
            if started:  # too late to answer with a problem; let the server close the stream
                raise
            await unexpected_error_response(Request(scope), exc)(scope, receive, sender)
        finally:
            if counted and client is not None:
                self.limits.leave(client)
            if head:  # what routing found (the route, for the metrics' label), as a GET leaves it
                scope.update({k: v for k, v in inner.items() if k not in {"method", HEAD_KEY}})
            metrics.in_progress -= 1
            metrics.record(scope, status, time.perf_counter() - begin)
            REQUEST_ID.reset(token)
