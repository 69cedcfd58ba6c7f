"""Authentication middleware: every request outside the public paths carries a valid JWT."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from api.auth import AuthError, AuthUnavailable, TokenVerifier
from api.errors import AUTH_ERROR, PROCESSING_ERROR, ChatKitError

PUBLIC_PATHS = {"/", "/health", "/ready", "/schema", "/static", "/favicon.ico"}


class JWTAuthMiddleware(AbstractAuthenticationMiddleware):
    """Verifies `Authorization: Bearer <jwt>`; the user id comes from the token, never a header."""

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        verifier: TokenVerifier = connection.app.state.verifier
        try:
            principal = await verifier.verify_header(connection.headers.get("authorization"))
        except AuthError as error:
            raise ChatKitError(401, AUTH_ERROR, error.message,
                               {"WWW-Authenticate": "Bearer"}) from None
        except AuthUnavailable:
            raise ChatKitError(503, PROCESSING_ERROR, "authentication keys are unavailable; "
                               "retry shortly", {"Retry-After": "2"}) from None
        return AuthenticationResult(user=principal.user_id, auth=principal)
