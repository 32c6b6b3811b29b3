"""A throwaway ES256 signer for the tests (the SDK itself only verifies): a P-256 key from the
``cryptography`` package and RFC 7515 compact JWS signing."""

import base64
import json
from typing import Any, Dict

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class Es256Key:
    def __init__(self, kid: str) -> None:
        self.kid = kid
        self._key = ec.generate_private_key(ec.SECP256R1())
        numbers = self._key.public_key().public_numbers()
        self.x, self.y = numbers.x, numbers.y

    def jwk(self) -> Dict[str, str]:
        return {
            "kty": "EC",
            "crv": "P-256",
            "kid": self.kid,
            "alg": "ES256",
            "use": "sig",
            "x": b64url(self.x.to_bytes(32, "big")),
            "y": b64url(self.y.to_bytes(32, "big")),
        }

    def sign(self, header: Dict[str, Any], claims: Dict[str, Any]) -> str:
        signing_input = (
            b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        )
        der = self._key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
