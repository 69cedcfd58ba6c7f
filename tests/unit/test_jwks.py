"""JWKS verification against a real local HTTP server (stdlib http.server in a thread)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from jwks_testing import FakeClock, JwksServer, SigningKey, better_auth_claims

from api.auth import AuthConfig, AuthError, AuthUnavailable, TokenVerifier


@pytest.fixture
def server() -> Iterator[JwksServer]:
    s = JwksServer()
    try:
        yield s
    finally:
        s.stop()


def make_verifier(server: JwksServer, clock: FakeClock | None = None, **cfg: Any) -> TokenVerifier:
    cfg.setdefault("issuer", server.base_url)
    cfg.setdefault("audience", server.base_url)
    cfg.setdefault("http_timeout_s", 1.0)
    return TokenVerifier(AuthConfig(jwks_url=server.url, **cfg), clock=clock or FakeClock())


async def expect_error(v: TokenVerifier, token: str, message: str) -> None:
    with pytest.raises(AuthError) as info:
        await v.verify(token)
    assert info.value.message == message


@pytest.mark.asyncio
async def test_eddsa_token_verifies_and_jwks_is_cached(server: JwksServer) -> None:
    key = SigningKey("EdDSA")
    server.keys = [key.jwk]
    v = make_verifier(server)
    try:
        p = await v.verify_header("Bearer " + key.sign(better_auth_claims(server.base_url)))
        assert p.user_id == "user-ba-1"
        assert p.claims["email"] == "a@example.test"
        for _ in range(20):
            await v.verify(key.sign(better_auth_claims(server.base_url)))
        assert server.requests == 1
    finally:
        await v.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("alg", "jwk_alg"),
    [("ES256", True), ("RS256", True), ("PS256", True), ("ES256", False), ("PS256", False)],
)
async def test_es256_rs256_ps256_verify(server: JwksServer, alg: str, jwk_alg: bool) -> None:
    key = SigningKey(alg, jwk_alg=jwk_alg)
    server.keys = [SigningKey("EdDSA").jwk, key.jwk]
    v = make_verifier(server)
    try:
        assert (await v.verify(key.sign(better_auth_claims(server.base_url)))).user_id
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_alg_must_match_key_type_and_jwk_alg(server: JwksServer) -> None:
    ed = SigningKey("EdDSA")
    rs = SigningKey("RS256")  # JWK says alg=RS256
    server.keys = [ed.jwk, rs.jwk]
    v = make_verifier(server)
    claims = better_auth_claims(server.base_url)
    try:
        # RSA key whose JWK pins RS256 must not verify a PS256 token
        await expect_error(v, rs.sign(claims, alg="PS256"), "algorithm not allowed")
        # An ES256 token pointing at the Ed25519 kid
        es = SigningKey("ES256")
        await expect_error(v, es.sign(claims, kid=ed.kid), "algorithm not allowed")
        # alg not in the allow-list at all
        await expect_error(v, rs.sign(claims, alg="RS512"), "algorithm not allowed")
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_hs256_token_with_jwks_kid_never_fetches_or_passes(server: JwksServer) -> None:
    ed = SigningKey("EdDSA")
    server.keys = [ed.jwk]
    raw = ed.private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )

    def b64u(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

    header = b64u(json.dumps({"alg": "HS256", "kid": ed.kid}).encode())
    payload = b64u(json.dumps(better_auth_claims(server.base_url)).encode())
    sig = b64u(hmac.new(raw, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    v = make_verifier(server)
    try:
        await expect_error(v, f"{header}.{payload}.{sig}", "algorithm not allowed")
        assert server.requests == 0
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_kidless_token_uses_single_suitable_key(server: JwksServer) -> None:
    ed = SigningKey("EdDSA")
    es = SigningKey("ES256")
    server.keys = [ed.jwk, es.jwk]  # one key per alg -> unambiguous
    v = make_verifier(server)
    claims = better_auth_claims(server.base_url)
    try:
        assert (await v.verify(ed.sign(claims, kid=None))).user_id == "user-ba-1"
        assert (await v.verify(es.sign(claims, kid=None))).user_id == "user-ba-1"
        server.keys = [ed.jwk, SigningKey("EdDSA").jwk]
        v2 = make_verifier(server)
        await expect_error(v2, ed.sign(claims, kid=None), "unknown signing key (kid)")
        await v2.aclose()
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_key_rotation(server: JwksServer) -> None:
    old, new = SigningKey("EdDSA"), SigningKey("EdDSA")
    server.keys = [old.jwk]
    clock = FakeClock()
    v = make_verifier(server, clock, jwks_refetch_interval_s=60)
    claims = better_auth_claims(server.base_url)
    try:
        await v.verify(old.sign(claims))
        assert server.requests == 1

        server.keys = [new.jwk]  # the auth server rotates
        clock.t += 61
        assert (await v.verify(new.sign(claims))).user_id == "user-ba-1"
        assert server.requests == 2  # exactly one refetch picked up the new key
        assert list(v.cached_kids()) == [new.kid]

        # The removed key is gone after the refetch; no new fetch (interval not elapsed).
        await expect_error(v, old.sign(claims), "unknown signing key (kid)")
        assert (await v.verify(new.sign(claims))).user_id == "user-ba-1"
        assert server.requests == 2
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_unknown_kid_refetch_is_throttled(server: JwksServer) -> None:
    key = SigningKey("EdDSA")
    server.keys = [key.jwk]
    clock = FakeClock()
    v = make_verifier(server, clock, jwks_refetch_interval_s=60)
    claims = better_auth_claims(server.base_url)
    try:
        await v.verify(key.sign(claims))
        for _ in range(5):
            await expect_error(v, key.sign(claims, kid="ghost"), "unknown signing key (kid)")
        assert server.requests == 1
        clock.t += 60
        await expect_error(v, key.sign(claims, kid="ghost"), "unknown signing key (kid)")
        assert server.requests == 2  # one refetch once the interval elapsed
    finally:
        await v.aclose()


@pytest.mark.asyncio
@pytest.mark.parametrize("warm", [False, True])
async def test_unknown_kid_flood_shares_one_fetch(server: JwksServer, warm: bool) -> None:
    key = SigningKey("EdDSA")
    server.keys = [key.jwk]
    server.delay_s = 0.2  # keep the fetch in flight while all 200 verifications pile up
    clock = FakeClock()
    v = make_verifier(server, clock, jwks_refetch_interval_s=60)
    claims = better_auth_claims(server.base_url)
    try:
        if warm:
            await v.verify(key.sign(claims))
            clock.t += 61  # the interval elapsed: exactly one refetch is permitted
        before = server.requests
        tokens = [key.sign(claims, kid=secrets.token_hex(8)) for _ in range(200)]
        results = await asyncio.gather(*(v.verify(t) for t in tokens), return_exceptions=True)
        assert all(isinstance(r, AuthError) for r in results), results[:3]
        assert {r.message for r in results if isinstance(r, AuthError)} == {
            "unknown signing key (kid)"
        }
        assert server.requests - before == 1
        # a valid token still works, without another fetch
        assert (await v.verify(key.sign(claims))).user_id == "user-ba-1"
        assert server.requests - before == 1
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_cache_ttl_triggers_refetch(server: JwksServer) -> None:
    key = SigningKey("EdDSA")
    server.keys = [key.jwk]
    clock = FakeClock()
    v = make_verifier(server, clock, jwks_cache_ttl_s=300)
    claims = better_auth_claims(server.base_url)
    try:
        await v.verify(key.sign(claims))
        clock.t += 299
        await v.verify(key.sign(claims))
        assert server.requests == 1
        clock.t += 2
        await v.verify(key.sign(claims))
        assert server.requests == 2
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_jwks_down_with_empty_cache_is_unavailable(server: JwksServer) -> None:
    key = SigningKey("EdDSA")
    server.keys = [key.jwk]
    server.stop()  # connection refused
    v = make_verifier(server)
    try:
        started = time.monotonic()
        with pytest.raises(AuthUnavailable):
            await v.verify(key.sign(better_auth_claims(server.base_url)))
        assert time.monotonic() - started < 2
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_jwks_http_500_and_garbage_with_empty_cache(server: JwksServer) -> None:
    key = SigningKey("EdDSA")
    server.keys = [key.jwk]
    server.status = 500
    clock = FakeClock()
    v = make_verifier(server, clock)
    claims = better_auth_claims(server.base_url)
    try:
        with pytest.raises(AuthUnavailable):
            await v.verify(key.sign(claims))
        # within the failure backoff no new fetch is made
        with pytest.raises(AuthUnavailable):
            await v.verify(key.sign(claims))
        assert server.requests == 1
        server.status = 200
        server.raw_body = b"<html>not json</html>"
        clock.t += 10
        with pytest.raises(AuthUnavailable):
            await v.verify(key.sign(claims))
        assert server.requests == 2
        server.raw_body = None
        clock.t += 10
        assert (await v.verify(key.sign(claims))).user_id == "user-ba-1"
        assert server.requests == 3
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_jwks_down_with_cache_keeps_using_cache(server: JwksServer) -> None:
    key = SigningKey("EdDSA")
    server.keys = [key.jwk]
    clock = FakeClock()
    v = make_verifier(server, clock, jwks_cache_ttl_s=300)
    claims = better_auth_claims(server.base_url)
    try:
        await v.verify(key.sign(claims))
        server.stop()
        clock.t += 1000  # cache is stale and the refetch fails
        assert (await v.verify(key.sign(claims))).user_id == "user-ba-1"
        clock.t += 61  # unknown kid with server down: a plain 401, not 503
        await expect_error(v, key.sign(claims, kid="ghost"), "unknown signing key (kid)")
    finally:
        await v.aclose()


@pytest.mark.asyncio
async def test_wrong_iss_aud_and_expiry_with_jwks(server: JwksServer) -> None:
    key = SigningKey("EdDSA")
    server.keys = [key.jwk]
    v = make_verifier(server)
    now = int(time.time())
    try:
        await expect_error(
            v, key.sign(better_auth_claims(server.base_url, iss="https://x")), "wrong issuer"
        )
        await expect_error(
            v, key.sign(better_auth_claims(server.base_url, aud="https://x")), "wrong audience"
        )
        await expect_error(
            v,
            key.sign(better_auth_claims(server.base_url, iat=now - 2000, exp=now - 1000)),
            "token has expired",
        )
        other = SigningKey("EdDSA", kid=key.kid)  # same kid, different key
        await expect_error(v, other.sign(better_auth_claims(server.base_url)), "bad signature")
    finally:
        await v.aclose()
