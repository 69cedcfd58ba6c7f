"""Unit tests for api.auth: HS256 verification and every rejection path."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from jwks_testing import b64u, raw_token

from api.auth import (
    AuthConfig,
    AuthError,
    AuthUnavailable,
    Principal,
    TokenVerifier,
    mint_token,
)

SECRET = "test-secret-" + "s" * 64  # >= 64 bytes so even HS512 draws no key-length warning
ISS = "https://auth.example.test"
AUD = "https://auth.example.test"
# Never contacted: every test here must be decided before any JWKS fetch.
DEAD_JWKS = "http://127.0.0.1:1/api/auth/jwks"


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid Better-Auth-like claims, overridable per test."""
    now = int(time.time())
    base: dict[str, Any] = {"sub": "user-1", "iat": now, "exp": now + 900, "iss": ISS, "aud": AUD}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def hs(c: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(c, secret, algorithm="HS256")


def verifier(**cfg: Any) -> TokenVerifier:
    cfg.setdefault("secret", SECRET)
    return TokenVerifier(AuthConfig(**cfg))


async def reject(v: TokenVerifier, token: str, message: str) -> None:
    with pytest.raises(AuthError) as info:
        await v.verify(token)
    assert info.value.message == message


@pytest.mark.asyncio
async def test_hs256_happy_path_via_header() -> None:
    v = verifier(issuer=ISS, audience=AUD)
    p = await v.verify_header("Bearer " + hs(claims()))
    assert p == Principal(user_id="user-1", claims=p.claims)
    assert hash(p) == hash(Principal(user_id="user-1", claims={}))
    assert p.user_id == "user-1"
    assert p.claims["iss"] == ISS
    # scheme is case-insensitive
    assert (await v.verify_header("bearer " + hs(claims()))).user_id == "user-1"
    assert (await v.verify_header("BEARER  " + hs(claims()))).user_id == "user-1"
    await v.aclose()


@pytest.mark.asyncio
async def test_mint_token_round_trip() -> None:
    v = verifier(issuer=ISS, audience=AUD)
    tok = mint_token(SECRET, "u-42", ttl_s=60, issuer=ISS, audience=AUD, extra={"role": "x"})
    p = await v.verify(tok)
    assert p.user_id == "u-42"
    assert p.claims["sub"] == "u-42" and p.claims["role"] == "x"
    assert p.claims["exp"] - p.claims["iat"] == 60


@pytest.mark.asyncio
async def test_user_id_claim_wins_over_sub() -> None:
    v = verifier()
    assert (await v.verify(hs(claims(user_id="u-claim", sub="s-claim")))).user_id == "u-claim"
    assert (await v.verify(hs(claims(sub="s-only")))).user_id == "s-only"
    # empty / non-string user_id falls back to sub
    assert (await v.verify(hs(claims(user_id="", sub="s")))).user_id == "s"
    assert (await v.verify(hs(claims(user_id=7, sub="s")))).user_id == "s"


@pytest.mark.asyncio
async def test_no_user_id() -> None:
    v = verifier()
    await reject(v, hs(claims(sub=None)), "token has no user id")
    await reject(v, hs(claims(sub="")), "token has no user id")
    await reject(v, hs(claims(sub=123)), "token has no user id")


@pytest.mark.asyncio
async def test_missing_exp() -> None:
    await reject(verifier(), hs(claims(exp=None)), "token has no exp claim")


@pytest.mark.asyncio
@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_alg_none_rejected(alg: str) -> None:
    v = verifier()
    await reject(v, raw_token({"alg": alg, "typ": "JWT"}, claims(), None), "algorithm not allowed")
    # even when explicitly listed, "none" is refused at configuration time
    with pytest.raises(ValueError):
        TokenVerifier(AuthConfig(secret=SECRET, algorithms=("HS256", alg)))


@pytest.mark.asyncio
async def test_hs256_signed_with_jwks_public_key_is_rejected() -> None:
    """Algorithm confusion: HMAC over the server's public key must never pass."""
    pub = ed25519.Ed25519PrivateKey.generate().public_key()
    candidates = [
        pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
        pub.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        b64u(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).encode(),
    ]
    jwks_only = TokenVerifier(AuthConfig(jwks_url=DEAD_JWKS))
    # Even an allow-list naming HS256 must not let it reach the JWKS keys.
    jwks_hs_listed = TokenVerifier(
        AuthConfig(jwks_url=DEAD_JWKS, secret=SECRET, algorithms=("HS256", "EdDSA"))
    )
    for key in candidates:
        for kid in (None, "k1"):
            header = {"alg": "HS256"} | ({"kid": kid} if kid else {})
            tok = raw_token(header, claims(), key)
            await reject(jwks_only, tok, "algorithm not allowed")
            await reject(jwks_hs_listed, tok, "bad signature")
    with pytest.raises(ValueError):
        # HS256 allowed but no secret: nothing could verify it, so refuse the config.
        TokenVerifier(AuthConfig(jwks_url=None, algorithms=("HS256",)))


@pytest.mark.asyncio
async def test_asymmetric_alg_without_jwks_not_allowed() -> None:
    v = verifier(algorithms=("HS256", "EdDSA"))
    key = ed25519.Ed25519PrivateKey.generate()
    tok = jwt.encode(claims(), key, algorithm="EdDSA", headers={"kid": "k"})
    await reject(v, tok, "algorithm not allowed")
    await reject(v, jwt.encode(claims(), SECRET, algorithm="HS512"), "algorithm not allowed")


@pytest.mark.asyncio
async def test_expired() -> None:
    now = int(time.time())
    v = verifier()
    await reject(v, hs(claims(iat=now - 3600, exp=now - 120)), "token has expired")
    # within leeway (30 s) still accepted
    assert (await v.verify(hs(claims(iat=now - 3600, exp=now - 10)))).user_id == "user-1"


@pytest.mark.asyncio
async def test_nbf_in_future() -> None:
    now = int(time.time())
    v = verifier()
    await reject(v, hs(claims(nbf=now + 300)), "token is not yet valid")
    assert (await v.verify(hs(claims(nbf=now + 10)))).user_id == "user-1"


@pytest.mark.asyncio
async def test_iat_in_future() -> None:
    now = int(time.time())
    v = verifier()
    await reject(v, hs(claims(iat=now + 300, exp=now + 900)), "token is not yet valid")
    assert (await v.verify(hs(claims(iat=now + 10)))).user_id == "user-1"


@pytest.mark.asyncio
async def test_wrong_issuer() -> None:
    v = verifier(issuer=ISS)
    await reject(v, hs(claims(iss="https://evil.example")), "wrong issuer")
    await reject(v, hs(claims(iss=None)), "wrong issuer")
    # issuer not configured -> not checked
    assert (await verifier().verify(hs(claims(iss="https://other")))).user_id == "user-1"


@pytest.mark.asyncio
async def test_wrong_audience() -> None:
    v = verifier(audience=AUD)
    await reject(v, hs(claims(aud="https://other.example")), "wrong audience")
    await reject(v, hs(claims(aud=None)), "wrong audience")
    await reject(v, hs(claims(aud=["a", "b"])), "wrong audience")
    assert (await v.verify(hs(claims(aud=["x", AUD])))).user_id == "user-1"
    # audience not configured -> a token's aud is not held against it
    assert (await verifier().verify(hs(claims(aud="anything")))).user_id == "user-1"


@pytest.mark.asyncio
async def test_unknown_kid_with_no_reachable_jwks() -> None:
    """With an unreachable JWKS and nothing cached the answer is 'unavailable', not 401."""
    key = ed25519.Ed25519PrivateKey.generate()
    tok = jwt.encode(claims(), key, algorithm="EdDSA", headers={"kid": "nope"})
    v = TokenVerifier(AuthConfig(jwks_url=DEAD_JWKS, http_timeout_s=0.5))
    with pytest.raises(AuthUnavailable):
        await v.verify(tok)
    await v.aclose()


@pytest.mark.asyncio
async def test_tampered_payload() -> None:
    v = verifier()
    header, _payload, sig = hs(claims(sub="alice")).split(".")
    evil = b64u(json.dumps(claims(sub="mallory")).encode())
    await reject(v, f"{header}.{evil}.{sig}", "bad signature")
    # wrong secret
    await reject(v, hs(claims(), secret="another-secret-also-long-enough-xx"), "bad signature")
    # flipped signature
    good = hs(claims())
    flipped = good[:-2] + ("AA" if good[-2:] != "AA" else "BB")
    with pytest.raises(AuthError) as info:
        await v.verify(flipped)
    assert info.value.message in ("bad signature", "token is malformed")


@pytest.mark.asyncio
@pytest.mark.parametrize("value", [None, "", "   "])
async def test_missing_header(value: str | None) -> None:
    with pytest.raises(AuthError) as info:
        await verifier().verify_header(value)
    assert info.value.message == "missing bearer token"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "value", ["Basic xyz", "Bearer", "Bearer a b", "Token abc", "bearerabc", "xyz"]
)
async def test_malformed_header(value: str) -> None:
    with pytest.raises(AuthError) as info:
        await verifier().verify_header(value)
    assert info.value.message == "malformed Authorization header (expected 'Bearer <token>')"


