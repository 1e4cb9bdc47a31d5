"""HEAD for every GET: the request is served as the GET it mirrors, without the body.

FastAPI's routes answer only the methods they declare (GET here), so HEAD was 405 although
CORS and the README promised it. Registering HEAD on each route would double every operation
in the OpenAPI document (with clashing operationIds); serving HEAD as GET at the edge
(``api.middleware.EdgeMiddleware``) covers every route, mount and static file at once, and the
status and headers are the GET's by construction (RFC 9110 §9.3.2).

The method is changed in a copy of the scope: the server keeps HEAD in its own (uvicorn,
seeing it there, writes no body either), and so do the metrics and the access log. Where a GET
is costly, the handler asks ``is_head`` and skips the work a HEAD does not need: a data answer
(``api.encoding.answer``) is estimated and checked, never computed, and has no Content-Length
(as RFC 9110 §9.3.2 allows). A plot is rendered once and cached, so the GET that follows is a
cache hit.
"""

from __future__ import annotations

from fastapi import Request

HEAD_KEY = "oceanapi.head"
"""Scope key set on a HEAD request served as GET."""


def is_head(request: Request) -> bool:
    """Whether the client sent HEAD (the app sees GET): its body will be dropped."""
    return bool(request.scope.get(HEAD_KEY))
