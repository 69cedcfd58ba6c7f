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
from api.errors import (
    EXCEPTION_HANDLERS,
    PROCESSING_ERROR,
    envelope_plain_errors,
    error_response,
)
from api.events import live_state, start_live, stop_live
from api.queue import celery_kick
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
from api.server import Kick, TurnIntake
from core.settings import Settings, get_settings
from store import Database

log = logging.getLogger("chatkit.api")


def auth_config(settings: Settings) -> AuthConfig:
    """Token verification settings: HS256 secret and/or Better Auth JWKS."""
    problem = settings.auth_problem()
    if problem:
        raise RuntimeError(problem)
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
) -> Litestar:
    """Build the API. Tests pass their own database, kick, verifier or limiter."""
    settings = settings or get_settings()
    database = database or Database(settings.resolved_database_url,
                                    statement_timeout_s=settings.statement_timeout_seconds)
    verifier = verifier or TokenVerifier(auth_config(settings))
    limiter = limiter or rate_limiter(settings)
    kick = kick or celery_kick(settings.redis_url or "memory://localhost/", settings.celery_queue)
    server = TurnIntake(
        database.async_sessions(), kick, max_input_chars=settings.max_input_chars,
        max_threads_per_user=settings.max_threads_per_user or None,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await start_live(app.state)
        purging = asyncio.create_task(_purge_idempotency_keys(server))
        try:
            yield
        finally:
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
                        ExportController,
                        *web_routes(settings)],
        dependencies={"server": Provide(provide_server, sync_to_thread=False)},
        middleware=[AdmissionMiddleware()],
        guards=[require_json_body],
        before_send=[envelope_plain_errors],
        exception_handlers=exception_handlers,
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["Content-Type", "Authorization", "X-Requested-With"],
            expose_headers=["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                            "Retry-After", "Location"],
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
        state=State({"server": server, "verifier": verifier, "database": database,
                     "limiter": limiter,
                     "settings": settings, **live_state(settings)}),
        lifespan=[lifespan],
    )
    document_common_errors(app)
    return app
