"""The contract's edges against hostile clients, in both modes.

`embedded`: SQLite and in-memory limits. `production`: the machine's PostgreSQL and Redis
(skipped without them, mandatory in CI). Tokens come from a real local JWKS server with an
Ed25519 key, Better Auth style (`iss` = `aud` = its base URL); an HS256 secret is
configured too. Every rejection is checked for its status and the contract's envelope.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
import redis
from chatkit_testing import TEST_SECRET, find_widget
from cryptography.hazmat.primitives import serialization
from jwks_testing import JwksServer, SigningKey, b64u, better_auth_claims, raw_token
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, select

from api.app import create_app
from api.auth import mint_token
from core.settings import Settings
from store import Database, Task, Turn
from store.migrate import upgrade
from store.models import OfferedAction
from workers.processing import ThreadProcessor

MODES = ["embedded", "production"]
# Checks decided at the edge, before any database or Redis is involved, run in one mode.
EDGE_ONLY = pytest.mark.parametrize("module_stack", ["embedded"], indirect=True)
MAX_BODY = 1024 * 1024


@dataclass
class Stack:
    """An app under test plus what the tests need to reach around it.

    One database serves a module's tests; each test gets its own `run` suffix for user
    and thread names and its own rate-limit keys, so tests cannot see each other.
    """

    settings: Settings
    database: Database
    jwks: JwksServer
    key: SigningKey
    run: str = ""

    def user(self, name: str) -> str:
        return f"{name}-{self.run}"

    def thread(self, name: str) -> str:
        return f"{name}-{self.run}"

    def token(self, user: str, **claims: Any) -> str:
        """A Better Auth style EdDSA token for this test's `user` (claims override)."""
        user = self.user(user)
        return self.key.sign(better_auth_claims(self.jwks.base_url, sub=user, id=user, **claims))

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def app(self, **overrides: Any) -> Litestar:
        """A fresh app on this stack; turns are processed at once by a real ThreadProcessor."""
        processor = ThreadProcessor(self.database.sync_sessions())

        async def kick(thread_id: str) -> None:
            await anyio.to_thread.run_sync(processor.drain, thread_id)

        prefix = f"{self.settings.rate_limit_prefix}{self.run}:"
        settings = self.settings.model_copy(update={"rate_limit_prefix": prefix, **overrides})
        return create_app(settings, database=self.database, kick=kick)

    def count_turns(self, thread_id: str) -> int:
        with self.database.sync_sessions()() as session:
            return int(session.scalar(select(func.count()).select_from(Turn)
                                      .where(Turn.thread_id == thread_id)) or 0)


@pytest.fixture(scope="module")
def jwks() -> Iterator[tuple[JwksServer, SigningKey]]:
    server = JwksServer()
    key = SigningKey("EdDSA")  # Better Auth's default: Ed25519, `alg` and `kid` in the JWK
    server.keys = [key.jwk]
    try:
        yield server, key
    finally:
        server.stop()


@pytest.fixture(scope="module", params=MODES)
def module_stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 jwks: tuple[JwksServer, SigningKey]) -> Iterator[Stack]:
    server, key = jwks
    prefix = f"test:chatkit:rl:{secrets.token_hex(6)}:"
    tmp_path = tmp_path_factory.mktemp("hostile")
    if request.param == "embedded":
        database_url, redis_url = f"sqlite:///{tmp_path / 'chatkit.db'}", None
    else:
        database_url = request.getfixturevalue("pg_url_module")
        redis_url = request.getfixturevalue("redis_url")
    settings = Settings(data_dir=tmp_path, database_url=database_url, redis_url=redis_url,
                        jwt_secret=TEST_SECRET, jwks_url=server.url,
                        jwt_issuer=server.base_url, jwt_audience=server.base_url,
                        rate_limit_prefix=prefix)
    upgrade(database_url)
    database = Database(database_url)
    try:
        yield Stack(settings, database, server, key)
    finally:
        database.close()
        if redis_url:
            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
            client.close()


