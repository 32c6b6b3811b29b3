"""A throwaway ES256 signer for the tests (the SDK itself only verifies): a P-256 key generated
here with the SDK's curve arithmetic, and RFC 7515 compact JWS signing with a random nonce."""

import base64
import hashlib
import json
import secrets
from typing import Any, Dict

from keyra import _p256


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _mul_g(k: int):
    return _p256._to_affine(_p256._mul_add(k, (_p256.GX, _p256.GY, 1), 0, _p256.INFINITY))


class Es256Key:
    def __init__(self, kid: str) -> None:
        self.kid = kid
        self._d = secrets.randbelow(_p256.N - 1) + 1
        self.x, self.y = _mul_g(self._d)

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
        e = int.from_bytes(hashlib.sha256(signing_input.encode("ascii")).digest(), "big")
        while True:
            k = secrets.randbelow(_p256.N - 1) + 1
            r = _mul_g(k)[0] % _p256.N
            s = pow(k, _p256.N - 2, _p256.N) * (e + r * self._d) % _p256.N
            if r and s:
                break
        return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
