"""Bearer-token verification for the chatkit-todo API.

Pure logic plus ``httpx``; the Litestar wiring lives elsewhere and maps:

* :class:`AuthError`       -> 401 (``.message`` is safe to show to the caller),
* :class:`AuthUnavailable` -> 503 (the JWKS endpoint is down and no keys are cached).

Two kinds of tokens are accepted, depending on :class:`AuthConfig`:

* HS256 (or HS384/HS512 when configured) signed with a shared secret, and
* asymmetric tokens (EdDSA/ES256/RS256/PS256 ...) issued by Better Auth's JWT plugin and
  verified against the keys published at ``{baseURL}/api/auth/jwks``.

The algorithm is never trusted from the token alone: it must be in the allow-list *and*
match the kind of key that verifies it, so an HS256 token can never be checked against a
JWKS public key (the classic algorithm-confusion attack).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "HMAC_ALGORITHMS",
    "AuthConfig",
    "AuthError",
    "AuthUnavailable",
    "Principal",
    "TokenVerifier",
    "mint_token",
]

HMAC_ALGORITHMS: frozenset[str] = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_ALGORITHMS: frozenset[str] = frozenset(
    {"EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)
DEFAULT_HMAC_ALGORITHMS: tuple[str, ...] = ("HS256",)
DEFAULT_JWKS_ALGORITHMS: tuple[str, ...] = ("EdDSA", "ES256", "RS256", "PS256")

# The curve each ECDSA algorithm is defined over (RFC 7518 §3.4); any other curve is a
# mismatch even if the signature would verify.
_EC_CURVES: dict[str, tuple[str, str]] = {
    "ES256": ("P-256", "secp256r1"),
    "ES384": ("P-384", "secp384r1"),
    "ES512": ("P-521", "secp521r1"),
}
_MIN_RSA_BITS = 2048
# After a failed JWKS fetch, don't hammer the auth server on every request.
_FAILURE_BACKOFF_S = 5.0

MSG_MISSING = "missing bearer token"
MSG_BAD_HEADER = "malformed Authorization header (expected 'Bearer <token>')"
MSG_MALFORMED = "token is malformed"
MSG_EXPIRED = "token has expired"
MSG_NOT_YET_VALID = "token is not yet valid"
MSG_BAD_SIGNATURE = "bad signature"
MSG_WRONG_ISSUER = "wrong issuer"
MSG_WRONG_AUDIENCE = "wrong audience"
MSG_UNKNOWN_KID = "unknown signing key (kid)"
MSG_ALG_NOT_ALLOWED = "algorithm not allowed"
MSG_TOO_LARGE = "token too large"
MSG_NO_USER = "token has no user id"
MSG_NO_EXP = "token has no exp claim"
MSG_BAD_USER = ("token's user id is too long, contains control characters or starts or ends "
                "with a space")

# Stored as String(255) next to every thread, turn and task of the user.
MAX_USER_ID_LENGTH = 255


class AuthError(Exception):
    """The request's credentials were rejected; ``message`` says why (map to 401)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthUnavailable(Exception):
    """Tokens cannot be checked right now: JWKS unreachable and nothing cached (map to 503)."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the user id plus the verified claims."""

    user_id: str
    # hash=False: a dict is unhashable, but Principal should still be usable as a key.
    claims: dict[str, Any] = field(hash=False)


@dataclass(frozen=True)
class AuthConfig:
    """How tokens are verified.

    ``algorithms=None`` picks defaults: ``("HS256",)`` for a shared secret,
    ``("EdDSA", "ES256", "RS256", "PS256")`` for JWKS, both sets when both are configured.
    """

    secret: str | None = None
    jwks_url: str | None = None
    issuer: str | None = None
    audience: str | None = None
    algorithms: tuple[str, ...] | None = None
    leeway_s: int = 30
    jwks_refetch_interval_s: float = 60.0
    jwks_cache_ttl_s: float = 3600
    max_token_bytes: int = 8192
    http_timeout_s: float = 2.0
    # Tokens verified lately, kept (by SHA-256) until their `exp`: a client sends the same
    # token with every request, and the signature check was ~4 % of an ingest's CPU.
    token_cache_size: int = 10_000

    def allowed_algorithms(self) -> frozenset[str]:
        """The effective allow-list, restricted to algorithms that have a matching key source."""
        if self.algorithms is None:
            algs: tuple[str, ...] = ()
            if self.secret is not None:
                algs += DEFAULT_HMAC_ALGORITHMS
            if self.jwks_url is not None:
                algs += DEFAULT_JWKS_ALGORITHMS
        else:
            algs = tuple(self.algorithms)
        # An HS* alg without a secret (or an asymmetric alg without JWKS) could never
        # verify anything, and dropping it keeps the key-source rule in one place.
        return frozenset(
            a
            for a in algs
            if (a in HMAC_ALGORITHMS and self.secret is not None)
            or (a in ASYMMETRIC_ALGORITHMS and self.jwks_url is not None)
        )

    def validate(self) -> None:
        """Raise ``ValueError`` for a configuration that is unsafe or cannot verify anything."""
        if self.secret is None and self.jwks_url is None:
            raise ValueError("AuthConfig needs a shared secret, a JWKS URL, or both")
        if self.secret is not None and not self.secret:
            raise ValueError("AuthConfig.secret is empty; use None to disable HS256")
        if self.algorithms is not None:
            for alg in self.algorithms:
                if alg not in HMAC_ALGORITHMS and alg not in ASYMMETRIC_ALGORITHMS:
                    raise ValueError(f"unsupported JWT algorithm {alg!r}")
        if not self.allowed_algorithms():
            raise ValueError("AuthConfig allows no algorithm usable with the configured keys")
        if self.max_token_bytes <= 0 or self.leeway_s < 0:
            raise ValueError("max_token_bytes must be > 0 and leeway_s >= 0")


