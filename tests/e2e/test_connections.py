"""The HTTP protocol's connection limits, over raw sockets to uvicorn on loopback.

A small ASGI app stands in for the service where only the protocol is under test (the limits act
before a request reaches any app); the last test runs the real service through its entry point,
``python -m api``, configured by environment.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from api.server import bound_protocol
from api.settings import REPO_ROOT, ServerSettings
from tests.e2e.live import bound_socket, free_port, wait_until_up

DOWNLOAD_CHUNK = 64 * 1024
DOWNLOAD_CHUNKS = 128  # 8 MiB


async def _health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _download(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(DOWNLOAD_CHUNKS):
            yield b"\0" * DOWNLOAD_CHUNK

    length = str(DOWNLOAD_CHUNK * DOWNLOAD_CHUNKS)
    return StreamingResponse(chunks(), headers={"content-length": length})


APP = Starlette(routes=[Route("/health", _health), Route("/download", _download)])


@contextmanager
def serve(
    limits: ServerSettings, app: Any = APP
) -> Iterator[tuple[tuple[str, int], uvicorn.Server]]:
    """Serve ``app`` under ``limits`` on a free loopback port; yield (host, port) and the
    server (its ``server_state.connections`` are the protocol instances)."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", http=bound_protocol(limits)
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until_up(
            f"http://127.0.0.1:{port}/health",
            lambda: None if thread.is_alive() else "uvicorn stopped",
        )
        yield ("127.0.0.1", port), server
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture
def server() -> Iterator[Callable[..., tuple[str, int]]]:
    """Start servers with given limits (the rest small and short); stopped after the test."""
    with ExitStack() as stack:

        def start(**limits: Any) -> tuple[str, int]:
            values = {"head_timeout": 1.0, "idle_timeout": 1.0, **limits}
            address, _ = stack.enter_context(serve(ServerSettings(**values)))
            return address

        yield start


class Answer:
    """An HTTP answer read off a socket to its end (the server closes these connections)."""

    def __init__(self, raw: bytes) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        self.status = int(lines[0].split()[1])
        self.headers = dict(line.lower().split(": ", 1) for line in lines[1:])

    def problem(self) -> dict[str, Any]:
        assert self.headers["content-type"] == "application/problem+json"
        assert self.headers["connection"] == "close"
        problem: dict[str, Any] = json.loads(self.body)
        assert problem["status"] == self.status
        assert problem["request_id"] == self.headers["x-request-id"]
        return problem


