"""Offline verification of approval proofs: compact JWS, ES256, keys from /.well-known/jwks.json."""

import datetime
import hashlib
import time
from typing import Any, Dict, Optional

from ._canonical import canonical_json
from ._errors import ProofVerificationError
from ._jws import PROOF_TYP, JwksCache
from ._object import to_object

#: Allowed clock difference with the server when checking ``exp`` and ``iat`` (seconds).
DEFAULT_LEEWAY = 60


def _fail(message: str, code: str = "proof_invalid") -> ProofVerificationError:
    return ProofVerificationError(message, code=code)


def _mismatch(message: str) -> ProofVerificationError:
    return _fail(message, code="proof_claim_mismatch")


def _utc(seconds: float) -> str:
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.isoformat().replace("+00:00", "Z")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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
        action: Optional[str] = None,
        payload: Any = None,
        audience: Optional[str] = None,
        issuer: Optional[str] = None,
        env: Optional[str] = None,
        challenge_id: Optional[str] = None,
        max_age: Optional[float] = None,
        now: Optional[float] = None,
        leeway: float = DEFAULT_LEEWAY,
    ) -> Any:
        """Verifies ``proof`` and returns its claims. Raises :class:`ProofVerificationError`.

        Always checked: the ES256 signature with the server's keys, ``typ`` (a stamp's signature
        never passes), that ``exp`` has not passed and ``iat`` is not in the future (``leeway``
        seconds of clock difference, default 60; ``now`` as Unix seconds to check as of another
        time). A proof without ``exp`` (signed before proofs expired) is refused.

        Pass what you are about to act on and any mismatch is refused: ``action``, ``payload``
        (its RFC 8785 SHA-256 must equal ``payloadDigest``), ``audience`` (your relying-party
        name: the API key's or the challenge's ``audience``), and optionally ``issuer``, ``env``
        ("production" in production), ``challenge_id`` and ``max_age`` (seconds since ``iat``).
        """
        result = self._keys.verify(proof, PROOF_TYP, jwks)
        claims = result["payload"]
        current = time.time() if now is None else now
        exp, iat = claims.get("exp"), claims.get("iat")
        if not (_is_number(exp) and _is_number(iat)):
            raise _fail("The proof has no exp or iat claim (it predates proof expiry).")
        if current > exp + leeway:
            raise _fail(f"The proof expired at {_utc(exp)}; ask the human again.", code="proof_expired")
        if iat > current + leeway:
            raise _mismatch("The proof was issued in the future: check this machine's clock.")
        if max_age is not None and current - iat > max_age:
            raise _mismatch(f"The proof is older than max_age ({max_age} s).")
        if action is not None and claims.get("action") != action:
            raise _mismatch(f"The proof approves {claims.get('action')!r}, not {action!r}.")
        if payload is not None and claims.get("payloadDigest") != _digest_for_verify(payload):
            raise _mismatch(
                "The proof approves a different payload: its payloadDigest does not match the "
                "RFC 8785 digest of the payload you passed."
            )
        if audience is not None and claims.get("aud") != audience:
            raise _mismatch(f"The proof is for {claims.get('aud')!r}, not {audience!r}.")
        if issuer is not None and claims.get("iss") != issuer.rstrip("/"):
            raise _mismatch(f"The proof was issued by {claims.get('iss')!r}, not {issuer!r}.")
        if env is not None and claims.get("env") != env:
            raise _mismatch(f"The proof is from {claims.get('env')!r}, not {env!r}.")
        if challenge_id is not None and claims.get("challengeId") != challenge_id:
            raise _mismatch(f"The proof is for challenge {claims.get('challengeId')!r}, not {challenge_id!r}.")
        return to_object(claims)


def _digest_for_verify(payload: Any) -> str:
    try:
        return payload_digest(payload)
    except (TypeError, ValueError) as err:
        raise _fail(f"The payload cannot be canonicalized: {err}") from None


def payload_digest(payload: Any) -> str:
    """SHA-256 hex of the RFC 8785 canonical JSON of ``payload``: what a proof's
    ``payloadDigest`` holds. Raises ``ValueError``/``TypeError`` as :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()
