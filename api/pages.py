"""Static pages and their assets, gzip-compressed once and kept, and with the server's address.

The documentation pages (ReDoc, Swagger UI), the example maps and their scripts are large
text files (ReDoc's page is 2.7 MB, 0.46 MB gzipped) that never change while the service
runs. Each is read, gzip-compressed once and kept in memory with both encodings' ETags; a
request gets the gzip bytes when its ``Accept-Encoding`` allows ``gzip`` and the plain bytes
otherwise, with ``Vary: Accept-Encoding``, the encoding's own Content-Length and ETag, and a
304 for a matching ``If-None-Match``. Files that gzip does not shrink (PNG images) are sent as
they are. HEAD is GET without the body (``api.head``), so it has the same headers.

A page or document that embeds the OpenAPI document names ``EXAMPLE_ORIGIN`` in its examples;
``origin`` replaces it with the request's base URL (the trusted one of links, ``api.proxy``),
and the result is kept per (file, origin).
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from anyio import to_thread
from fastapi import Request
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from api.images import matches
from schemas.origin import EXAMPLE_ORIGIN

GZIP_LEVEL = 6
"""gzip's default: ReDoc's page in 0.15 s, 1 % larger than at level 9 in half the time."""
KEPT = 64
"""Encoded bodies kept: every page and asset, a few times over for the origins seen."""
_SHRINKS = 0.9
"""Gzip is offered only when it saves more than a tenth (not for PNG, say)."""
_CODING = re.compile(r"^\s*([A-Za-z*-]+)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


@dataclass(frozen=True)
class Encoded:
    """A body as sent: its plain bytes and, when that is smaller, its gzip bytes."""

    plain: bytes
    gzipped: bytes | None
    etag: str
    media_type: str
    last_modified: str

    @classmethod
    def of(cls, data: bytes, media_type: str, mtime: float) -> Encoded:
        digest = hashlib.sha256(data).hexdigest()[:32]
        packed = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
        shrinks = len(packed) < len(data) * _SHRINKS
        return cls(
            plain=data,
            gzipped=packed if shrinks else None,
            etag=f'"{digest}"',
            media_type=media_type,
            last_modified=formatdate(mtime, usegmt=True),
        )


class _Kept:
    """The encoded bodies, least recently used dropped past ``KEPT``. A file's key holds its
    modification time and size (a rebuilt file is read again) and the origin put in it."""

    started = time.time()
    """When a generated document was last modified, as far as a client can tell."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple[object, ...], Encoded] = OrderedDict()

    def get(self, key: tuple[object, ...], make: Callable[[], Encoded]) -> Encoded:
        with self.lock:
            if (found := self.items.get(key)) is not None:
                self.items.move_to_end(key)
                return found
        encoded = make()  # outside the lock: compressing ReDoc's page takes a while
        with self.lock:
            self.items[key] = encoded
            while len(self.items) > KEPT:
                self.items.popitem(last=False)
        return encoded

    def file(self, path: Path, media_type: str, origin: str | None) -> Encoded:
        stat = path.stat()

        def make() -> Encoded:
            data = path.read_bytes()
            if origin is not None:
                data = with_origin(data, origin)
            return Encoded.of(data, media_type, stat.st_mtime)

        return self.get((str(path), stat.st_mtime_ns, stat.st_size, origin), make)

    def text(self, key: str, text: str, media_type: str, origin: str | None) -> Encoded:
        def make() -> Encoded:
            data = text.encode()
            if origin is not None:
                data = with_origin(data, origin)
            return Encoded.of(data, media_type, self.started)

        return self.get((key, len(text), hash(text), origin), make)


_KEPT = _Kept()


def with_origin(data: bytes, origin: str) -> bytes:
    """``data`` with the examples' placeholder origin replaced by ``origin``."""
    return data.replace(EXAMPLE_ORIGIN.encode(), origin.rstrip("/").encode())


def origin_of(request: Request) -> str:
    """The request's base URL without its trailing slash: scheme, trusted host, root path."""
    return str(request.base_url).rstrip("/")


def accepts_gzip(headers: Headers) -> bool:
    """Whether ``Accept-Encoding`` allows gzip (by name or ``*``, with a q-value above 0)."""
    weights: dict[str, float] = {}
    for part in headers.get("accept-encoding", "").split(","):
        match = _CODING.match(part)
        if match is None:
            continue
        try:
            weight = float(match.group(2)) if match.group(2) is not None else 1.0
        except ValueError:
            continue
        weights[match.group(1).lower()] = weight
    if "gzip" in weights:
        return weights["gzip"] > 0
    return weights.get("x-gzip", weights.get("*", 0.0)) > 0


class EncodedResponse(Response):
    """An ``Encoded`` body in the encoding the request accepts, chosen when it is sent."""

    def __init__(
        self,
        encoded: Encoded | Callable[[], Encoded],
        media_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(headers=headers, media_type=media_type)
        self.encoded = encoded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Headers(scope=scope)
        encoded = self.encoded
        if not isinstance(encoded, Encoded):  # read and compressed off the event loop
            encoded = await to_thread.run_sync(encoded)
        gzipped = encoded.gzipped is not None and accepts_gzip(request)
        body = encoded.gzipped if gzipped and encoded.gzipped is not None else encoded.plain
        etag = f'"{encoded.etag[1:-1]}-gzip"' if gzipped else encoded.etag
        headers = self.headers
        headers["etag"] = etag
        headers["last-modified"] = encoded.last_modified
        if encoded.gzipped is not None:
            headers["vary"] = _vary(headers.get("vary"))
        if gzipped:
            headers["content-encoding"] = "gzip"
        if matches(request.get("if-none-match"), etag):
            self.status_code = 304
            for name in ("content-type", "content-length", "content-encoding"):
                if name in headers:
                    del headers[name]
            body = b""
        else:
            headers["content-length"] = str(len(body))
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": body})


def _vary(current: str | None) -> str:
    names = [name.strip() for name in (current or "").split(",") if name.strip()]
    if "accept-encoding" not in {name.lower() for name in names}:
        names.append("Accept-Encoding")
    return ", ".join(names)


def file_response(
    path: Path,
    media_type: str,
    headers: dict[str, str] | None = None,
    origin: str | None = None,
) -> EncodedResponse:
    """The file at ``path`` (compressed once, kept), its placeholder origin made ``origin``."""
    return EncodedResponse(_KEPT.file(path, media_type, origin), media_type, headers)


def text_response(
    text: str, media_type: str, key: str, origin: str | None = None
) -> EncodedResponse:
    """A generated document (the OpenAPI document as JSON or YAML), kept like a file under
    ``key``: its text with the placeholder origin made ``origin``."""
    return EncodedResponse(_KEPT.text(key, text, media_type, origin), media_type)


class StaticEncodedFiles(StaticFiles):
    """Static files from a folder that may not be built yet (a 404 then, not a 500), each sent
    as ``file_response`` sends it."""

    async def check_config(self) -> None:
        return None

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        if status_code != 200:
            return super().file_response(full_path, stat_result, scope, status_code)
        path = Path(full_path)
        media_type = mimetypes.guess_type(path.name)[0] or "text/plain"
        return EncodedResponse(lambda: _KEPT.file(path, media_type, None), media_type)