@dataclass(frozen=True)
class _JwksKey:
    """One usable verification key from the JWKS, with the fields needed for alg checks."""

    kid: str | None
    kty: str
    crv: str | None
    alg: str | None  # only when the JWK states it explicitly
    key: Any  # a cryptography public key object


def _key_matches_alg(k: _JwksKey, alg: str) -> bool:
    """Whether ``k`` may verify a token signed with ``alg`` (kty, curve and JWK alg agree)."""
    if k.alg is not None and k.alg != alg:
        return False
    if alg == "EdDSA":
        return k.kty == "OKP" and k.crv == "Ed25519" and isinstance(k.key, ed25519.Ed25519PublicKey)
    if alg in _EC_CURVES:
        jwk_crv, crypto_crv = _EC_CURVES[alg]
        return (
            k.kty == "EC"
            and k.crv == jwk_crv
            and isinstance(k.key, ec.EllipticCurvePublicKey)
            and k.key.curve.name == crypto_crv
        )
    if alg[:2] in ("RS", "PS"):
        return (
            k.kty == "RSA"
            and isinstance(k.key, rsa.RSAPublicKey)
            and k.key.key_size >= _MIN_RSA_BITS
        )
    return False


def _parse_jwks(doc: Any) -> list[_JwksKey]:
    """Turn a JWKS document into usable public keys, silently skipping unusable entries."""
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ValueError("JWKS document has no 'keys' list")
    out: list[_JwksKey] = []
    for raw in doc["keys"]:
        if not isinstance(raw, dict):
            continue
        kty = raw.get("kty")
        # Symmetric keys never belong in a public key set; private parts are ignored by
        # loading only public material below.
        if kty not in ("OKP", "EC", "RSA"):
            continue
        if raw.get("use") not in (None, "sig"):
            continue
        kid = raw.get("kid")
        alg = raw.get("alg")
        crv = raw.get("crv")
        if (kid is not None and not isinstance(kid, str)) or (
            alg is not None and alg not in ASYMMETRIC_ALGORITHMS
        ):
            continue
        public = {k: v for k, v in raw.items() if k not in ("d", "p", "q", "dp", "dq", "qi")}
        try:
            key = jwt.PyJWK(public).key
        except Exception:  # one bad key must not take down the whole set
            continue
        out.append(
            _JwksKey(kid=kid, kty=kty, crv=crv if isinstance(crv, str) else None, alg=alg, key=key)
        )
    return out


