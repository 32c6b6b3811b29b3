"""ES256 proof verification. The fixture was signed by Node's crypto (not by this SDK)."""

import base64
import json
import unittest

import _support  # noqa: F401

import keyra

JWK = {
    "kty": "EC",
    "x": "9TnLFO6IqLsh2rI5rsV4htObTqJJ8IODWl_Ry20UqYI",
    "y": "gCg6ZSzx26ZD5viCVcjU9keRh-fMIzfphx4o-cYd668",
    "crv": "P-256",
    "kid": "test-kid",
    "alg": "ES256",
    "use": "sig",
}
JWKS = {"keys": [JWK]}
TOKEN = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6InRlc3Qta2lkIiwidHlwIjoia2V5cmEtcHJvb2Yrand0In0."
    "eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjg3ODciLCJzdWIiOiJ1c3JfMSIsImp0aSI6InByZl8xIiwiaWF0IjoxNzgwMDgwMDAwLCJj"
    "aGFsbGVuZ2VJZCI6ImNobF9hYmMiLCJhY3Rpb24iOiJ0cmFuc2Zlci5hcHByb3ZlIiwicGF5bG9hZERpZ2VzdCI6IjAwIiwibWV0aG9k"
    "IjoiZGV2aWNlIiwiZGV2aWNlSWQiOiJkZXZfMSIsImVudiI6InNhbmRib3gifQ."
    "0HiklhN9VaRhlPDePfx1_i83HCs5VBg2vhDy9fbeA6gKJL-9LXibfb7lvHVQMCg0cieO4USbrDYYHLRi9Km-zQ"
)
NOW = 1780080060


def b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


class ProofTests(unittest.TestCase):
    def setUp(self) -> None:
        self.client = keyra.Keyra(api_key="k", base_url="http://127.0.0.1:9")  # never contacted

    def test_valid_node_signature(self) -> None:
        claims = self.client.proofs.verify(
            TOKEN, jwks=JWKS, issuer="http://127.0.0.1:8787/", env="sandbox",
            action="transfer.approve", challenge_id="chl_abc", now=NOW,
        )
        self.assertEqual(claims.sub, "usr_1")
        self.assertEqual(claims["challengeId"], "chl_abc")

    def test_claim_mismatch(self) -> None:
        with self.assertRaises(keyra.ProofVerificationError):
            self.client.proofs.verify(TOKEN, jwks=JWKS, env="production", now=NOW)
        with self.assertRaises(keyra.ProofVerificationError):
            self.client.proofs.verify(TOKEN, jwks=JWKS, action="wire.send", now=NOW)
        with self.assertRaises(keyra.ProofVerificationError):
            self.client.proofs.verify(TOKEN, jwks=JWKS, max_age=10, now=NOW)

    def test_tampered(self) -> None:
        header, payload, sig = TOKEN.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        forged = b64(dict(claims, action="wire.send"))
        raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
        raw[5] ^= 1
        bad_sig = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
        none_alg = b64({"alg": "none", "typ": "keyra-proof+jwt", "kid": "test-kid"})
        other_key = dict(JWK, x=JWK["y"], y=JWK["x"])  # not on the curve
        for token, jwks in (
            (f"{header}.{forged}.{sig}", JWKS),
            (f"{header}.{payload}.{bad_sig}", JWKS),
            (f"{none_alg}.{payload}.{sig}", JWKS),
            (f"{header}.{payload}.", JWKS),
            ("not-a-jws", JWKS),
            (TOKEN, {"keys": [other_key]}),
            (TOKEN, {"keys": [dict(JWK, kid="another")]}),
        ):
            with self.subTest(token=token[:40]):
                with self.assertRaises(keyra.ProofVerificationError):
                    self.client.proofs.verify(token, jwks=jwks, now=NOW)

    def test_payload_digest(self) -> None:
        self.assertEqual(
            keyra.payload_digest({"b": 1, "a": [True, None, "x"]}),
            # sha256 of '{"a":[true,null,"x"],"b":1}'
            __import__("hashlib").sha256(b'{"a":[true,null,"x"],"b":1}').hexdigest(),
        )


if __name__ == "__main__":
    unittest.main()