@pytest.fixture
def stack(module_stack: Stack) -> Stack:
    """The module's stack, with names and rate-limit keys of this test's own."""
    return dataclasses.replace(module_stack, run=secrets.token_hex(4))


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(stack.app()) as test_client:
        yield test_client


@contextlib.asynccontextmanager
async def concurrent_client(stack: Stack, kick: Any = None) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the app in this event loop: requests really overlap, and bodies
    stream (Litestar's test client runs one request at a time and reads bodies whole)."""
    app = stack.app()
    if kick is not None:
        app.state.server.kick = kick
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        await stack.database.aclose()  # its async engine belongs to this event loop


def assert_envelope(response: httpx.Response, status: int, kind: str, says: str = "") -> None:
    """The status, and the contract's envelope with `code` equal to it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"] and set(body["error"]) == {"type", "message", "code"}
    assert body["error"]["code"] == status
    assert body["error"]["type"] == kind
    assert says.lower() in body["error"]["message"].lower()


async def respond(client: AsyncTestClient[Litestar], headers: dict[str, str],
                  thread: str, text: str = "add buy milk") -> httpx.Response:
    return await client.post("/api/chatkit/respond", headers=headers,
                             json={"thread_id": thread, "input": text})


async def complete_button(client: AsyncTestClient[Litestar], headers: dict[str, str],
                          thread: str) -> dict[str, Any]:
    """The action body of the first Complete button of the thread's task list, as clicked."""
    listed = await respond(client, headers, thread=thread, text="show my tasks")
    assert listed.status_code == 202, listed.text
    result = (await client.get(listed.headers["location"], headers=headers)).json()
    button = find_widget(result["widgets"][0], lambda node: node["type"] == "button"
                         and node["props"]["action"]["type"] == "task_complete")[0]
    return {"thread_id": thread, "action": {"type": "task_complete", "widget_id": button["id"],
                                            "payload": button["props"]["action"]["payload"]}}


# -- authentication -----------------------------------------------------------------------


def _public_key_bytes(stack: Stack) -> bytes:
    return bytes(stack.key.private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def _tampered(stack: Stack) -> str:
    header, _payload, signature = stack.token("user-a").split(".")
    forged = better_auth_claims(stack.jwks.base_url, sub="user-b", id="user-b")
    return f"{header}.{b64u(json.dumps(forged).encode())}.{signature}"


BAD_CREDENTIALS: dict[str, tuple[Callable[[Stack], str | None], str]] = {
    # name: (the Authorization header value, what the 401's message says)
    "alg none": (lambda s: "Bearer " + raw_token(
        {"alg": "none", "typ": "JWT"}, better_auth_claims(s.jwks.base_url), None),
        "algorithm not allowed"),
    "HS256 signed with the JWKS public key": (lambda s: "Bearer " + raw_token(
        {"alg": "HS256", "kid": s.key.kid}, better_auth_claims(s.jwks.base_url),
        _public_key_bytes(s)), "bad signature"),
    "expired": (lambda s: "Bearer " + s.token(
        "user-a", iat=int(time.time()) - 3600, exp=int(time.time()) - 600), "expired"),
    "nbf in the future": (lambda s: "Bearer " + s.token(
        "user-a", nbf=int(time.time()) + 600), "not yet valid"),
    "wrong iss": (lambda s: "Bearer " + s.token("user-a", iss="https://evil.example"),
                  "wrong issuer"),
    "wrong aud": (lambda s: "Bearer " + s.token("user-a", aud="https://other.example"),
                  "wrong audience"),
    "unknown kid": (lambda s: "Bearer " + SigningKey("EdDSA").sign(
        better_auth_claims(s.jwks.base_url)), "unknown signing key"),
    "tampered payload": (lambda s: "Bearer " + _tampered(s), "bad signature"),
    "missing header": (lambda s: None, "missing bearer token"),
    "Basic scheme": (lambda s: "Basic dXNlci1hOnB3", "malformed Authorization header"),
    "10 KB token": (lambda s: "Bearer " + "e" * 10 * 1024, "token too large"),
}


@pytest.mark.parametrize("case", list(BAD_CREDENTIALS))
async def test_bad_credentials_are_401_saying_why(
    stack: Stack, client: AsyncTestClient[Litestar], case: str
) -> None:
    make_header, says = BAD_CREDENTIALS[case]
    header = make_header(stack)
    headers = {} if header is None else {"Authorization": header}
    response = await respond(client, headers, thread=stack.thread("hostile"))
    assert_envelope(response, 401, "AUTH_ERROR", says)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "x-ratelimit-limit" not in response.headers  # nobody's budget was touched


async def test_better_auth_and_hs256_tokens_are_both_accepted(
    stack: Stack, client: AsyncTestClient[Litestar]
) -> None:
    response = await respond(client, stack.auth("user-a"), thread=stack.thread("ba-thread"))
    assert response.status_code == 202, response.text
    hs256 = mint_token(TEST_SECRET, stack.user("user-a"), issuer=stack.jwks.base_url,
                       audience=stack.jwks.base_url)
    response = await respond(client, {"Authorization": f"Bearer {hs256}"},
                             thread=stack.thread("ba-thread"))
    assert response.status_code == 202, response.text  # same user, same thread: owned


async def test_user_id_claim_wins_over_sub(stack: Stack, client: AsyncTestClient[Litestar]
                                           ) -> None:
    response = await respond(client, stack.auth("user-a"), thread=stack.thread("claims-thread"))
    assert response.status_code == 202
    other = stack.key.sign(better_auth_claims(stack.jwks.base_url, sub=stack.user("user-a"),
                                              user_id=stack.user("user-b")))
    response = await respond(client, {"Authorization": f"Bearer {other}"},
                             thread=stack.thread("claims-thread"))
    assert_envelope(response, 403, "AUTH_ERROR", "another user")


# -- authorization ------------------------------------------------------------------------


async def test_user_b_cannot_touch_user_a_thread(stack: Stack,
                                                 client: AsyncTestClient[Litestar]) -> None:
    alice, bob = stack.auth("user-a"), stack.auth("user-b")
    sent = await respond(client, alice, thread=stack.thread("a-thread"))
    assert sent.status_code == 202
    response_id = sent.json()["response_id"]
    click = await complete_button(client, alice, stack.thread("a-thread"))
    clicked = await client.post("/api/chatkit/action", headers=alice, json=click)
    assert clicked.status_code == 202, clicked.text
    action_id = clicked.json()["action_id"]

    assert_envelope(await respond(client, bob, thread=stack.thread("a-thread")), 403, "AUTH_ERROR",
                    "another user")
    assert_envelope(await client.post("/api/chatkit/action", headers=bob, json=click),
                    403, "AUTH_ERROR", "another user")
    # Results of another user are 404, exactly like ids that never existed.
    missing = await client.get("/api/chatkit/responses/resp_00000000000000000000", headers=bob)
    assert_envelope(missing, 404, "NOT_FOUND")
    assert_envelope(await client.get(f"/api/chatkit/responses/{response_id}", headers=bob),
                    404, "NOT_FOUND")
    assert_envelope(await client.get(f"/api/chatkit/actions/{action_id}", headers=bob),
                    404, "NOT_FOUND")
    history = f"/api/chatkit/threads/{stack.thread('a-thread')}"
    assert_envelope(await client.get(history, headers=bob), 403, "AUTH_ERROR")
    assert_envelope(await client.delete(history, headers=bob), 403, "AUTH_ERROR")
    # Nothing of alice's changed: her three turns, her results.
    assert stack.count_turns(stack.thread("a-thread")) == 3
    assert (await client.get(f"/api/chatkit/responses/{response_id}", headers=alice)
            ).status_code == 200


async def test_an_action_only_touches_the_callers_own_tasks(
    stack: Stack, client: AsyncTestClient[Litestar]
) -> None:
    alice, bob = stack.auth("user-a"), stack.auth("user-b")
    added = await respond(client, alice, thread=stack.thread("a-tasks"), text="add pay rent")
    assert added.status_code == 202
    with stack.database.sync_sessions()() as session:
        task_id = session.scalars(select(Task.id).where(Task.user_id == stack.user("user-a"))
                                  ).one()
    # Bob names alice's task id from his own thread, as a crafted click would.
    response = await client.post("/api/chatkit/action", headers=bob, json={
        "thread_id": stack.thread("b-thread"), "action": {"type": "task_complete", "widget_id":
                                            f"complete_task_btn_{task_id}",
                                            "payload": {"task_id": task_id}}})
    assert response.status_code in (202, 422), response.text
    with stack.database.sync_sessions()() as session:
        task = session.get(Task, task_id)
        assert task is not None and task.completed is False
        assert task.user_id == stack.user("user-a")


# -- bodies -------------------------------------------------------------------------------


def _body_of_size(size: int) -> bytes:
    frame = b'{"thread_id":"big","input":"' + b'"}'
    return frame[:-2] + b"x" * (size - len(frame)) + frame[-2:]


@EDGE_ONLY
async def test_body_over_1_mib_is_413(stack: Stack, client: AsyncTestClient[Litestar]) -> None:
    body = _body_of_size(MAX_BODY + 1)
    assert len(body) == MAX_BODY + 1
    response = await client.post("/api/chatkit/respond", content=body, headers={
        **stack.auth("user-a"), "Content-Type": "application/json"})
    assert_envelope(response, 413, "VALIDATION_ERROR", "at most 1048576 bytes")


@EDGE_ONLY
async def test_chunked_body_over_the_limit_is_413(stack: Stack) -> None:
    """No Content-Length to trust: the count of streamed bytes stops it at the limit."""
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        body = _body_of_size(4 * MAX_BODY)
        for start in range(0, len(body), 64 * 1024):
            sent += 64 * 1024
            yield body[start:start + 64 * 1024]

    async with concurrent_client(stack) as client:
        response = await client.post("/api/chatkit/respond", content=chunks(), headers={
            **stack.auth("user-a"), "Content-Type": "application/json"})
    assert_envelope(response, 413, "VALIDATION_ERROR")
    assert sent < 2 * MAX_BODY  # the rest was never read


@EDGE_ONLY
@pytest.mark.parametrize(
    ("content", "content_type", "status", "says"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "application/json", 422, "nested too deeply"),
        (b'{"thread_id":"t1","input":"caf\xe9 \xff"}', "application/json", 422, "UTF-8"),
        (b'{"thread_id":"t1","input":"hi"}', "text/plain", 415, "application/json"),
        (b'{"thread_id":"t1","input":"hi"}', None, 415, "application/json"),
        (b'{"thread_id": stack.thread("t1"), "input": ', "application/json", 422, "body"),
    ],
    ids=["nested 10000 deep", "invalid UTF-8", "text/plain", "no content type", "truncated"],
)
async def test_hostile_bodies_are_4xx(
    stack: Stack, client: AsyncTestClient[Litestar], content: bytes, content_type: str | None,
    status: int, says: str,
) -> None:
    headers = stack.auth("user-a")
    if content_type:
        headers["Content-Type"] = content_type
    response = await client.post("/api/chatkit/respond", content=content, headers=headers)
    assert_envelope(response, status, "VALIDATION_ERROR", says)


@EDGE_ONLY
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"thread_id": "t" * 129, "input": "hi"}, "thread_id"),
        ({"thread_id": "../etc", "input": "hi"}, "thread_id"),
        ({"thread_id": "t1", "input": "   "}, "input"),
        ({"thread_id": "t1", "input": "x" * 4001}, "input"),
        ({"thread_id": "t1", "input": "hi", "metadata": {"note": "x" * 5000}}, "metadata"),
        ({"thread_id": "t1", "input": "hi", "metadata": {str(i): i for i in range(40)}},
         "metadata"),
        ({"thread_id": "t1", "input": "hi", "metadata": "web"}, "metadata"),
        ({"thread_id": "t1", "input": "hi", "extra": 1}, "extra"),
    ],
    ids=["long thread_id", "thread_id pattern", "blank input", "4001 chars", "big metadata",
         "many metadata keys", "metadata not an object", "unknown field"],
)
async def test_bounded_respond_inputs_name_the_field(
    stack: Stack, client: AsyncTestClient[Litestar], body: dict[str, Any], field: str
) -> None:
    if body["thread_id"] == "t1":
        body = {**body, "thread_id": stack.thread("t1")}
    response = await client.post("/api/chatkit/respond", json=body, headers=stack.auth("u1"))
    if field == "extra":
        # Unknown fields are ignored, not errors: clients may send more than we read.
        assert response.status_code == 202, response.text
        return
    assert_envelope(response, 422, "VALIDATION_ERROR", field)


