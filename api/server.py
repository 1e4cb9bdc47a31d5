"""The HTTP/1.1 protocol the service runs on, and ``main``, the entry point (``python -m api``).

The protocol is uvicorn's httptools protocol with the limits that keep one client from holding
what every client needs (OCEANAPI_SERVER__*, ``ServerSettings``): a deadline for a request's
line and headers (a slowloris sender is answered 408 and closed), an idle timeout for a
connection with no request begun (one that never sends a byte included, which uvicorn's
keep-alive timeout does not cover), caps on the size and number of headers (431), and a cap on
open connections below the open-file limit (503 at once, never an empty reply for lack of a
file descriptor). Its refusals, and the parser's (malformed HTTP, 400), are problem documents
like every other error instead of uvicorn's plain text.

``python -m api [--host H] [--port P]`` reads the settings once and serves
``create_app(settings)`` with the protocol bound to them; ``uvicorn --factory
api.main:create_app --http api.server:HttpToolsProtocol`` works too, the limits then read from
the environment when the first connection is made.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import math
import uuid
from asyncio import TimerHandle
from typing import Any, ClassVar

import httptools
import uvicorn
from uvicorn.protocols.http import httptools_impl

from api.errors import MalformedRequest, RequestHeadTimeout, RequestHeadTooLarge, TooManyConnections
from api.main import create_app
from api.problems import PROBLEM_MEDIA_TYPE, REQUEST_ID_HEADER, problem_type_uri
from api.settings import ServerSettings, Settings
from catalog.errors import OceanAPIError

log = logging.getLogger("oceanapi.server")

# How long a refused connection is read (and the bytes dropped) after its answer: closing with
# unread bytes makes the kernel reset the connection, and a client that is still sending then
# loses the answer. 503s for too many connections are not read on: their file goes at once.
LINGER_SECONDS = 2.0


def problem_body(
    error: type[OceanAPIError], detail: str, url: bytes, request_id: str, **extra: Any
) -> bytes:
    """The problem document for a request refused before the app saw it; ``url`` is what was
    read of the target (its path names the instance, cut to 200 characters)."""
    path = url.split(b"?", 1)[0].decode("latin-1")[:200] or "/"
    return json.dumps(
        {
            "type": problem_type_uri(error),
            "title": error.title,
            "status": error.status,
            "detail": detail,
            "instance": path,
            "request_id": request_id,
            **extra,
        }
    ).encode()


class RefusalLog:
    """Warns of refused connections at most once per ``interval`` seconds, with the count since
    the last warning: a flood of refusals is news, but not 10,000 lines of it."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self.unreported = 0
        self._last = -math.inf
        self._flush: TimerHandle | None = None

    def refused(self, loop: asyncio.AbstractEventLoop, open_connections: int, limit: int) -> None:
        """Count one refusal; warn now, or once the interval since the last warning is over."""
        self.unreported += 1
        if self._flush is not None:
            return
        wait = self._last + self.interval - loop.time()
        if wait <= 0:
            self._report(loop, open_connections, limit)
        else:
            self._flush = loop.call_later(wait, self._report, loop, open_connections, limit)

    def _report(self, loop: asyncio.AbstractEventLoop, open_connections: int, limit: int) -> None:
        self._flush = None
        self._last = loop.time()
        log.warning(
            "refused %d new connection(s) with 503: %d open, the most accepted "
            "(OCEANAPI_SERVER__MAX_CONNECTIONS=%d)",
            self.unreported,
            open_connections,
            limit,
        )
        self.unreported = 0


