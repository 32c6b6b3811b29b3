"""Compact ES256 JWS checked against the server's JWKS, shared by proofs and stamps."""

import base64
import json
import threading
import time
from typing import Any, Dict, Optional

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ._errors import KeyraError, ProofVerificationError

JWKS_PATH = "/.well-known/jwks.json"
PROOF_TYP = "keyra-proof+jwt"
STAMP_TYP = "keyra-stamp+jwt"
JWKS_TTL = 300.0
MIN_REFETCH_INTERVAL = 10.0

_NOUNS = {PROOF_TYP: "proof", STAMP_TYP: "stamp"}


def _b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "+/="):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_es256_jws(token: str, jwks: Dict[str, Any], typ: str = PROOF_TYP) -> Dict[str, Any]:
    """Checks a compact ES256 JWS whose header ``typ`` is exactly ``typ`` against a JWKS and
    returns ``{"header", "payload"}``. Raises :class:`ProofVerificationError` with code
    ``proof_invalid`` / ``proof_key_not_found`` (``stamp_…`` for ``keyra-stamp+jwt``)."""
    noun = _NOUNS.get(typ, "token")

    def fail(message: str, reason: str = "invalid") -> ProofVerificationError:
        return ProofVerificationError(message, code=f"{noun}_{reason}")

    if not isinstance(token, str):
        raise fail(f"The {noun} must be a compact JWS string.")
    parts = token.split(".")
    if len(parts) != 3:
        raise fail(f"The {noun} is not a compact JWS (three dot-separated parts).")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as err:
        raise fail(f"The {noun} is not well-formed base64url JSON.") from err
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise fail(f"The {noun} header and payload must be JSON objects.")
    if header.get("alg") != "ES256":
        raise fail(f"Unexpected alg {header.get('alg')!r}: only ES256 is accepted.")
    if header.get("typ") != typ:
        raise fail(f"Unexpected typ {header.get('typ')!r}: a {noun} is {typ!r}.")
    if "crit" in header:
        raise fail("Unsupported critical header parameters.")
    if len(signature) != 64:
        raise fail("An ES256 signature is 64 bytes (r || s).")
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
        raise fail(f"No P-256 key with kid {kid!r} in the JWKS.", reason="key_not_found")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    # JWS carries r || s (RFC 7518 §3.4); the cryptography package takes the DER form.
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    for key in candidates:
        try:
            x = _b64url_decode(key["x"])
            y = _b64url_decode(key["y"])
            if len(x) != 32 or len(y) != 32:
                continue
            # Rejects a point that is not on P-256 (an invalid-curve key) with ValueError.
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b"\x04" + x + y
            )
        except (KeyError, TypeError, ValueError):
            continue
        try:
            public_key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return {"header": header, "payload": payload}
    raise fail(f"The {noun} signature does not verify.")


class JwksCache:
    """The server's signing keys, cached for 5 minutes; one instance serves proofs and stamps."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport
        self._lock = threading.Lock()
        self._jwks: Optional[Dict[str, Any]] = None
        self._fetched_at = 0.0

    def get(self, force: bool = False) -> Dict[str, Any]:
        with self._lock:
            now = time.monotonic()
            if force or self._jwks is None or now - self._fetched_at > JWKS_TTL:
                fetched = self._transport.request("GET", JWKS_PATH, authenticated=False)
                if not isinstance(fetched, dict) or not isinstance(fetched.get("keys"), list):
                    raise KeyraError("The JWKS answer has no keys.", code="invalid_jwks")
                self._jwks = fetched
                self._fetched_at = now
            return self._jwks

    def verify(self, token: str, typ: str, jwks: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """``verify_es256_jws`` with ``jwks``, else with the cache, refetched once for an unknown
        ``kid`` (the server may have rotated its keys since the last fetch)."""
        if jwks is not None:
            return verify_es256_jws(token, jwks, typ)
        try:
            return verify_es256_jws(token, self.get(), typ)
        except ProofVerificationError as err:
            if not (err.code or "").endswith("_key_not_found") or (
                time.monotonic() - self._fetched_at < MIN_REFETCH_INTERVAL
            ):
                raise
            return verify_es256_jws(token, self.get(force=True), typ)