@EDGE_ONLY
@pytest.mark.parametrize(
    ("action", "field"),
    [
        ({"type": "self_destruct", "payload": {"task_id": "task_1"}}, "action.type"),
        ({"type": "task_complete", "payload": ["task_1"]}, "action.payload"),
        ({"type": "task_complete", "payload": {"task_id": "t", "blob": "x" * 5000}},
         "action.payload"),
        ({"payload": {"task_id": "task_1"}}, "type"),
    ],
    ids=["unknown type", "payload not an object", "big payload", "missing type"],
)
async def test_bounded_action_inputs_name_the_field(
    stack: Stack, client: AsyncTestClient[Litestar], action: dict[str, Any], field: str
) -> None:
    response = await client.post("/api/chatkit/action", headers=stack.auth("u1"),
                                 json={"thread_id": stack.thread("t1"), "action": action})
    assert_envelope(response, 422, "VALIDATION_ERROR", field)


# -- the envelope from every layer --------------------------------------------------------


@EDGE_ONLY
async def test_router_errors_use_the_envelope(stack: Stack,
                                              client: AsyncTestClient[Litestar]) -> None:
    assert_envelope(await client.get("/api/nope"), 404, "NOT_FOUND")
    response = await client.get("/api/chatkit/respond", headers=stack.auth("user-a"))
    assert_envelope(response, 405, "VALIDATION_ERROR")
    assert "POST" in response.headers["allow"]


