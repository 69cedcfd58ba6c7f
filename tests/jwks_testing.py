"""Test helpers for asymmetric JWTs: a real local JWKS server and Better Auth style keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm


class JwksServer:
    """A JWKS endpoint whose key set, status and latency tests can change; counts GETs."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.status = 200
        self.delay_s = 0.0
        self.raw_body: bytes | None = None  # served instead of the JWKS when set
        self.requests = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with outer._lock:
                    outer.requests += 1
                    body = outer.raw_body or json.dumps({"keys": outer.keys}).encode()
                    status, delay = outer.status, outer.delay_s
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep pytest output clean

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.url = f"{self.base_url}/api/auth/jwks"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self._thread.join(5)


class FakeClock:
    """Monotonic clock the test advances by hand (drives JWKS cache/refetch timing)."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class SigningKey:
    """A private key plus its public JWK, Better Auth style."""

    def __init__(self, alg: str, kid: str | None = None, *, jwk_alg: bool = True) -> None:
        self.alg = alg
        self.kid = kid or uuid.uuid4().hex
        self.private: Any
        if alg == "EdDSA":
            self.private = ed25519.Ed25519PrivateKey.generate()
            jwk = OKPAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        elif alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
            jwk = ECAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        else:
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        jwk = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}
        jwk["kid"] = self.kid
        if jwk_alg:
            jwk["alg"] = alg
        self.jwk = jwk

    def sign(self, claims: dict[str, Any], *, alg: str | None = None, kid: Any = "same") -> str:
        headers = {} if kid is None else {"kid": self.kid if kid == "same" else kid}
        return jwt.encode(claims, self.private, algorithm=alg or self.alg, headers=headers)


def better_auth_claims(base_url: str, **extra: Any) -> dict[str, Any]:
    now = int(time.time())
    c = {
        "sub": "user-ba-1",
        "id": "user-ba-1",
        "email": "a@example.test",
        "name": "A",
        "iat": now,
        "exp": now + 15 * 60,
        "iss": base_url,
        "aud": base_url,
    }
    c.update(extra)
    return c


def b64u(data: bytes) -> str:
    """Base64url without padding, as JWS uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """Build a compact JWS by hand (HS256 when key is given, empty signature otherwise)."""
    signing_input = f"{b64u(json.dumps(header).encode())}.{b64u(json.dumps(claims).encode())}"
    sig = b""
    if key is not None:
        sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64u(sig)}"
