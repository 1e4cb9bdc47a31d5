"""The HTTP/1.1 protocol the service runs on: uvicorn's httptools protocol, whose own refusals
(a request line or headers past the parser's limits, malformed HTTP) are problem documents
like every other error instead of uvicorn's plain-text 400.

Run with ``uvicorn --http api.server:HttpToolsProtocol`` (``make serve`` and the Docker image
do); ``uvicorn.Config(http=HttpToolsProtocol)`` in code.
"""

from __future__ import annotations

import json
import uuid

from uvicorn.protocols.http import httptools_impl

from api.problems import PROBLEM_MEDIA_TYPE, problem_type_uri
from catalog.errors import MalformedRequest


def malformed_request_body(url: bytes) -> bytes:
    """The problem document for a request the HTTP parser refused; ``url`` is what it had
    read of the target (its path names the instance, cut to 200 characters)."""
    path = url.split(b"?", 1)[0].decode("latin-1")[:200] or "/"
    return json.dumps(
        {
            "type": problem_type_uri(MalformedRequest),
            "title": MalformedRequest.title,
            "status": MalformedRequest.status,
            "detail": MalformedRequest.description,
            "instance": path,
            "request_id": uuid.uuid4().hex,
        }
    ).encode()


class HttpToolsProtocol(httptools_impl.HttpToolsProtocol):
    """uvicorn's httptools protocol, answering what its parser refuses with problem+json."""

    def send_400_response(self, msg: str) -> None:
        """Like uvicorn's: log, answer 400 and close the connection; the body is a problem."""
        body = malformed_request_body(getattr(self, "url", b""))
        content = [httptools_impl.STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                f"content-type: {PROBLEM_MEDIA_TYPE}\r\n".encode(),
                f"content-length: {len(body)}\r\n".encode(),
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
