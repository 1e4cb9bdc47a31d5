"""HEAD on the wire, under uvicorn: no body bytes, and the connection stays usable after an
answer that has no Content-Length (a data download's HEAD)."""

from __future__ import annotations

import socket

from api.main import create_app
from api.settings import DEFAULT_CATALOG, Settings
from plotting.data_runner import DataSettings
from plotting.runner import PlotSettings
from tests.e2e.live import serve


def exchange(connection: socket.socket, request: str) -> tuple[str, dict[str, str], bytes]:
    """Send one request on a kept-alive connection; its status line, headers and the bytes
    that arrive with them (a HEAD's answer ends at the blank line)."""
    connection.sendall(request.encode())
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(65536)
    head, _, rest = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return lines[0], dict(line.lower().split(": ", 1) for line in lines[1:]), rest


def test_head_sends_headers_only_and_keeps_the_connection() -> None:
    settings = Settings(
        catalog=DEFAULT_CATALOG, plot=PlotSettings(workers=1), data=DataSettings(workers=1)
    )
    with serve(create_app(settings)) as base:
        host, port = base.removeprefix("http://").split(":")
        data = "/api/v1/datasets/ersst-v5/data/area?bbox=-170,-5,-120,5&f=csv"
        with socket.create_connection((host, int(port)), timeout=30) as connection:
            status, headers, rest = exchange(connection, f"HEAD {data} HTTP/1.1\r\nHost: x\r\n\r\n")
            assert status == "HTTP/1.1 200 OK" and rest == b""
            assert headers["content-type"] == "text/csv; charset=utf-8"
            assert "content-length" not in headers and "transfer-encoding" not in headers
            status, head, rest = exchange(connection, "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert status == "HTTP/1.1 200 OK" and rest == b""
            # The same connection still frames a GET's answer right.
            status, headers, body = exchange(connection, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            while len(body) < int(headers["content-length"]):
                body += connection.recv(65536)
            assert status == "HTTP/1.1 200 OK" and body.startswith(b'{"status":"ok"')
            assert head["content-length"] == headers["content-length"] == str(len(body))
