"""Stamps: public receipts of proofs (``GET /v1/stamps/:id``), verified offline like proofs."""

import hashlib
from typing import Any, Dict, Mapping, Optional

from ._errors import ProofVerificationError
from ._jws import STAMP_TYP, JwksCache
from ._object import to_object
from ._resources import _id

# Each signed claim and the stamp field it must equal.
_SIGNED_FIELDS = (
    ("stamp_id", "stamp_id"),
    ("proof_sha256", "proof_sha256"),
    ("issued_at", "issued_at"),
    ("method", "method"),
    ("env", "environment"),
)


def _fail(message: str, code: str = "stamp_invalid") -> ProofVerificationError:
    return ProofVerificationError(message, code=code)


class Stamps:
    """``keyra.stamps``: retrieve a stamp (public, no API key) and verify it offline."""

    def __init__(self, transport: Any, keys: JwksCache) -> None:
        self._t = transport
        self._keys = keys

    def retrieve(self, stamp_id: str) -> Any:
        """``GET /v1/stamps/:id``. The endpoint is public: no API key is sent, so a client
        without one works too."""
        return self._t.request("GET", f"/v1/stamps/{_id(stamp_id)}", authenticated=False)

    def verify(
        self,
        stamp: Mapping[str, Any],
        proof: Optional[str] = None,
        *,
        jwks: Optional[Dict[str, Any]] = None,
        issuer: Optional[str] = None,
        env: Optional[str] = None,
    ) -> Any:
        """Checks ``stamp`` (as ``retrieve`` returns it, or any dict of the same JSON) and returns
        the signed claims. Raises :class:`ProofVerificationError`.

        Checked: ``signature`` is an ES256 JWS by a key of the server's JWKS (the same cache as
        ``proofs.verify``; ``jwks=`` to use keys you hold) with ``typ: keyra-stamp+jwt`` (a
        proof's signature never passes); its claims equal the stamp's ``stamp_id``,
        ``proof_sha256``, ``issued_at``, ``method`` and ``environment``; with ``proof``, that
        ``proof_sha256`` is the SHA-256 of the proof's ASCII bytes; with ``issuer`` / ``env``,
        those claims. The EAS attestation in ``stamp["eas"]`` is not checked here.
        """
        if not isinstance(stamp, Mapping):
            raise _fail("The stamp must be a dict (the JSON of GET /v1/stamps/:id).")
        signature = stamp.get("signature")
        if not isinstance(signature, str):
            raise _fail("The stamp has no signature.")
        claims = self._keys.verify(signature, STAMP_TYP, jwks)["payload"]
        for claim, field in _SIGNED_FIELDS:
            signed = claims.get(claim)
            if not isinstance(signed, str) or signed != stamp.get(field):
                raise _fail(
                    f"The stamp's {field} {stamp.get(field)!r} is not the signed {signed!r}.",
                    code="stamp_claim_mismatch",
                )
        if proof is not None:
            try:
                digest = hashlib.sha256(proof.encode("ascii")).hexdigest()
            except (AttributeError, UnicodeEncodeError) as err:
                raise _fail("The proof must be a compact JWS (an ASCII string).") from err
            if digest != claims["proof_sha256"]:
                raise _fail(
                    "The proof is not the one the stamp commits to (proof_sha256 differs).",
                    code="stamp_proof_mismatch",
                )
        expected_issuer = issuer.rstrip("/") if isinstance(issuer, str) else None
        for name, wanted in (("iss", expected_issuer), ("env", env)):
            if wanted is not None and claims.get(name) != wanted:
                raise _fail(
                    f"Stamp claim {name} is {claims.get(name)!r}, expected {wanted!r}.",
                    code="stamp_claim_mismatch",
                )
        return to_object(claims)
