"""A small HTTP server for `GET /metrics` on a port of its own (workers; the API's option).

Runs in a daemon thread of the command's main process and reads every process's samples
(core.metrics), so one scrape covers a whole `chatkit-todo worker` (its pool processes
too) or `chatkit-todo api --workers N`. An optional bearer token guards it.
"""

from __future__ import annotations

import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from core import metrics
from core.errors import envelope


def start_metrics_server(host: str, port: int, *, token: str | None = None
                         ) -> ThreadingHTTPServer:
    """Serve the metrics on host:port until the process exits; returns the server."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self._error(404, "NOT_FOUND", "only /metrics is served here")
                return
            if token is not None:
                scheme, _, given = (self.headers.get("Authorization") or "").partition(" ")
                if scheme.lower() != "bearer" or not hmac.compare_digest(
                        given.strip().encode(), token.encode()):
                    self._error(401, "AUTH_ERROR", "metrics need the CHATKIT_METRICS_TOKEN "
                                "bearer token")
                    return
            body = metrics.render()
            self.send_response(200)
            self.send_header("Content-Type", metrics.CONTENT_TYPE_LATEST)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, kind: str, message: str) -> None:
            body = json.dumps(envelope(status, kind, message)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # scrapes every few seconds would drown the logs

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="chatkit-metrics", daemon=True).start()
    return server
