"""The app factory: routes, auth, errors, CORS, OpenAPI and dependencies in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from sqlalchemy import exc as sa_exc

from api.auth import AuthConfig, TokenVerifier
from api.errors import EXCEPTION_HANDLERS, PROCESSING_ERROR, error_response
from api.queue import celery_kick
from api.routes import ChatKitController, health, provide_server
from api.security import PUBLIC_PATHS, JWTAuthMiddleware
from api.server import ChatKitServer, Kick
from chatkit_todo.settings import Settings, get_settings
from store import Database


def auth_config(settings: Settings) -> AuthConfig:
    """Token verification settings: HS256 secret and/or Better Auth JWKS."""
    algorithms = tuple(settings.jwt_algorithms) if settings.jwt_algorithms else None
    return AuthConfig(
        secret=settings.resolved_jwt_secret(),
        jwks_url=settings.jwks_url,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithms=algorithms,
    )


def _database_unavailable(_: Any, exc: Exception) -> Any:
    return error_response(503, PROCESSING_ERROR, "the database is unavailable; retry shortly",
                          {"Retry-After": "2"})


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    kick: Kick | None = None,
    verifier: TokenVerifier | None = None,
) -> Litestar:
    """Build the API. Tests pass their own database, kick or verifier."""
    settings = settings or get_settings()
    database = database or Database(settings.resolved_database_url)
    verifier = verifier or TokenVerifier(auth_config(settings))
    kick = kick or celery_kick(settings.redis_url or "memory://localhost/", settings.celery_queue)
    server = ChatKitServer(
        database.async_sessions(), kick, max_input_chars=settings.max_input_chars
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await verifier.aclose()
            await database.aclose()

    exception_handlers = dict(EXCEPTION_HANDLERS)
    for db_error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        exception_handlers[db_error] = _database_unavailable

    return Litestar(
        route_handlers=[ChatKitController, health],
        dependencies={"server": Provide(provide_server, sync_to_thread=False)},
        middleware=[
            DefineMiddleware(JWTAuthMiddleware, exclude=[f"^{p}$" for p in PUBLIC_PATHS]
                             + ["^/schema"]),
        ],
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
                     "settings": settings}),
        lifespan=[lifespan],
    )