@pytest.mark.asyncio
async def test_oversized_token() -> None:
    v = verifier()
    big = hs(claims(pad="x" * 10_240))
    assert len(big) > 10_240
    await reject(v, big, "token too large")
    with pytest.raises(AuthError) as info:
        await v.verify_header("Bearer " + big)
    assert info.value.message == "token too large"
    # non-JWT junk of the same size is also refused before parsing
    await reject(v, "a" * 10_240, "token too large")
    await reject(v, "é" * 5000, "token too large")  # 10 KB of UTF-8


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b",
        "a.b.c",
        "....",
        "!!!.???.###",
        "eyJhbGciOiJIUzI1NiJ9.not-base64!.sig",
        b64u(b"[1,2]") + "." + b64u(b"{}") + ".",  # header is not an object
        b64u(b'{"alg":"HS256"}') + "." + b64u(b"[1]") + ".",  # payload not an object
        "ünïcödé.x.y",
    ],
)
async def test_garbage(token: str) -> None:
    with pytest.raises(AuthError) as info:
        await verifier().verify(token)
    assert info.value.message in ("token is malformed", "bad signature")


@pytest.mark.asyncio
async def test_signed_garbage_payload_is_malformed() -> None:
    """A correctly signed but non-object payload is malformed, not a crash."""
    key = SECRET.encode()
    header = b64u(json.dumps({"alg": "HS256"}).encode())
    payload = b64u(b"[1,2,3]")
    sig = b64u(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    await reject(verifier(), f"{header}.{payload}.{sig}", "token is malformed")
    await reject(verifier(), hs(claims(exp="soon")), "token is malformed")


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        TokenVerifier(AuthConfig(secret=None, jwks_url=None))
    with pytest.raises(ValueError):
        TokenVerifier(AuthConfig(secret=""))
    with pytest.raises(ValueError):
        TokenVerifier(AuthConfig(secret=SECRET, algorithms=("HS1024",)))
    assert AuthConfig(secret=SECRET).allowed_algorithms() == {"HS256"}
    assert AuthConfig(jwks_url=DEAD_JWKS).allowed_algorithms() == {
        "EdDSA",
        "ES256",
        "RS256",
        "PS256",
    }
    assert AuthConfig(secret=SECRET, jwks_url=DEAD_JWKS).allowed_algorithms() == {
        "HS256",
        "EdDSA",
        "ES256",
        "RS256",
        "PS256",
    }


@pytest.mark.asyncio
async def test_a_verified_token_is_checked_once_and_refused_after_its_exp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    v = verifier(leeway_s=0)
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return real_decode(token, *args, **kwargs)
    monkeypatch.setattr(jwt, "decode", counting)
    exp = int(time.time()) + 2
    token = hs(claims(exp=exp))
    for _ in range(3):
        assert (await v.verify(token)).user_id == "user-1"
    assert len(decoded) == 1  # the signature was checked once: the others came from the cache
    while time.time() <= exp + 0.05:
        time.sleep(0.05)
    await reject(v, token, "token has expired")  # the cache never outlives the token