class _HeadRefused(Exception):
    """Raised from a parser callback to stop reading a head past a limit (httptools wraps it
    in an HttpParserCallbackError, whose ``__context__`` it is)."""

    def __init__(self, detail: str, limit: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.limit = limit


@functools.cache
def environment_limits() -> ServerSettings:
    """The limits from OCEANAPI_SERVER__*, read once: for ``uvicorn --http
    api.server:HttpToolsProtocol``, where nothing hands the protocol the app's settings."""
    return Settings().server


class HttpToolsProtocol(httptools_impl.HttpToolsProtocol):
    """uvicorn's httptools protocol with connection limits, answering refusals with problems.

    A connection is in one of three states. Waiting: nothing in flight and no byte of a next
    request; the idle timer runs (uvicorn's keep-alive timer, also armed on connecting).
    Reading a head: a byte has come while nothing is in flight; the head deadline runs until
    the headers end, and the head's bytes are counted. In flight: a request is being answered
    (its body read, a plot rendered, a download streamed to a slow reader); no timer runs, so
    nothing here cuts a request the app is serving.
    """

    limits: ClassVar[ServerSettings | None] = None  # None: environment_limits()
    refusals: ClassVar[RefusalLog] = RefusalLog()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = type(self).limits or environment_limits()
        self.timeout_keep_alive = self.limit.idle_timeout  # type: ignore[assignment]
        self.head_timer: TimerHandle | None = None
        self.head_bytes = 0  # of the head being read, as far as counted
        self.heads_read = 0  # heads completed on this connection
        self.in_body = False  # between a head's end and its message's end
        self.url = b""
        self.linger_timer: TimerHandle | None = None  # set once the connection is answered

    # Connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Refuse the connection with 503 if the cap is reached; else start the idle timer."""
        if len(self.connections) >= self.limit.max_connections:
            self.transport = transport
            self.refusals.refused(self.loop, len(self.connections), self.limit.max_connections)
            retry = str(math.ceil(self.limit.idle_timeout))
            self.answer(
                TooManyConnections,
                f"The service has {self.limit.max_connections} connections open, the most it "
                f"accepts; try again in {retry} s.",
                headers={"Retry-After": retry},
                linger=False,
                limit=self.limit.max_connections,
            )
            return
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.limit.idle_timeout, self.timeout_keep_alive_handler
        )

    def connection_lost(self, exc: Exception | None) -> None:
        """Like uvicorn's, and every timer is cancelled (uvicorn's keeps its keep-alive timer
        when the connection was lost to an error)."""
        super().connection_lost(exc)
        self._unset_keepalive_if_required()
        self._cancel_head_timer()
        if self.linger_timer is not None:
            self.linger_timer.cancel()

    def handle_websocket_upgrade(self) -> None:
        """The WebSocket protocol takes over the connection, and with it the timing."""
        self._unset_keepalive_if_required()
        self._cancel_head_timer()
        super().handle_websocket_upgrade()

    def _answered(self) -> bool:
        """The connection is closing, or has had its last answer and is only read to the end."""
        return self.transport.is_closing() or self.linger_timer is not None

    def _in_flight(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _start_head_timer(self) -> None:
        self._unset_keepalive_if_required()
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(
                self.limit.head_timeout, self.head_timeout_handler
            )

    def head_timeout_handler(self) -> None:
        """The head deadline passed with the head unfinished: 408, and close."""
        self.head_timer = None
        if self._answered() or self._in_flight():
            return
        seconds = f"{self.limit.head_timeout:g}"
        self.answer(
            RequestHeadTimeout,
            f"The request line and headers did not all arrive within {seconds} s of their "
            "first byte.",
            limit=self.limit.head_timeout,
        )

    # Reading

    def data_received(self, data: bytes) -> None:
        """Feed the parser, counting the bytes of each head against the byte cap; start the
        head deadline when a head is left unfinished (the usual request, whole in one read,
        never starts one).

        No more of a head than the cap is fed to the parser: a byte past it is a 431. After a
        head or body ends in the middle of a read, the next head's bytes in the rest of that
        read go uncounted (at most one read, 256 KiB), so a pipelined request is never refused
        for its predecessor's bytes.
        """
        if self._answered():
            return
        self._unset_keepalive_if_required()
        self._read(data)
        if not (self._answered() or self._in_flight()) and (self.head_bytes or self.in_body):
            self._start_head_timer()

    def _read(self, data: bytes) -> None:
        while data and not self._answered():
            if self.in_body:
                self._feed(data)
                return
            room = self.limit.max_head_bytes - self.head_bytes
            part, data = (data, b"") if len(data) <= room else (data[:room], data[room:])
            heads_read = self.heads_read
            self._feed(part)
            if self.heads_read == heads_read:  # the head goes on past this part
                self.head_bytes += len(part)
                if data and not self._answered():
                    self.refuse_head(
                        f"The request line and headers are longer than {self.limit.max_head_bytes}"
                        f" bytes ({self.limit.max_head_bytes / 1024:g} KiB), the most this "
                        "service reads.",
                        self.limit.max_head_bytes,
                    )
                return

    def _feed(self, data: bytes) -> None:
        """uvicorn's data_received without its keep-alive handling, and with the head refusals
        raised from the parser's callbacks answered 431."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if isinstance(exc.__context__, _HeadRefused):
                self.refuse_head(exc.__context__.detail, exc.__context__.limit)
                return
            self.logger.warning("Invalid HTTP request received.")
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    def on_header(self, name: bytes, value: bytes) -> None:
        """Like uvicorn's, refusing a header past the count cap."""
        if len(self.headers) >= self.limit.max_headers:
            raise _HeadRefused(
                f"The request has more than {self.limit.max_headers} header fields, the most "
                "this service reads.",
                self.limit.max_headers,
            )
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head is whole: its deadline and count end; uvicorn starts the request."""
        self._cancel_head_timer()
        self.head_bytes = 0
        self.heads_read += 1
        self.in_body = True
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        """The body is whole; the next bytes are the next request's head."""
        self.in_body = False
        super().on_message_complete()

    def on_response_complete(self) -> None:
        """Like uvicorn's (which starts the idle timer); if the next request's head has begun
        meanwhile, its deadline runs from now instead."""
        super().on_response_complete()
        if self.transport.is_closing() or self._in_flight():
            return
        if self.head_bytes or self.in_body:
            self._start_head_timer()

    # Answering

    def answer(
        self,
        error: type[OceanAPIError],
        detail: str,
        headers: dict[str, str] | None = None,
        linger: bool = True,
        **extra: Any,
    ) -> None:
        """Write ``error``'s problem document as the last answer and close the connection:
        at once, or (``linger``) our side first, then the rest when the client has closed its
        side or LINGER_SECONDS have passed, dropping what it still sends. While an earlier
        request's answer is being sent (the refused head was pipelined behind it), the
        connection is only closed: a problem written into that answer's body would corrupt it.
        """
        if self._in_flight():
            self.transport.close()
            return
        request_id = uuid.uuid4().hex
        body = problem_body(error, detail, self.url, request_id, **extra)
        fields = {**(headers or {}), REQUEST_ID_HEADER: request_id}
        content = [httptools_impl.STATUS_LINE[error.status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(f"{name}: {value}\r\n".encode("latin-1") for name, value in fields.items())
        content.extend(
            [
                f"content-type: {PROBLEM_MEDIA_TYPE}\r\n".encode(),
                f"content-length: {len(body)}\r\n".encode(),
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self._cancel_head_timer()
        self._unset_keepalive_if_required()
        self.transport.write(b"".join(content))
        if linger and self.transport.can_write_eof():
            self.transport.write_eof()
            self.linger_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:
            self.transport.close()

    def refuse_head(self, detail: str, limit: int) -> None:
        """431 for a head past a cap."""
        self.answer(RequestHeadTooLarge, detail, limit=limit)

    def send_400_response(self, msg: str) -> None:
        """Like uvicorn's: answer 400 and close the connection; the body is a problem."""
        self.answer(MalformedRequest, MalformedRequest.description)


def bound_protocol(limits: ServerSettings) -> type[HttpToolsProtocol]:
    """The protocol class enforcing ``limits``, for ``uvicorn.Config(http=...)``."""

    class BoundHttpToolsProtocol(HttpToolsProtocol):
        """HttpToolsProtocol with limits given in code rather than read from the environment."""

    BoundHttpToolsProtocol.limits = limits
    BoundHttpToolsProtocol.refusals = RefusalLog()
    return BoundHttpToolsProtocol


def server_config(settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration serving ``create_app(settings)`` under ``settings.server``'s
    limits and address; ``options`` are further uvicorn.Config arguments."""
    limits = settings.server
    return uvicorn.Config(
        app=functools.partial(create_app, settings),
        factory=True,
        http=bound_protocol(limits),
        host=limits.host,
        port=limits.port,
        access_log=False,  # the service writes its own, with the request id
        proxy_headers=False,  # the app trusts proxies itself (OCEANAPI_FORWARDED_ALLOW_IPS)
        timeout_keep_alive=math.ceil(limits.idle_timeout),  # the protocol uses the exact value
        **options,
    )


def main(argv: list[str] | None = None) -> None:
    """Serve the service: ``python -m api [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(
        prog="python -m api",
        description="Serve the Ocean Data API (settings from OCEANAPI_* environment variables).",
    )
    parser.add_argument("--host", help="address to bind (default: OCEANAPI_SERVER__HOST)")
    parser.add_argument("--port", type=int, help="port (default: OCEANAPI_SERVER__PORT)")
    args = parser.parse_args(argv)
    settings = Settings()
    address = {"host": args.host, "port": args.port}
    settings.server = settings.server.model_copy(
        update={k: v for k, v in address.items() if v is not None}
    )
    uvicorn.Server(server_config(settings)).run()
