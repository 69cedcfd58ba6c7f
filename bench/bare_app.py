"""The ingest baseline: a bare Litestar endpoint answering `POST /api/chatkit/respond`.

Same wire shape as the product (the request parsed into the same msgspec struct, the
same 202 body and `Location` header), served by the same ASGI server with the same
process count, but no auth, no database, no queue. `ingest_ratio` = product / this.

Serve with e.g. `uvicorn bench.bare_app:create_bare_app --factory`.
"""

from __future__ import annotations

import secrets

from litestar import Litestar, Response, get, post
from litestar.params import JSONBody

from api.schemas import RespondAccepted, RespondRequest


@post("/api/chatkit/respond", status_code=202)
async def respond(data: JSONBody[RespondRequest]) -> Response[RespondAccepted]:
    """Answer like the product would, having done none of its work."""
    response_id = f"resp_{secrets.token_hex(10)}"
    return Response(
        RespondAccepted("success", data.thread_id, response_id),
        status_code=202,
        headers={"Location": f"/api/chatkit/responses/{response_id}"},
    )


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_bare_app() -> Litestar:
    """The baseline app (a factory, like `api.app:create_app`, so both start the same way)."""
    return Litestar(route_handlers=[respond, health], openapi_config=None)
