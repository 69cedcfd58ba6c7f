"""The app factory: routes, auth, errors, CORS, OpenAPI and dependencies in one place."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy import exc as sa_exc

from api.auth import AuthConfig, TokenVerifier
from api.chatkit import chatkit_protocol_routes
from api.edge import install_shutdown_announcer, shutdown_started
from api.errors import (
    EXCEPTION_HANDLERS,
    PROCESSING_ERROR,
    envelope_plain_errors,
    error_response,
)
from api.events import live_state, start_live, stop_live
from api.queue import celery_kick, queue_depth
from api.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter, redis_client
from api.routes import (
    ChatKitController,
    document_common_errors,
    health,
    provide_server,
    ready,
)
from api.routes_export import ExportController
from api.routes_tasks import TasksController
from api.routes_threads import ThreadsController
from api.routes_web import web_routes
from api.security import AdmissionMiddleware, require_json_body
from api.server import Kick, LimiterMemo, TurnIntake
from api.telemetry import RequestTelemetry, ScrapeGauges, metrics_endpoint
from core.clock import utcnow
from core.settings import Settings, get_settings
from store import Database
from store.ingest import TurnWriter

log = logging.getLogger("chatkit.api")


# Every method and request header the API uses (PATCH for tasks, Idempotency-Key on POSTs,
# Last-Event-ID to resume a stream, X-Request-ID to correlate logs).
CORS_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
CORS_HEADERS = ["Content-Type", "Authorization", "X-Requested-With", "Idempotency-Key",
                "Last-Event-ID", "X-Request-ID"]
CORS_EXPOSED = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                "Retry-After", "Location", "X-Request-ID"]


def auth_config(settings: Settings, *, dev_auth: bool = False) -> AuthConfig:
    """Token verification settings: HS256 secret and/or Better Auth JWKS.

    The generated development secret is used only with `dev_auth` (`chatkit-todo serve`).
    """
    if not settings.has_real_auth and not (dev_auth and settings.dev_auth):
        raise RuntimeError(settings.auth_problem() or
                           "no authentication configured: set CHATKIT_JWT_SECRET (HS256) or "
                           "CHATKIT_JWKS_URL (Better Auth); the generated development secret "
                           "is only for `chatkit-todo serve`")
    algorithms = tuple(settings.jwt_algorithms) if settings.jwt_algorithms else None
    return AuthConfig(
        secret=settings.resolved_jwt_secret(),
        jwks_url=settings.jwks_url,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithms=algorithms,
        leeway_s=settings.jwt_leeway_seconds,
        jwks_refetch_interval_s=settings.jwks_refetch_interval_seconds,
    )


def rate_limiter(settings: Settings) -> RateLimiter:
    """Per-user limits: in Redis when configured (exact across API processes), else in memory."""
    if settings.redis_url:
        return RedisRateLimiter(redis_client(settings.redis_url), owns_client=True,
                                prefix=settings.rate_limit_prefix,
                                per_minute=settings.rate_limit_per_minute,
                                max_concurrent=settings.max_concurrent)
    return MemoryRateLimiter(per_minute=settings.rate_limit_per_minute,
                             max_concurrent=settings.max_concurrent)


def _database_unavailable(_: Any, exc: Exception) -> Any:
    return error_response(503, PROCESSING_ERROR, "the database is unavailable; retry shortly",
                          {"Retry-After": "2"})


IDEMPOTENCY_PURGE_INTERVAL_S = 3600.0


async def _purge_idempotency_keys(server: TurnIntake) -> None:
    """Hourly: forget expired `Idempotency-Key`s (every API process may do it; it is cheap)."""
    while True:
        await asyncio.sleep(IDEMPOTENCY_PURGE_INTERVAL_S)
        try:
            await server.purge_idempotency_keys()
        except Exception:
            log.warning("could not purge expired idempotency keys", exc_info=True)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    kick: Kick | None = None,
    verifier: TokenVerifier | None = None,
    limiter: RateLimiter | None = None,
    dev_auth: bool = False,
    serve_metrics: bool = True,
) -> Litestar:
    """Build the API. Tests pass their own database, kick, verifier or limiter.

    `dev_auth` (only `chatkit-todo serve` sets it): without real auth configured, sign
    with the generated development secret and serve `POST /api/dev/token`. `serve_metrics`:
    answer `GET /metrics` here (off when the metrics have a port of their own).
    """
    settings = settings or get_settings()
    dev_auth = dev_auth and settings.dev_auth
    database = database or Database(settings.resolved_database_url,
                                    statement_timeout_s=settings.statement_timeout_seconds)
    verifier = verifier or TokenVerifier(auth_config(settings, dev_auth=dev_auth))
    limiter = limiter or rate_limiter(settings)
    broker_url = settings.redis_url or "memory://localhost/"
    kick = kick or celery_kick(broker_url, settings.celery_queue)
    writer = None if database.is_sqlite else TurnWriter(
        database.async_engine, clock=utcnow,
        max_threads_per_user=settings.max_threads_per_user or None,
        window_s=settings.ingest_group_commit_ms / 1000)
    server = TurnIntake(
        database.async_sessions(), kick, max_input_chars=settings.max_input_chars,
        max_threads_per_user=settings.max_threads_per_user or None, writer=writer,
        memo=LimiterMemo(limiter),
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await start_live(app.state)
        purging = asyncio.create_task(_purge_idempotency_keys(server))
        restore_signals = install_shutdown_announcer()
        try:
            yield
        finally:
            restore_signals()
            purging.cancel()
            await stop_live(app.state)
            await verifier.aclose()
            await limiter.aclose()
            await database.aclose()

    exception_handlers = dict(EXCEPTION_HANDLERS)
    # OSError: asyncpg's refused or timed-out connects arrive unwrapped by SQLAlchemy.
    for db_error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                     OSError):
        exception_handlers[db_error] = _database_unavailable

    app = Litestar(
        route_handlers=[ChatKitController, health, ready, ThreadsController, TasksController,
                        ExportController, *chatkit_protocol_routes(settings),
                        *([metrics_endpoint] if serve_metrics else []),
                        *web_routes(settings, dev_auth=dev_auth)],
        dependencies={"server": Provide(provide_server, sync_to_thread=False)},
        middleware=[AdmissionMiddleware()],
        guards=[require_json_body],
        before_send=[envelope_plain_errors],
        exception_handlers=exception_handlers,
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_methods=CORS_METHODS,  # type: ignore[arg-type]
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            allow_credentials=False,
        ),
        openapi_config=OpenAPIConfig(
            title="chatkit-todo",
            version="0.1.0",
            description="Chat-driven todo backend: messages and widget actions in, "
            "widget trees out.",
            components=Components(security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }),
        ),
        request_max_body_size=settings.max_body_bytes,
        logging_config=None,  # core.logs formats every logger; Litestar's would replace it
        state=State({"server": server, "verifier": verifier, "database": database,
                     "limiter": limiter, "dev_auth": dev_auth,
                     "queue_depth": queue_depth(broker_url, settings.celery_queue),
                     "settings": settings, **live_state(settings)}),
        lifespan=[lifespan],
    )
    app.state.scrape_gauges = ScrapeGauges(app.state)
    document_common_errors(app)
    # Outermost, around Litestar's own CORS and routing, so every answer is counted and
    # logged (unknown routes and refused preflights too).
    app.asgi_handler = RequestTelemetry(app.asgi_handler, on_shutdown=shutdown_started)
    return app


def production_app() -> Litestar:
    """The factory `chatkit-todo api` serves (in each uvicorn worker process): our logging
    and traces, real auth only, `/metrics` here unless it has a port of its own."""
    from core.logs import configure_logging
    from core.telemetry import setup_tracing

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    setup_tracing(settings)
    return create_app(settings, serve_metrics=settings.metrics_port is None)
