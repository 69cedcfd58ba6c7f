"""Admission control for every route: who is calling (JWT), and may they call now (limits).

One middleware, because the two decisions depend on each other: a verified token is
limited per user (requests in any 60 s window, and requests in flight), and anything
else is limited per client address, so a flood of bad tokens costs its sender 429s and
never touches a real user's budget. The user id comes from the verified token only,
never from a header or the body.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import MSG_MISSING, AuthError, AuthUnavailable, TokenVerifier
from api.errors import (
    AUTH_ERROR,
    PROCESSING_ERROR,
    RATE_LIMIT_ERROR,
    VALIDATION_ERROR,
    ChatKitError,
)
from api.ratelimit import (
    REASON_CONCURRENCY,
    RateDecision,
    RateLimitBackendError,
    RateLimiter,
    user_key,
)
from core import metrics
from core.logs import bind_user
from store.idempotency import memo_name

log = logging.getLogger("chatkit.api")

# Answered without a token. `/health` is also exempt from rate limits (liveness probes).
PUBLIC_PATHS = {"/", "/health", "/ready", "/schema", "/static", "/favicon.ico", "/metrics"}
PUBLIC_PREFIXES = ("/schema/", "/static/")
UNLIMITED_PATHS = {"/health"}

# Route `opt` keys: `exclude_from_auth` (Litestar's own name) makes a route public;
# `exclude_from_concurrency` keeps long-lived responses (event streams) out of the
# in-flight count while still counting them in the per-minute window.
OPT_PUBLIC = "exclude_from_auth"
OPT_NO_CONCURRENCY = "exclude_from_concurrency"

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
RETRY_AFTER_UNAVAILABLE = "2"
# Where the middleware leaves what the limiter remembered for a POST's `Idempotency-Key`
# (read in the same Redis round trip as the limits): see `recalled`.
_RECALLED = "chatkit.idempotency_recalled"


def recalled(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The answer cached for this request's `Idempotency-Key`, if the limiter had one."""
    value = connection.scope.get(_RECALLED)
    return value if isinstance(value, str) else None


def rate_headers(decision: RateDecision) -> dict[str, str]:
    """The contract's rate-limit headers for a decision (`Reset`: epoch seconds)."""
    return {
        "X-RateLimit-Limit": str(decision.limit),
        "X-RateLimit-Remaining": str(decision.remaining),
        "X-RateLimit-Reset": str(decision.reset_epoch),
    }


def _too_many(decision: RateDecision, who: str) -> ChatKitError:
    metrics.RATE_LIMITED.labels("address" if who == "this address" else "user",
                                "concurrency" if decision.reason == REASON_CONCURRENCY
                                else "window").inc()
    if decision.reason == REASON_CONCURRENCY:
        message = (f"too many requests in flight for {who} (at most {decision.limit} at once); "
                   "retry when one finishes")
    else:
        message = (f"rate limit exceeded for {who} ({decision.limit} requests per minute); "
                   f"retry in {decision.retry_after_s} s")
    headers = {**rate_headers(decision), "Retry-After": str(decision.retry_after_s)}
    return ChatKitError(429, RATE_LIMIT_ERROR, message, headers)


def _unavailable(message: str) -> ChatKitError:
    return ChatKitError(503, PROCESSING_ERROR, message, {"Retry-After": RETRY_AFTER_UNAVAILABLE})


def is_public_route(path: str, handler: BaseRouteHandler | None) -> bool:
    """Answered without a token: the public paths and routes marked `exclude_from_auth`."""
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
        return True
    return bool(handler is not None and handler.opt.get(OPT_PUBLIC))


def _marked_public_only(scope: Scope) -> bool:
    """Public through its route's `exclude_from_auth`, not through a public path."""
    path = scope["path"]
    return not (path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES))


def is_public(scope: Scope) -> bool:
    """Whether this request's route needs no token."""
    return is_public_route(scope["path"], scope.get("route_handler"))