class TokenVerifier:
    """Verifies bearer tokens against an :class:`AuthConfig`; safe for concurrent use."""

    def __init__(
        self,
        config: AuthConfig,
        *,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Validate ``config``; ``clock`` (monotonic seconds) drives JWKS caching only."""
        config.validate()
        self._config = config
        self._allowed = config.allowed_algorithms()
        self._clock = clock
        self._http = http_client
        self._owns_http = http_client is None
        self._keys: list[_JwksKey] = []
        self._keys_loaded_at: float | None = None  # last successful fetch
        self._last_attempt_at: float | None = None  # last fetch, successful or not
        self._last_attempt_failed = False
        self._inflight: asyncio.Task[None] | None = None
        # SHA-256 of a verified token -> (its principal, its `exp`, the JWKS key that
        # verified it or None for the shared secret), least recently used first.
        self._verified: OrderedDict[bytes, tuple[Principal, float, Any]] = OrderedDict()

    @property
    def config(self) -> AuthConfig:
        """The configuration this verifier was built with."""
        return self._config

    async def verify_header(self, authorization: str | None) -> Principal:
        """Verify an ``Authorization: Bearer <token>`` header value; raise :class:`AuthError`."""
        if authorization is None or not authorization.strip():
            raise AuthError(MSG_MISSING)
        if len(authorization) > self._config.max_token_bytes + 64:
            raise AuthError(MSG_TOO_LARGE)
        parts = authorization.strip().split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise AuthError(MSG_BAD_HEADER)
        return await self.verify(parts[1])

    async def verify(self, token: str) -> Principal:
        """Verify a raw JWT and return its :class:`Principal`; raise :class:`AuthError`."""
        cfg = self._config
        if not isinstance(token, str) or not token:
            raise AuthError(MSG_MISSING)
        # Cheap length check first (utf-8 is never shorter than the char count).
        if len(token) > cfg.max_token_bytes or len(token.encode("utf-8")) > cfg.max_token_bytes:
            raise AuthError(MSG_TOO_LARGE)
        if not token.isascii():
            raise AuthError(MSG_MALFORMED)
        digest = hashlib.sha256(token.encode("ascii")).digest()
        cached = self._verified.get(digest)
        if cached is not None:
            principal, exp, jwks_key = cached
            # Valid until `exp` (without the leeway: after it the full check says which),
            # and, for a JWKS token, while its key is in a key set still fresh: a rotated-out
            # key stops its tokens as it did before the cache.
            if time.time() < exp and (jwks_key is None or self._holds_fresh(jwks_key)):
                self._verified.move_to_end(digest)
                return principal
            del self._verified[digest]
        principal, jwks_key = await self._verify_uncached(token)
        expires = principal.claims.get("exp")
        if cfg.token_cache_size > 0 and isinstance(expires, int | float):
            self._verified[digest] = (principal, float(expires), jwks_key)
            if len(self._verified) > cfg.token_cache_size:
                self._verified.popitem(last=False)
        return principal

    def _holds_fresh(self, key: Any) -> bool:
        loaded = self._keys_loaded_at
        return (loaded is not None and self._clock() - loaded < self._config.jwks_cache_ttl_s
                and any(k.key is key for k in self._keys))

    async def _verify_uncached(self, token: str) -> tuple[Principal, Any]:
        """The signature, algorithm and claims checks of `verify`; also the JWKS key used."""
        cfg = self._config
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError(MSG_MALFORMED) from None
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._allowed:
            raise AuthError(MSG_ALG_NOT_ALLOWED)
        if header.get("b64", True) is not True or "crit" in header:
            raise AuthError(MSG_MALFORMED)

        key: Any
        jwks_key: Any = None
        if alg in HMAC_ALGORITHMS:
            # allowed_algorithms() guarantees a secret exists for any allowed HS* alg.
            key = cfg.secret
        else:
            key = jwks_key = await self._jwks_key(header.get("kid"), alg)

        claims = self._decode(token, key, alg)
        user_id = claims.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            user_id = claims.get("sub")
        if not isinstance(user_id, str) or not user_id:
            raise AuthError(MSG_NO_USER)
        if (len(user_id) > MAX_USER_ID_LENGTH or not user_id.isprintable()
                or user_id != user_id.strip()):  # "  " or " bob" is nobody's id
            raise AuthError(MSG_BAD_USER)
        return Principal(user_id=user_id, claims=claims), jwks_key

    async def aclose(self) -> None:
        """Cancel any JWKS fetch in flight and close the HTTP client if we created it."""
        task, self._inflight = self._inflight, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if self._http is not None and self._owns_http:
            await self._http.aclose()
            self._http = None

    # -- claims ---------------------------------------------------------------------

    def _decode(self, token: str, key: Any, alg: str) -> dict[str, Any]:
        """Check signature and registered claims with exactly one algorithm."""
        cfg = self._config
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                issuer=cfg.issuer,
                audience=cfg.audience,
                leeway=cfg.leeway_s,
                options={
                    "require": ["exp"],
                    "verify_aud": cfg.audience is not None,
                    "verify_iss": cfg.issuer is not None,
                    # user id validation is ours (user_id claim may override sub).
                    "verify_sub": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise AuthError(MSG_BAD_SIGNATURE) from None
        except jwt.ExpiredSignatureError:
            raise AuthError(MSG_EXPIRED) from None
        except jwt.ImmatureSignatureError:
            raise AuthError(MSG_NOT_YET_VALID) from None
        except jwt.InvalidIssuerError:
            raise AuthError(MSG_WRONG_ISSUER) from None
        except jwt.InvalidAudienceError:
            raise AuthError(MSG_WRONG_AUDIENCE) from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(
                {"exp": MSG_NO_EXP, "iss": MSG_WRONG_ISSUER, "aud": MSG_WRONG_AUDIENCE}.get(
                    exc.claim, MSG_MALFORMED
                )
            ) from None
        except jwt.InvalidAlgorithmError:
            raise AuthError(MSG_ALG_NOT_ALLOWED) from None
        except jwt.InvalidKeyError:
            raise AuthError(MSG_BAD_SIGNATURE) from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise AuthError(MSG_MALFORMED) from None
        if not isinstance(claims, dict):
            raise AuthError(MSG_MALFORMED)
        return claims

    # -- JWKS -----------------------------------------------------------------------

    async def _jwks_key(self, kid: Any, alg: str) -> Any:
        """Pick the JWKS key for ``kid``/``alg``, refetching the set when allowed."""
        if kid is not None and not isinstance(kid, str):
            raise AuthError(MSG_MALFORMED)
        now = self._clock()
        stale = (
            self._keys_loaded_at is None
            or now - self._keys_loaded_at >= self._config.jwks_cache_ttl_s
        )
        if stale and self._may_fetch(now, unknown_kid=False):
            await self._refresh()

        found = self._select(kid, alg)
        # Unknown kid: maybe the server rotated keys. Throttled so a flood of random kids
        # costs at most one fetch per interval.
        if (
            found is None
            and self._keys_loaded_at is not None
            and self._may_fetch(self._clock(), unknown_kid=True)
        ):
            await self._refresh()
            found = self._select(kid, alg)
        if found is None:
            if self._keys_loaded_at is None:
                raise AuthUnavailable("JWKS is unreachable and no signing keys are cached")
            raise AuthError(MSG_UNKNOWN_KID)
        return found

    def _select(self, kid: str | None, alg: str) -> Any | None:
        """The key for ``kid`` (or the only suitable key if no kid), or None if unknown.

        Raises ``AuthError`` when the kid is known but its key type does not fit ``alg``.
        """
        if kid is None:
            suitable = [k for k in self._keys if _key_matches_alg(k, alg)]
            return suitable[0].key if len(suitable) == 1 else None
        same_kid = [k for k in self._keys if k.kid == kid]
        if not same_kid:
            return None
        for k in same_kid:
            if _key_matches_alg(k, alg):
                return k.key
        raise AuthError(MSG_ALG_NOT_ALLOWED)

    def _may_fetch(self, now: float, *, unknown_kid: bool) -> bool:
        """Throttle fetches: on unknown kid once per interval, after failures with backoff."""
        if self._inflight is not None:
            return True  # joining an in-flight fetch costs nothing extra
        last = self._last_attempt_at
        if last is None:
            return True
        if self._last_attempt_failed:
            return now - last >= min(_FAILURE_BACKOFF_S, self._config.jwks_refetch_interval_s)
        if unknown_kid:
            return now - last >= self._config.jwks_refetch_interval_s
        return True

    async def _refresh(self) -> None:
        """Fetch the JWKS once for all concurrent callers; failures keep the old cache."""
        task = self._inflight
        if task is None:
            task = asyncio.get_running_loop().create_task(self._fetch())
            self._inflight = task
            task.add_done_callback(self._fetch_done)
        # shield: one caller being cancelled must not cancel the fetch the others share.
        with contextlib.suppress(Exception):
            await asyncio.shield(task)

    def _fetch_done(self, task: asyncio.Task[None]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled():
            task.exception()  # mark retrieved; failures are recorded in _fetch

    async def _fetch(self) -> None:
        """GET the JWKS and replace the cached key set on success."""
        url = self._config.jwks_url
        assert url is not None  # only reached for asymmetric algs, which require a URL
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=self._config.http_timeout_s)
        try:
            resp = await self._http.get(
                url, timeout=self._config.http_timeout_s, headers={"Accept": "application/json"}
            )
            resp.raise_for_status()
            keys = _parse_jwks(json.loads(resp.content))
        except (httpx.HTTPError, ValueError):
            self._last_attempt_at = self._clock()
            self._last_attempt_failed = True
            raise
        now = self._clock()
        self._keys = keys
        self._keys_loaded_at = now
        self._last_attempt_at = now
        self._last_attempt_failed = False

    def cached_kids(self) -> Iterable[str | None]:
        """Kids currently cached (diagnostics and tests)."""
        return [k.kid for k in self._keys]


def mint_token(
    secret: str,
    user_id: str,
    *,
    ttl_s: int = 3600,
    issuer: str | None = None,
    audience: str | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Mint an HS256 token for ``user_id`` (dev CLI and tests); ``extra`` claims win."""
    now = int(time.time())
    claims: dict[str, Any] = {"sub": user_id, "user_id": user_id, "iat": now, "exp": now + ttl_s}
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    if extra:
        claims.update(extra)
    return jwt.encode(claims, secret, algorithm="HS256")
