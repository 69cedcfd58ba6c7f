"""The bundled web client (`GET /`, `/static/*`) and, for `chatkit-todo serve` without real
auth only, `POST /api/dev/token`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import Parameter
from litestar.response import File
from litestar.types import ControllerRouterHandler

from api.auth import mint_token
from api.errors import VALIDATION_ERROR, ChatKitError
from core.errors import Problem
from core.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The page's assets, fixed at start-up: a request names one of these or gets a 404, and no
# client-supplied path ever reaches the file system.
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".svg": "image/svg+xml"}
ASSETS = {path.name: path for path in sorted(STATIC_DIR.iterdir())
          if path.is_file() and path.suffix in _MEDIA_TYPES}
DEV_TOKEN_TTL_SECONDS = 12 * 3600
_PUBLIC = {"exclude_from_auth": True}
# The page loads only its own script, styles and icon, talks only to this origin, and may
# not be framed (clickjacking). Tokens live in the tab, so injected script must not run.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class DevTokenRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    user: Annotated[str, msgspec.Meta(min_length=1, max_length=64,
                                      pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")] = "dev-user"


class DevToken(msgspec.Struct):
    token: str
    user: str
    expires_in: int


@get("/", operation_id="webClient", tags=["web"], include_in_schema=False, opt=_PUBLIC)
async def index() -> File:
    """The single-page web client."""
    return File(STATIC_DIR / "index.html", content_disposition_type="inline",
                media_type="text/html", headers=PAGE_HEADERS)


@get("/favicon.ico", operation_id="favicon", tags=["web"], include_in_schema=False,
     opt=_PUBLIC)
async def favicon() -> File:
    """The page's icon, for clients that ask for it by its traditional name."""
    return File(STATIC_DIR / "favicon.svg", content_disposition_type="inline",
                media_type="image/svg+xml")


@get("/static/{name:str}", operation_id="webAsset", tags=["web"], include_in_schema=False,
     opt=_PUBLIC)
async def asset(name: Annotated[str, Parameter(description="file name")]) -> File:
    """One of the page's assets (script, styles, icon)."""
    path = ASSETS.get(name)
    if path is None:
        raise Problem.NOT_FOUND.error("no such file")
    return File(path, content_disposition_type="inline", media_type=_MEDIA_TYPES[path.suffix])


@post("/api/dev/token", operation_id="devToken", tags=["web"], status_code=201, opt=_PUBLIC,
      summary="Dev mode only: a token for any user name (absent when real auth is set up)")
async def dev_token(request: Request[Any, Any, State], data: DevTokenRequest) -> DevToken:
    settings: Settings = request.app.state.settings
    secret = settings.resolved_jwt_secret()
    if not secret or not request.app.state.dev_auth:  # registered only then; belt and braces
        raise ChatKitError(404, VALIDATION_ERROR, "dev sign-in is disabled")
    token = mint_token(secret, data.user, ttl_s=DEV_TOKEN_TTL_SECONDS,
                       issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    return DevToken(token=token, user=data.user, expires_in=DEV_TOKEN_TTL_SECONDS)


def web_routes(settings: Settings, *, dev_auth: bool = False) -> list[ControllerRouterHandler]:
    """The page, its assets, and the dev token endpoint with `dev_auth` (`serve` only)."""
    routes: list[ControllerRouterHandler] = [
        index,
        favicon,
        asset,
    ]
    if dev_auth and settings.dev_auth:
        routes.append(dev_token)
    return routes