def client_address(scope: Scope) -> str:
    """The peer address; behind a proxy listed in `CHATKIT_FORWARDED_ALLOW_IPS`, the client's
    (uvicorn takes it from `X-Forwarded-For` only for those proxies)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class AdmissionMiddleware(ASGIMiddleware):
    """Authenticate, then rate-limit; adds the X-RateLimit-* headers to every limited answer.

    Reads the verifier and the limiter from `app.state` (`verifier`, `limiter`), so tests
    swap them like any other dependency.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Admit the request (or raise 401/429/503) and pass it on with the rate headers."""
        if scope.get("method") == "OPTIONS":  # CORS preflights and `Allow` answers carry no token
            await next_app(scope, receive, send)
            return
        state = scope["litestar_app"].state
        limiter: RateLimiter = state.limiter
        # A route marked public that can also take a bearer header (event streams accept
        # query tokens too) is admitted per user when the header is there: counted in the
        # user's window, with the rate headers, like any authenticated request.
        if is_public(scope) and not (_marked_public_only(scope)
                                     and _header(scope, b"authorization") is not None):
            if scope["path"] not in UNLIMITED_PATHS:
                await self._limit_public(limiter, scope)
            await next_app(scope, receive, send)
            return

        verifier: TokenVerifier = state.verifier
        try:
            principal = await verifier.verify_header(_header(scope, b"authorization"))
        except AuthError as error:
            # Unauthenticated traffic is limited per address; a valid token never is.
            decision = await self._acquire(limiter, f"addr:{client_address(scope)}", False)
            if not decision.allowed:
                raise _too_many(decision, "this address") from None
            # RFC 6750: no error code when no credentials were sent at all.
            challenge = "Bearer" if error.message == MSG_MISSING else 'Bearer error="invalid_token"'
            raise ChatKitError(401, AUTH_ERROR, error.message,
                               {"WWW-Authenticate": challenge}) from None
        except AuthUnavailable:
            raise _unavailable("authentication keys are unavailable; retry shortly") from None

        handler = scope.get("route_handler")
        count_concurrency = not (handler is not None and handler.opt.get(OPT_NO_CONCURRENCY))
        key = user_key(principal.user_id)
        idempotency_key = (_header(scope, b"idempotency-key")
                           if scope.get("method") == "POST" else None)
        recall = memo_name(idempotency_key) if idempotency_key is not None else None
        decision = await self._acquire(limiter, key, count_concurrency, recall)
        if not decision.allowed:
            raise _too_many(decision, "this user")
        if decision.recalled is not None:
            scope[_RECALLED] = decision.recalled  # type: ignore[literal-required]
        scope["user"] = principal.user_id
        scope["auth"] = principal
        bind_user(principal.user_id)
        headers = rate_headers(decision)

        async def send_with_rate_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                mutable = MutableScopeHeaders.from_message(message)
                for name, value in headers.items():
                    mutable[name] = value
            await send(message)

        try:
            await next_app(scope, receive, send_with_rate_headers)
        finally:
            if decision.token is not None:
                try:
                    await limiter.release(key, decision.token)
                except RateLimitBackendError:
                    # The slot expires by itself (the in-flight TTL); nothing stays stuck.
                    log.warning("could not release an in-flight slot of %s", key)

    @staticmethod
    async def _limit_public(limiter: RateLimiter, scope: Scope) -> None:
        # Public routes touch no user's data: with the limiter down they stay open, so
        # /ready can say precisely what is unreachable.
        try:
            decision = await limiter.acquire(f"addr:{client_address(scope)}",
                                             count_concurrency=False)
        except RateLimitBackendError:
            return
        if not decision.allowed:
            raise _too_many(decision, "this address")

    @staticmethod
    async def _acquire(limiter: RateLimiter, key: str, count_concurrency: bool,
                       recall: str | None = None) -> RateDecision:
        try:
            return await limiter.acquire(key, count_concurrency=count_concurrency, recall=recall)
        except RateLimitBackendError:
            log.warning("rate limiter unavailable", exc_info=True)
            raise _unavailable("the service is temporarily unavailable (rate limiter "
                               "unreachable); retry shortly") from None


def require_json_body(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: a request that carries a body must declare it JSON (else 415, before parsing)."""
    headers = connection.headers
    has_body = headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in headers
    if not has_body:
        return
    media_type, _sep, params = headers.get("content-type", "").partition(";")
    media_type = media_type.strip().lower()
    charset = params.strip().lower().removeprefix("charset=").strip('"') if params else "utf-8"
    if (media_type == "application/json" or media_type.endswith("+json")) and charset in (
        "utf-8", "utf8", ""
    ):
        return
    raise ChatKitError(415, VALIDATION_ERROR, "unsupported Content-Type "
                       f"{headers.get('content-type') or '(none)'!r}: send application/json")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


__all__ = [
    "OPT_NO_CONCURRENCY",
    "OPT_PUBLIC",
    "PUBLIC_PATHS",
    "RATE_HEADERS",
    "AdmissionMiddleware",
    "client_address",
    "is_public",
    "is_public_route",
    "rate_headers",
    "recalled",
    "require_json_body",
]

