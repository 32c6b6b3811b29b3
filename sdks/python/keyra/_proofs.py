"""Offline verification of approval proofs: compact JWS, ES256, keys from /.well-known/jwks.json."""

import hashlib
import json
import time
from typing import Any, Dict, Optional

from ._errors import ProofVerificationError
from ._jws import PROOF_TYP, JwksCache
from ._object import to_object


def _fail(message: str, code: str = "proof_invalid") -> ProofVerificationError:
    return ProofVerificationError(message, code=code)


class Proofs:
    """``keyra.proofs``: verify proofs offline with a cached JWKS."""

    def __init__(self, keys: JwksCache) -> None:
        self._keys = keys

    def jwks(self, force: bool = False) -> Dict[str, Any]:
        """The server's signing keys (cached for 5 minutes)."""
        return self._keys.get(force)

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
        result = self._keys.verify(proof, PROOF_TYP, jwks)
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
