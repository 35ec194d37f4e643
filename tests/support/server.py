"""Serve an ASGI app over real HTTP on loopback for a test: ``with serve_app(app) as base_url``.

uvicorn runs in a background thread with its own event loop, on a socket bound here to a free
port (no race between picking the port and binding it). Readiness is uvicorn's own ``started``
flag plus, optionally, a bounded poll of a health path; shutdown asks uvicorn to exit and waits.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

HOST = "127.0.0.1"


@contextmanager
def serve_app(
    app: ASGIApp,
    *,
    ready_path: str | None = "/health",
    startup_timeout_s: float = 10.0,
    shutdown_timeout_s: float = 10.0,
) -> Iterator[str]:
    """Run `app` until the block ends; yield its base URL (``http://127.0.0.1:<port>``).

    Args:
        ready_path: polled until it answers 200 before yielding; None for apps without one
            (fakes of third-party APIs), where uvicorn having started is enough.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
    )
    thread.start()
    base_url = f"http://{HOST}:{port}"
    try:
        _wait_until_ready(server, thread, base_url, ready_path, startup_timeout_s)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(shutdown_timeout_s)
        if thread.is_alive():
            server.force_exit = True
            thread.join(5)
        sock.close()
    if thread.is_alive():
        raise RuntimeError(f"uvicorn on port {port} did not stop within {shutdown_timeout_s} s")


def _wait_until_ready(
    server: uvicorn.Server,
    thread: threading.Thread,
    base_url: str,
    ready_path: str | None,
    timeout_s: float,
) -> None:
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"uvicorn for {base_url} exited during startup (see the log above)")
        if time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn for {base_url} not started after {timeout_s} s")
        time.sleep(0.01)
    if ready_path is None:
        return
    while _status(base_url, ready_path) != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base_url}{ready_path} not answering 200 after {timeout_s} s")
        time.sleep(0.05)


def _status(base_url: str, path: str) -> int | None:
    # http.client, not httpx: no TLS context to build, so readiness costs a millisecond.
    connection = http.client.HTTPConnection(base_url.removeprefix("http://"), timeout=2.0)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()
