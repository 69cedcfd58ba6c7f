"""The durable-write floor: the least a durable ingest must do, under the same server.

`POST /api/chatkit/respond` parses the request into the product's struct, runs one
INSERT of a turn-sized row on PostgreSQL (asyncpg, a prepared statement, no ORM, no
auth, no rate limit, no queue) whose implicit transaction COMMITs before the answer
(`synchronous_commit` as the server is configured), and returns the product's 202
body and `Location` header. `ingest_floor_ratio` = product req/s / this.

Serve with e.g. `uvicorn bench.floor_app:create_floor_app --factory`
(`CHATKIT_DATABASE_URL` names the database; the table is created at start-up).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from litestar import Litestar, Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from api.schemas import RespondAccepted, RespondRequest

# The columns a stored turn has (store/models.py: Turn), filled as the product fills them.
CREATE = """
CREATE TABLE IF NOT EXISTS bench_floor_turns (
    id varchar(40) PRIMARY KEY,
    thread_id varchar(128) NOT NULL,
    user_id varchar(255) NOT NULL,
    seq integer NOT NULL,
    kind varchar(16) NOT NULL,
    input text,
    meta jsonb,
    status varchar(16) NOT NULL,
    attempts integer NOT NULL,
    created_at timestamptz NOT NULL
)
"""
INSERT = (
    "INSERT INTO bench_floor_turns "
    "(id, thread_id, user_id, seq, kind, input, meta, status, attempts, created_at) "
    "VALUES ($1, $2, $3, 1, 'message', $4, $5::jsonb, 'queued', 0, $6)"
)


def _dsn() -> str:
    url = os.environ["CHATKIT_DATABASE_URL"]
    return url.replace("postgresql+asyncpg://", "postgresql://").replace(
        "postgresql+psycopg://", "postgresql://")


@asynccontextmanager
async def _pool(app: Litestar) -> AsyncIterator[None]:
    # The product's API pool holds up to 20 connections (store/db.py): the same here.
    pool = await asyncpg.create_pool(_dsn(), min_size=10, max_size=20)
    async with pool.acquire() as conn:
        await conn.execute(CREATE)
    app.state.pool = pool
    try:
        yield
    finally:
        await pool.close()


@post("/api/chatkit/respond", status_code=202)
async def respond(data: JSONBody[RespondRequest], state: State) -> Response[RespondAccepted]:
    """Store the turn (one INSERT, committed) and answer like the product."""
    response_id = f"resp_{secrets.token_hex(10)}"
    async with state.pool.acquire() as conn:
        await conn.execute(INSERT, response_id, data.thread_id, "floor", data.input,
                           json.dumps({}), dt.datetime.now(dt.UTC))
    return Response(
        RespondAccepted("success", data.thread_id, response_id),
        status_code=202,
        headers={"Location": f"/api/chatkit/responses/{response_id}"},
    )


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_floor_app() -> Litestar:
    """The floor app (a factory, like `api.app:create_app`, so both start the same way)."""
    return Litestar(route_handlers=[respond, health], openapi_config=None,
                    lifespan=[_pool])
