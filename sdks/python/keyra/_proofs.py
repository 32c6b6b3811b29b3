"""Offline verification of approval proofs: compact JWS, ES256, keys from /.well-known/jwks.json."""

import base64
import hashlib
import json
import threading
import time
from typing import Any, Dict, Optional

from . import _p256
from ._errors import KeyraError, ProofVerificationError
from ._object import to_object

JWKS_PATH = "/.well-known/jwks.json"
PROOF_TYP = "keyra-proof+jwt"
JWKS_TTL = 300.0
MIN_REFETCH_INTERVAL = 10.0


def _b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "+/="):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fail(message: str, code: str = "proof_invalid") -> ProofVerificationError:
    return ProofVerificationError(message, code=code)


def verify_es256_jws(token: str, jwks: Dict[str, Any]) -> Dict[str, Any]:
    """Checks a compact ES256 JWS against a JWKS and returns ``{"header", "payload"}``."""
    if not isinstance(token, str):
        raise _fail("The proof must be a compact JWS string.")
    parts = token.split(".")
    if len(parts) != 3:
        raise _fail("The proof is not a compact JWS (three dot-separated parts).")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as err:
        raise _fail("The proof is not well-formed base64url JSON.") from err
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise _fail("The proof header and payload must be JSON objects.")
    if header.get("alg") != "ES256":
        raise _fail(f"Unexpected alg {header.get('alg')!r}: only ES256 is accepted.")
    if header.get("typ") != PROOF_TYP:
        raise _fail(f"Unexpected typ {header.get('typ')!r}: expected {PROOF_TYP!r}.")
    if "crit" in header:
        raise _fail("Unsupported critical header parameters.")
    if len(signature) != 64:
        raise _fail("An ES256 signature is 64 bytes (r || s).")
    kid = header.get("kid")
    candidates = [
        k
        for k in jwks.get("keys", [])
        if isinstance(k, dict)
        and k.get("kty") == "EC"
        and k.get("crv") == "P-256"
        and k.get("alg", "ES256") == "ES256"
        and k.get("use", "sig") == "sig"
        and (kid is None or k.get("kid") == kid)
    ]
    if not candidates:
        raise _fail(f"No P-256 key with kid {kid!r} in the JWKS.", code="proof_key_not_found")
    digest = hashlib.sha256(f"{parts[0]}.{parts[1]}".encode("ascii")).digest()
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    for key in candidates:
        try:
            x = int.from_bytes(_b64url_decode(key["x"]), "big")
            y = int.from_bytes(_b64url_decode(key["y"]), "big")
        except (KeyError, ValueError):
            continue
        if _p256.verify(x, y, digest, r, s):
            return {"header": header, "payload": payload}
    raise _fail("The proof signature does not verify.")


class Proofs:
    """``keyra.proofs``: verify proofs offline with a cached JWKS."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._lock = threading.Lock()
        self._jwks: Optional[Dict[str, Any]] = None
        self._fetched_at = 0.0

    def jwks(self, force: bool = False) -> Dict[str, Any]:
        """The server's signing keys (cached for 5 minutes)."""
        with self._lock:
            now = time.monotonic()
            if force or self._jwks is None or now - self._fetched_at > JWKS_TTL:
                fetched = self._transport.request("GET", JWKS_PATH, authenticated=False)
                if not isinstance(fetched, dict) or not isinstance(fetched.get("keys"), list):
                    raise KeyraError("The JWKS answer has no keys.", code="invalid_jwks")
                self._jwks = fetched
                self._fetched_at = now
            return self._jwks

    def verify(
        self,
        proof: str,
        *,
        jwks: Optional[Dict[str, Any]] = None,
        issuer: Optional[str] = None,
        env: Optional[str] = None,
        action: Optional[str] = None,
        challenge_id: Optional[str] = None,
        payload: Any = None,
        max_age: Optional[float] = None,
        now: Optional[float] = None,
    ) -> Any:
        """Verifies ``proof`` and returns its claims. Raises :class:`ProofVerificationError`.

        Pass the expectations you act on: ``env`` ("production" in production), ``action``,
        ``challenge_id``, ``issuer`` and/or ``payload`` (its RFC 8785 SHA-256 must equal
        ``payloadDigest``; this SDK canonicalises with sorted keys, which matches JCS for the
        strings, integers, booleans and nulls that payloads usually hold).
        """
        if jwks is not None:
            result = verify_es256_jws(proof, jwks)
        else:
            try:
                result = verify_es256_jws(proof, self.jwks())
            except ProofVerificationError as err:
                if err.code != "proof_key_not_found" or (
                    time.monotonic() - self._fetched_at < MIN_REFETCH_INTERVAL
                ):
                    raise
                # A key we have not seen: the server may have rotated since our last fetch.
                result = verify_es256_jws(proof, self.jwks(force=True))
        claims = result["payload"]

        def expect(name: str, wanted: Any) -> None:
            if wanted is not None and claims.get(name) != wanted:
                raise _fail(
                    f"Proof claim {name} is {claims.get(name)!r}, expected {wanted!r}.",
                    code="proof_claim_mismatch",
                )

        expect("iss", issuer.rstrip("/") if isinstance(issuer, str) else issuer)
        expect("env", env)
        expect("action", action)
        expect("challengeId", challenge_id)
        if payload is not None:
            expect("payloadDigest", payload_digest(payload))
        current = time.time() if now is None else now
        iat = claims.get("iat")
        if isinstance(iat, (int, float)):
            if iat > current + 300:
                raise _fail("The proof was issued in the future.", code="proof_claim_mismatch")
            if max_age is not None and current - iat > max_age:
                raise _fail("The proof is older than max_age.", code="proof_claim_mismatch")
        return to_object(claims)


def payload_digest(payload: Any) -> str:
    """SHA-256 hex of the canonical JSON of ``payload`` (sorted keys, no whitespace)."""
    canonical = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
