"""ASGI middleware: request ids (accepted from X-Request-ID, echoed) and the last-resort 500."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import REQUEST_ID_HEADER, unexpected_error_response

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