@EDGE_ONLY
async def test_unexpected_errors_are_500_with_the_envelope(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = stack.app()

    async def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(app.state.server, "result", broken)
    async with AsyncTestClient(app) as client:
        response = await client.get("/api/chatkit/responses/resp_1", headers=stack.auth("u"))
    assert_envelope(response, 500, "PROCESSING_ERROR")
    assert "a bug" not in response.text  # internals stay in the log


# -- CORS ---------------------------------------------------------------------------------


@EDGE_ONLY
async def test_cors_preflight_and_origins(stack: Stack, client: AsyncTestClient[Litestar]
                                          ) -> None:
    preflight = await client.options("/api/chatkit/respond", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type, X-Requested-With"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    methods = {m.strip() for m in preflight.headers["access-control-allow-methods"].split(",")}
    assert methods == {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"content-type", "authorization", "x-requested-with"} <= {
        h.strip() for h in allowed.split(",")}

    refused = await client.options("/api/chatkit/respond", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in refused.headers
    assert_envelope(refused, 400, "VALIDATION_ERROR", "origin")

    allowed_call = await respond(client, {**stack.auth("user-a"),
                                          "Origin": "http://localhost:3000"},
                                 thread=stack.thread("cors"))
    assert allowed_call.headers["access-control-allow-origin"] == "http://localhost:3000"
    exposed = allowed_call.headers["access-control-expose-headers"].lower()
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
            "retry-after"} <= {h.strip() for h in exposed.split(",")}
    other = await respond(client, {**stack.auth("user-a"), "Origin": "https://evil.example"},
                          thread=stack.thread("cors"))
    assert "access-control-allow-origin" not in other.headers


def test_cors_origins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATKIT_CORS_ORIGINS", "https://app.example.com, http://localhost:3000")
    assert Settings().cors_origins == ["https://app.example.com", "http://localhost:3000"]
    monkeypatch.delenv("CHATKIT_CORS_ORIGINS")
    assert Settings().cors_origins == ["http://localhost:3000"]


# -- rate limits --------------------------------------------------------------------------


async def test_authenticated_responses_carry_rate_limit_headers(
    stack: Stack, client: AsyncTestClient[Litestar]
) -> None:
    before = int(time.time())
    first = await respond(client, stack.auth("user-h"), thread=stack.thread("h-thread"))
    second = await respond(client, stack.auth("user-h"), thread=stack.thread("h-thread"))
    forbidden = await respond(client, stack.auth("user-i"), thread=stack.thread("h-thread"))
    assert first.status_code == second.status_code == 202
    assert forbidden.status_code == 403
    assert [r.headers["x-ratelimit-remaining"] for r in (first, second, forbidden)] == [
        "99", "98", "99"]
    for r in (first, second, forbidden):
        assert r.headers["x-ratelimit-limit"] == "100"
        assert before + 59 <= int(r.headers["x-ratelimit-reset"]) <= int(time.time()) + 61


async def test_over_the_limit_is_429_and_other_users_are_unaffected(stack: Stack) -> None:
    async with AsyncTestClient(stack.app(rate_limit_per_minute=5)) as client:
        user_r = stack.auth("user-r")
        statuses = [(await respond(client, user_r, stack.thread("r"))).status_code
                    for _ in range(7)]
        assert statuses == [202] * 5 + [429] * 2
        limited = await client.get("/api/chatkit/responses/resp_1", headers=stack.auth("user-r"))
        assert_envelope(limited, 429, "RATE_LIMIT_ERROR", "5 requests per minute")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["x-ratelimit-remaining"] == "0"
        other = await respond(client, stack.auth("user-s"), stack.thread("s"))
        assert other.status_code == 202


async def test_a_flood_of_bad_tokens_is_limited_per_address_not_per_user(stack: Stack) -> None:
    async with AsyncTestClient(stack.app(rate_limit_per_minute=5)) as client:
        bad = {"Authorization": "Bearer " + SigningKey("EdDSA").sign({"sub": "x"})}
        statuses = [(await respond(client, bad, stack.thread("f"))).status_code
                    for _ in range(8)]
        assert statuses == [401] * 5 + [429] * 3
        flood = await respond(client, {}, stack.thread("f"))
        assert_envelope(flood, 429, "RATE_LIMIT_ERROR", "this address")
        assert "retry-after" in flood.headers
        # A real user on the same address is not locked out by it.
        real = await respond(client, stack.auth("user-v"), stack.thread("v"))
        assert real.status_code == 202


async def test_concurrency_limit_in_process(stack: Stack) -> None:
    """20 slow requests at once: at most 10 in flight, the rest 429; slots come back."""
    in_flight = peak = 0

    async def slow_kick(thread_id: str) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.5)
        in_flight -= 1

    async with concurrent_client(stack, kick=slow_kick) as client:
        responses = await asyncio.gather(*(
            respond(client, stack.auth("user-c"), thread=stack.thread(f"c{i}")) for i in range(20)))
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [202] * 10 + [429] * 10
        denied = next(r for r in responses if r.status_code == 429)
        assert_envelope(denied, 429, "RATE_LIMIT_ERROR", "in flight")
        assert peak <= 10
        # Finished requests released their slots.
        again = await respond(client, stack.auth("user-c"), stack.thread("c0"))
        assert again.status_code == 202


# -- idempotency --------------------------------------------------------------------------


async def test_idempotency_key_replays_without_a_second_turn(
    stack: Stack, client: AsyncTestClient[Litestar]
) -> None:
    alice = {**stack.auth("user-a"), "Idempotency-Key": "key-1"}
    body = {"thread_id": stack.thread("idem"), "input": "add call mom",
            "metadata": {"a": 1, "b": 2}}
    first = await client.post("/api/chatkit/respond", headers=alice, json=body)
    same = await client.post("/api/chatkit/respond",
                             content=json.dumps({"metadata": {"b": 2, "a": 1},
                                                 "input": "add call mom",
                                                 "thread_id": stack.thread("idem")}),
                             headers={**alice, "Content-Type": "application/json"})
    assert first.status_code == same.status_code == 202
    assert first.json() == same.json()
    assert stack.count_turns(stack.thread("idem")) == 1

    changed = await client.post("/api/chatkit/respond", headers=alice,
                                json={**body, "input": "add call dad"})
    assert_envelope(changed, 422, "VALIDATION_ERROR", "Idempotency-Key")
    assert stack.count_turns(stack.thread("idem")) == 1

    # Keys are per user: bob's "key-1" is his own request.
    bob = await client.post("/api/chatkit/respond",
                            json={**body, "thread_id": stack.thread("idem-b")},
                            headers={**stack.auth("user-b"), "Idempotency-Key": "key-1"})
    assert bob.status_code == 202 and bob.json()["response_id"] != first.json()["response_id"]


async def test_concurrent_repeats_create_one_turn(stack: Stack,
                                                  client: AsyncTestClient[Litestar]) -> None:
    alice = stack.auth("user-a")
    assert (await respond(client, alice, thread=stack.thread("race"))).status_code == 202
    action = await complete_button(client, alice, stack.thread("race"))
    headers = {**alice, "Idempotency-Key": "race"}
    responses = await asyncio.gather(*(
        client.post("/api/chatkit/action", headers=headers, json=action) for _ in range(6)))
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["action_id"] for r in responses}) == 1
    assert stack.count_turns(stack.thread("race")) == 3  # add, list, and one click


