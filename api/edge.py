"""The HTTP server's edge: binding the port, slow or malformed clients, and shutting down.

Uvicorn serves the app. Around it: the port is bound before anything announces it (a busy
port is one clear line, not a traceback after "serving on"); a connection gets
`CHATKIT_HEADER_TIMEOUT_SECONDS` to send a request's headers (slow-header clients no longer
hold sockets forever); a request uvicorn cannot parse is answered with the contract's
error envelope; proxy headers are believed only from `CHATKIT_FORWARDED_ALLOW_IPS`; and a
stop signal first ends event streams and long-polls, so Ctrl-C returns at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from core.errors import envelope, error_type
from core.settings import Settings, get_settings

__all__ = ["EdgeHttpProtocol", "PortInUse", "announce_shutdown", "bind_socket",
           "install_shutdown_announcer", "serve_app", "shutdown_started", "uvicorn_options"]


# ---- shutting down ------------------------------------------------------------------------

_SHUTDOWN = threading.Event()
_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()


def announce_shutdown() -> None:
    """The server is stopping: wake every `shutdown_started()` waiter (any thread)."""
    _SHUTDOWN.set()
    for loop, event in list(_waiters):
        loop.call_soon_threadsafe(event.set)


async def shutdown_started() -> None:
    """Returns once the server begins to stop."""
    if _SHUTDOWN.is_set():
        return
    entry = (asyncio.get_running_loop(), asyncio.Event())
    _waiters.add(entry)
    try:
        if not _SHUTDOWN.is_set():
            await entry[1].wait()
    finally:
        _waiters.discard(entry)


def install_shutdown_announcer() -> Callable[[], None]:
    """Chain `announce_shutdown` in front of the SIGINT/SIGTERM handlers uvicorn installed.

    Called from the app's startup, which runs after uvicorn took the signals; returns a
    function that puts the previous handlers back. Only the main thread may do this (tests
    that run the app in a thread get no-op).
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    _SHUTDOWN.clear()
    previous: dict[int, Any] = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(number)
        if not callable(handler):
            continue
        previous[number] = handler

        def chained(sig: int, frame: Any, _next: Any = handler) -> None:
            announce_shutdown()
            _next(sig, frame)

        signal.signal(number, chained)

    def restore() -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


# ---- slow and malformed requests -----------------------------------------------------------

def _error_bytes(status: int, reason: str, message: str) -> bytes:
    body = json.dumps(envelope(status, error_type(status), message)).encode()
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


class EdgeHttpProtocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol with a header-read timeout and enveloped 400s."""

    header_timeout_s: float | None = None
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        # Uvicorn's own answer is text/plain; every non-2xx of ours is the envelope.
        self.transport.write(_error_bytes(400, "Bad Request",
                                          f"malformed HTTP request: {msg.rstrip('.')}"))
        self.transport.close()

    def _arm_header_timer(self) -> None:
        if self._header_timer is not None:
            return
        timeout = self.header_timeout_s or get_settings().header_timeout_seconds
        self._header_timer = self.loop.call_later(timeout, self._headers_too_slow, timeout)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self, timeout: float) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        # A connection idle between requests is uvicorn's keep-alive timeout's business.
        if self.cycle is not None and not self.cycle.response_complete:
            return
        self.transport.write(_error_bytes(
            408, "Request Timeout", f"request headers not received within {timeout:g} s"))
        self.transport.close()


# ---- binding and options --------------------------------------------------------------------

class PortInUse(OSError):
    """The address is taken (another server on that port)."""


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind (not yet listen) the server's socket; `PortInUse` when the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(errno.EADDRINUSE, f"{host}:{port} is already in use") from None
        raise
    sock.set_inheritable(True)
    return sock


def serve_app(app: Any, settings: Settings, sock: socket.socket, *, workers: int = 1,
              factory: bool = False, forwarded_allow_ips: str | None = None) -> None:
    """Serve `app` (or, with `factory`, the import string of its factory) on the bound
    socket with uvicorn, in `workers` processes."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    EdgeHttpProtocol.header_timeout_s = settings.header_timeout_seconds
    config = uvicorn.Config(app, factory=factory, workers=workers,
                            **uvicorn_options(settings,
                                              forwarded_allow_ips=forwarded_allow_ips))
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
        return
    server = uvicorn.Server(config)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])


def uvicorn_options(settings: Settings, *, forwarded_allow_ips: str | None = None
                    ) -> dict[str, Any]:
    """Our uvicorn settings: our protocol, our logging, proxies believed only when listed."""
    allowed = forwarded_allow_ips or settings.forwarded_allow_ips
    return {
        "http": EdgeHttpProtocol,
        "proxy_headers": bool(allowed),
        "forwarded_allow_ips": allowed or "",
        "log_config": None,  # our handler (core.logs) formats uvicorn's lines too
        "access_log": False,  # api.telemetry writes the access log, tokens masked
        "log_level": settings.log_level.lower(),
        "server_header": False,
        "timeout_graceful_shutdown": 3,
    }
