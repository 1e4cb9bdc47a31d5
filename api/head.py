"""HEAD for every GET: the request is served as the GET it mirrors, without the body.

FastAPI's routes answer only the methods they declare (GET here), so HEAD was 405 although
CORS and the README promised it. Registering HEAD on each route would double every operation
in the OpenAPI document (with clashing operationIds); serving HEAD as GET here covers every
route, mount and static file at once, and the status and headers are the GET's by
construction (RFC 9110 §9.3.2).

Where a GET is costly, the handler asks ``is_head`` and skips the work a HEAD does not need:
a data answer (``api.encoding.answer``) is estimated and checked, never computed. A plot is
rendered once and cached, so the GET that follows is a cache hit.
"""

from __future__ import annotations

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEAD_KEY = "oceanapi.head"
"""Scope key set on a HEAD request served as GET."""


def is_head(request: Request) -> bool:
    """Whether the client sent HEAD (the app sees GET): its body will be dropped."""
    return bool(request.scope.get(HEAD_KEY))


class HeadMiddleware:
    """Serves HEAD as GET and drops the body bytes.

    The method is changed in a copy of the scope: the server keeps HEAD in its own (uvicorn,
    seeing it there, writes no body either), and so do the middleware outside (metrics,
    access log); what routing adds to the scope is copied back, as it is left there on a GET.
    Content-Length is the GET's when the GET's answer was built; an answer built for a HEAD
    without its body (a data download) has none, as RFC 9110 §9.3.2 allows.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                message = {**message, "body": b""}
            await send(message)

        inner = {**scope, "method": "GET", HEAD_KEY: True}
        try:
            await self.app(inner, receive, send_headers_only)
        finally:  # what routing found (the route, for the metrics' label), as a GET leaves it
            scope.update({k: v for k, v in inner.items() if k not in {"method", HEAD_KEY}})