async def test_a_repeated_click_replays_even_once_its_button_is_gone(
    stack: Stack, client: AsyncTestClient[Litestar]
) -> None:
    alice = stack.auth("user-a")
    assert (await respond(client, alice, thread=stack.thread("gone"))).status_code == 202
    click = await complete_button(client, alice, stack.thread("gone"))
    first = await client.post("/api/chatkit/action", json=click,
                              headers={**alice, "Idempotency-Key": "click-1"})
    assert first.status_code == 202, first.text
    with stack.database.sync_sessions()() as session:  # the card was re-rendered without it
        session.execute(delete(OfferedAction).where(
            OfferedAction.thread_id == stack.thread("gone")))
        session.commit()
    again = await client.post("/api/chatkit/action", json=click,
                              headers={**alice, "Idempotency-Key": "click-1"})
    assert again.status_code == 202 and again.json() == first.json()
    fresh = await client.post("/api/chatkit/action", json=click, headers=alice)
    assert_envelope(fresh, 422, "WIDGET_ERROR", "widget_id")
    assert stack.count_turns(stack.thread("gone")) == 3


async def test_bad_idempotency_keys_are_422(stack: Stack,
                                            client: AsyncTestClient[Litestar]) -> None:
    for key in ("k" * 256, "has space"):
        response = await client.post(
            "/api/chatkit/respond", json={"thread_id": stack.thread("t1"), "input": "hi"},
            headers={**stack.auth("user-a"), "Idempotency-Key": key})
        assert_envelope(response, 422, "VALIDATION_ERROR", "idempotency-key")