def read_to_end(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes (a reset after its answer is an end too)."""
    received = b""
    while True:
        try:
            chunk = connection.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk


def exchange(address: tuple[str, int], request: bytes) -> Answer:
    """Send ``request`` on a new connection and read the answer to the connection's end."""
    with socket.create_connection(address, timeout=10) as connection:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(request)  # refused before all was sent: the answer is waiting
        return Answer(read_to_end(connection))


def get(path: str, *headers: str) -> bytes:
    fields = "".join(f"{header}\r\n" for header in ("Host: 127.0.0.1", *headers))
    return f"GET {path} HTTP/1.1\r\n{fields}\r\n".encode()


def test_a_slowloris_head_is_answered_408_when_its_deadline_passes(server: Any) -> None:
    address = server(head_timeout=1.0, idle_timeout=1.0)
    line, _, fields = get("/health", *(f"X-Slow-{k}: {k}" for k in range(100))).partition(b"\n")
    with socket.create_connection(address, timeout=0.2) as connection:
        began = time.monotonic()
        connection.sendall(line + b"\n")
        received = b""
        for byte in fields:  # then one header byte every 0.2 s: 4 minutes for them all
            try:
                connection.sendall(bytes([byte]))
                received += connection.recv(65536)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
            if received.endswith(b"}"):
                break
        connection.settimeout(5)
        received += read_to_end(connection)
        elapsed = time.monotonic() - began
    answer = Answer(received)
    assert answer.status_line == "HTTP/1.1 408 Request Timeout"
    problem = answer.problem()
    assert problem["type"] == "/problems/request-head-timeout"
    assert problem["title"] == "Request head timeout"
    assert "within 1 s of their first byte" in problem["detail"]
    assert problem["instance"] == "/health"
    assert 0.9 < elapsed < 4, elapsed


@pytest.mark.parametrize("served_first", [False, True], ids=["silent", "after-an-answer"])
def test_an_idle_connection_is_closed(server: Any, served_first: bool) -> None:
    """One that never sends a byte (uvicorn's keep-alive timer does not run for it) or has
    had its answer: closed without a word when the idle timeout passes."""
    address = server(head_timeout=10.0, idle_timeout=1.0)
    with socket.create_connection(address, timeout=10) as connection:
        if served_first:
            connection.sendall(get("/health"))
            assert connection.recv(65536).startswith(b"HTTP/1.1 200 OK")
        began = time.monotonic()
        assert read_to_end(connection) == b""
        elapsed = time.monotonic() - began
    assert 0.9 < elapsed < 4, elapsed


@pytest.mark.parametrize(
    ("request_bytes", "limit", "detail"),
    [
        (
            get("/health", "X-Big: " + "a" * 70_000),
            65536,
            "longer than 65536 bytes (64 KiB), the most this service reads",
        ),
        (  # a request line counts too
            get("/health?q=" + "a" * 70_000),
            65536,
            "longer than 65536 bytes (64 KiB), the most this service reads",
        ),
        (  # far past the cap: refused after 64 KiB, not read to the end
            get("/health", *(f"X-Big-{k}: " + "a" * 1_000_000 for k in range(16))),
            65536,
            "longer than 65536 bytes (64 KiB)",
        ),
        (
            get("/health", *(f"X-Many-{k}: {k}" for k in range(20))),  # and Host: 21
            20,
            "more than 20 header fields, the most this service reads",
        ),
    ],
    ids=["header", "request-line", "16-MB", "header-count"],
)
def test_a_head_past_a_cap_is_431(
    server: Any, request_bytes: bytes, limit: int, detail: str
) -> None:
    address = server(max_headers=20)
    answer = exchange(address, request_bytes)
    assert answer.status_line == "HTTP/1.1 431 Request Header Fields Too Large"
    problem = answer.problem()
    assert problem["type"] == "/problems/request-head-too-large"
    assert problem["title"] == "Request head too large"
    assert detail in problem["detail"]
    assert problem["limit"] == limit
    assert problem["instance"] == "/health"


def test_a_head_within_the_caps_is_served(server: Any) -> None:
    address = server(max_headers=20)
    fields = [f"X-Many-{k}: {k}" for k in range(18)] + ["X-Big: " + "a" * 60_000]  # 20
    with socket.create_connection(address, timeout=10) as connection:
        for _ in range(3):  # on one connection: each head is counted from its own start
            connection.sendall(get("/health", *fields))
            assert connection.recv(65536).startswith(b"HTTP/1.1 200 OK")


def test_malformed_http_is_still_a_400_problem(server: Any) -> None:
    answer = exchange(server(), b"GET /health HTTP/1.1\r\nBad Header\r\n\r\n")
    assert answer.status == 400
    assert answer.problem()["type"] == "/problems/malformed-request"


def test_beyond_the_connection_cap_a_client_gets_503_and_the_refusal_is_logged(
    server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    address = server(max_connections=20, idle_timeout=60.0, head_timeout=60.0)
    base = f"http://{address[0]}:{address[1]}"
    caplog.set_level(logging.WARNING, logger="oceanapi.server")
    held = [socket.create_connection(address, timeout=10) for _ in range(20)]
    try:
        for connection in held:  # each is served, so the server has made every one
            connection.sendall(get("/health"))
            assert connection.recv(65536).startswith(b"HTTP/1.1 200 OK")
        refused = [exchange(address, get("/health")) for _ in range(5)]
        for answer in refused:
            assert answer.status_line == "HTTP/1.1 503 Service Unavailable"
            assert answer.headers["retry-after"] == "60"
            problem = answer.problem()
            assert problem["type"] == "/problems/too-many-connections"
            assert problem["limit"] == 20
            assert "20 connections open, the most it accepts" in problem["detail"]
        time.sleep(1.5)  # the refusals after the first warning are told a second later
    finally:
        for connection in held:
            connection.close()
    warnings = [r.getMessage() for r in caplog.records if r.name == "oceanapi.server"]
    counts = [int(re.search(r"refused (\d+) new connection", w)[1]) for w in warnings]  # type: ignore[index]
    assert sum(counts) == 5 and len(counts) == 2, warnings
    assert "OCEANAPI_SERVER__MAX_CONNECTIONS=20" in warnings[0]
    # once the held connections have closed, new clients are served
    wait_until_up(f"{base}/health", lambda: None, timeout=10)
    assert httpx.get(f"{base}/health", timeout=10).json() == {"status": "ok"}


def test_a_slow_download_outlives_the_head_and_idle_timeouts(server: Any) -> None:
    """A response being sent is not the head deadline's nor the idle timer's business."""
    address = server(head_timeout=0.5, idle_timeout=0.5)
    with socket.socket() as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        connection.settimeout(10)
        connection.connect(address)
        connection.sendall(get("/download"))
        began = time.monotonic()
        size = DOWNLOAD_CHUNK * DOWNLOAD_CHUNKS
        received = b""
        while chunk := connection.recv(256 * 1024):
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            if len(body) >= size:
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - began
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert body == b"\0" * size
    assert elapsed > 2.0, elapsed  # well past both timeouts, with the response in progress


def wait_for(condition: Callable[[], Any], timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
    return value


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
@pytest.mark.parametrize("sent", [b"", b"GET /health HTTP/1.1\r\n"], ids=["idle", "mid-head"])
def test_a_connection_gone_leaves_no_timer_behind(sent: bytes, reset: bool) -> None:
    """The idle timer and the head deadline are cancelled when the client goes, however it goes
    (uvicorn kept its keep-alive timer after a reset)."""
    with serve(ServerSettings(head_timeout=60.0, idle_timeout=60.0)) as (address, server):
        connection = socket.create_connection(address, timeout=10)
        port = connection.getsockname()[1]
        protocol = wait_for(
            lambda: next((c for c in server.server_state.connections if c.client[1] == port), None)
        )
        connection.sendall(sent)
        timer = wait_for(lambda: protocol.head_timer if sent else protocol.timeout_keep_alive_task)
        if reset:  # a reset, not a close: the server sees connection_lost with an error
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        connection.close()
        wait_for(lambda: protocol not in server.server_state.connections)
        assert timer.cancelled()
        assert protocol.head_timer is None or protocol.head_timer.cancelled()
        keep_alive = protocol.timeout_keep_alive_task
        assert keep_alive is None or keep_alive.cancelled()


def test_the_entry_point_serves_the_service_under_limits_from_the_environment() -> None:
    port = free_port()
    env = {
        **os.environ,
        "OCEANAPI_SERVER__MAX_HEADERS": "5",
        "OCEANAPI_PLOT__WORKERS": "1",
        "OCEANAPI_DATA__WORKERS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(
            f"{base}/ready",
            lambda: None if process.poll() is None else "server exited",
            timeout=180,  # the worker pools warm up slowly on a busy machine
        )
        listing = httpx.get(f"{base}/api/v1/datasets", timeout=30).json()
        assert [d["id"] for d in listing["datasets"]] == [
            "ersst-v5",
            "glorys",
            "wcofs",
            "giops",
            "glorys-mesh",
        ]
        answer = exchange(("127.0.0.1", port), get("/api/v1/datasets", *("X-A: 1",) * 5))
        assert answer.status == 431
        assert answer.problem()["limit"] == 5
    finally:
        process.terminate()
        process.wait(timeout=30)
