"""What the API tells its operator: one access-log line, metrics and a span per request.

`RequestTelemetry` wraps the whole application (unmatched routes and refused preflights
included). It gives every request a `request_id` (a sane incoming `X-Request-ID` is kept,
and the answer carries it), binds it for every log line written meanwhile, counts and
times the request by route template, writes the access-log line (query-string tokens
masked) and, when tracing is on, the request's server span. `GET /metrics` answers the
Prometheus text of this API command (all its processes) plus gauges read at scrape time.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import anyio
import msgspec
from litestar import Request, Response, get
from litestar.datastructures import MutableScopeHeaders, State
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func, select

from api.errors import AUTH_ERROR, PROCESSING_ERROR, ChatKitError, envelope
from core import metrics
from core.logs import bind_turn, bound, clear_context
from core.settings import mask_url
from core.telemetry import span
from store.models import Turn

access_log = logging.getLogger("chatkit.access")
log = logging.getLogger("chatkit.api")

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
UNMATCHED_ROUTE = "<unmatched>"
SCRAPE_TIMEOUT_S = 2.0
# Scrape-time gauges are cached this long: every API process may be scraped by several
# Prometheus servers, and counting turns is a query.
GAUGE_CACHE_S = 5.0


def turn_stored(turn_id: str, thread_id: str, user_id: str, kind: str) -> None:
    """A turn was stored as queued: count it, and tag this request's later log lines (and
    its kick's headers) with the turn's ids."""
    metrics.TURNS_ACCEPTED.labels(kind).inc()
    bind_turn(turn_id, thread_id=thread_id, user_id=user_id)


def _incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _REQUEST_ID.match(text) else None
    return None


def _shown_path(scope: Scope) -> str:
    query = scope.get("query_string", b"").decode("latin-1")
    return mask_url(f"{scope['path']}?{query}") if query else scope["path"]


class RequestTelemetry:
    """ASGI middleware around the whole app: request id, access log, metrics, server span."""

    def __init__(self, app: ASGIApp, *, on_shutdown: Any = None) -> None:
        self.app = app
        self.on_shutdown = on_shutdown  # an awaitable factory: when it returns, end the request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_request_id(scope) or uuid.uuid4().hex
        clear_context(request_id=request_id)
        method = str(scope.get("method")) if scope.get("method") in _METHODS else "OTHER"
        started = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "started": False, "finished": False}

        async def send_tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                answer["started"] = True
                headers = MutableScopeHeaders.from_message(message)
                headers["X-Request-ID"] = request_id
                headers["X-Content-Type-Options"] = "nosniff"
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                answer["finished"] = True
            await send(message)

        headers = {name.decode("latin-1"): value.decode("latin-1")
                   for name, value in scope["headers"] if name == b"traceparent"}
        with span(f"{method} {scope['path']}", kind="server", parent=headers,
                  attributes={"http.request.method": method, "url.path": scope["path"],
                              "chatkit.request_id": request_id}) as server_span:
            try:
                if self.on_shutdown is not None and _long_lived(scope):
                    await self._until_shutdown(scope, receive, send_tagged, answer)
                else:
                    await self.app(scope, receive, send_tagged)
            finally:
                elapsed = time.perf_counter() - started
                route = scope.get("path_template") or UNMATCHED_ROUTE
                status = answer["status"]
                metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
                metrics.HTTP_REQUEST_SECONDS.labels(method, route).observe(elapsed)
                if server_span is not None:
                    server_span.update_name(f"{method} {route}")
                    server_span.set_attribute("http.route", route)
                    server_span.set_attribute("http.response.status_code", status)
                    for key, value in bound().items():
                        server_span.set_attribute(f"chatkit.{key}", str(value))
                client = scope.get("client")
                access_log.info(
                    "%s %s %s", method, _shown_path(scope), status,
                    extra={"status": status, "route": route,
                           "duration_ms": round(elapsed * 1000, 2),
                           "client": client[0] if client else None})

    async def _until_shutdown(self, scope: Scope, receive: Receive, send: Send,
                              answer: dict[str, Any]) -> None:
        """Run a long-lived request (event stream, long-poll) until the server stops.

        Uvicorn waits for open connections before it shuts down; an event stream never
        ends by itself, so Ctrl-C would wait out the graceful-shutdown timeout and then
        print a cancelled stream's traceback. Here the stream ends cleanly instead.
        """
        async with anyio.create_task_group() as group:
            async def stop_at_shutdown() -> None:
                await self.on_shutdown()
                group.cancel_scope.cancel()

            group.start_soon(stop_at_shutdown)
            await self.app(scope, receive, send)
            group.cancel_scope.cancel()
        if group.cancel_scope.cancelled_caught or not answer["finished"]:
            with anyio.CancelScope(shield=True):
                await _end_at_shutdown(send, answer)


def _long_lived(scope: Scope) -> bool:
    return scope.get("method") == "GET" and (
        scope["path"].endswith("/events") or b"wait=" in scope.get("query_string", b""))


async def _end_at_shutdown(send: Send, answer: dict[str, Any]) -> None:
    if answer["finished"]:
        return
    if answer["started"]:
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return


    body = msgspec.json.encode(envelope(503, PROCESSING_ERROR,
                                        "the server is restarting; retry shortly"))
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"retry-after", b"2"),
        (b"connection", b"close"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body, "more_body": False})


# ---- GET /metrics ---------------------------------------------------------------------------


class ScrapeGauges:
    """Gauges read when scraped: turns by status (from the database) and the broker's queue
    depth. Cached for `GAUGE_CACHE_S`; a source that does not answer is left out (and its
    `chatkit_scrape_error` is 1) rather than failing the scrape."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.cached_at = 0.0
        self.values: dict[str, Any] = {}
        self.lock = asyncio.Lock()

    async def refresh(self) -> None:
        async with self.lock:
            if time.monotonic() - self.cached_at < GAUGE_CACHE_S:
                return
            values: dict[str, Any] = {"errors": {}}
            try:
                values["turns"] = await asyncio.wait_for(self._turns(), SCRAPE_TIMEOUT_S)
                values["errors"]["database"] = 0
            except Exception:
                log.warning("metrics: could not count turns", exc_info=True)
                values["errors"]["database"] = 1
            depth = self.state.get("queue_depth")
            if depth is not None:
                try:
                    values["queue"] = await asyncio.wait_for(depth(), SCRAPE_TIMEOUT_S)
                    values["errors"]["broker"] = 0
                except Exception:
                    log.warning("metrics: could not read the queue depth", exc_info=True)
                    values["errors"]["broker"] = 1
            self.values, self.cached_at = values, time.monotonic()

    async def _turns(self) -> dict[str, int]:
        async with self.state.server.sessions() as session:
            rows = await session.execute(select(Turn.status, func.count()).group_by(Turn.status))
            return {str(status): int(count) for status, count in rows}

    def collect(self) -> Iterator[Metric]:
        turns = self.values.get("turns")
        if turns is not None:
            family = GaugeMetricFamily("chatkit_turns", "Stored turns by status (database)",
                                       labels=["status"])
            for status in ("queued", "running", "completed", "failed"):
                family.add_metric([status], turns.get(status, 0))
            yield family
        if "queue" in self.values:
            yield GaugeMetricFamily("chatkit_queue_depth", "Kicks waiting in the broker's "
                                    "queue for a worker", value=self.values["queue"])
        errors = GaugeMetricFamily("chatkit_scrape_error", "1 when a scrape-time source did "
                                   "not answer", labels=["source"])
        for source, failed in self.values.get("errors", {}).items():
            errors.add_metric([source], failed)
        yield errors


def metrics_token_ok(expected: str | None, authorization: str | None) -> bool:
    """Whether `/metrics` may answer: no token configured, or the right bearer token."""
    if not expected:
        return True
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              expected.encode())


@get("/metrics", operation_id="metrics", tags=["ops"], include_in_schema=False,
     opt={"exclude_from_auth": True})
async def metrics_endpoint(request: Request[Any, Any, State]) -> Response[bytes]:
    """Prometheus text: requests, limits, turns, queue depth, worker figures (embedded)."""
    state = request.app.state
    token = state.settings.metrics_token
    if not metrics_token_ok(token.get_secret_value() if token else None,
                            request.headers.get("authorization")):
        raise ChatKitError(401, AUTH_ERROR, "metrics need the CHATKIT_METRICS_TOKEN bearer token",
                           {"WWW-Authenticate": "Bearer"})
    gauges: ScrapeGauges = state.scrape_gauges
    await gauges.refresh()
    body = await anyio.to_thread.run_sync(metrics.render, gauges)
    return Response(body, media_type=metrics.CONTENT_TYPE_LATEST)
