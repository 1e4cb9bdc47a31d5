"""The real app under uvicorn on loopback, in a thread, for clients that speak real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx2 as httpx
import uvicorn
from fastapi import FastAPI

from api.server import HttpToolsProtocol


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bound_socket() -> socket.socket:
    """A socket bound to a free loopback port, for a server in this process to listen on: the
    port is held from now on, so nothing else can take it before the server starts."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def wait_until_up(
    url: str,
    exited: Callable[[], str | None],
    timeout: float = 180,
    hint: Callable[[], str] = str,
) -> None:
    """Poll GET ``url`` until it is 200.

    ``exited()`` says why the server stopped (None while it runs); either that or the deadline
    is an AssertionError, the deadline's followed by ``hint()`` (a log tail, say).
    """
    deadline = time.monotonic() + timeout
    while True:
        if (why := exited()) is not None:
            raise AssertionError(why)
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} was not 200 within {timeout:g} s\n{hint()}")
        time.sleep(0.05)


@contextmanager
def serve(app: FastAPI, timeout: float = 180) -> Iterator[str]:
    """Serve ``app`` on a free loopback port until GET /ready is 200; yield its base URL."""
    sock = bound_socket()
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            http=HttpToolsProtocol,
            proxy_headers=False,  # the app trusts X-Forwarded-* itself (api.proxy)
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    try:
        wait_until_up(
            f"{base}/ready",
            lambda: None if thread.is_alive() else "uvicorn stopped before the app was ready",
            timeout,
        )
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=60)
        sock.close()
