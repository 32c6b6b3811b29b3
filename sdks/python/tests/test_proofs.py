"""ES256 proof verification and its bindings. The fixtures were signed by Node's crypto (not by
this SDK); the canonical JSON is held to the vectors shared with the server and the other SDKs."""

import asyncio
import base64
import hashlib
import json
import os
import unittest

import _support  # noqa: F401

import keyra

NODE_JWK = {
    "kty": "EC",
    "x": "GPH0Z_qDeCyu-1IGPaLBfJQJNFsQEQwu-7eghyUzjEs",
    "y": "CpBJnEmKYdOiicYC8_Rv2nbjS7MPi0mBF6BvWzx5fq8",
    "crv": "P-256",
    "kid": "node-kid",
    "alg": "ES256",
    "use": "sig",
}
# Claims: iss http://127.0.0.1:8787, sub usr_1, jti prf_2, aud payments-api, iat 1780080000,
# exp 1780166400 (iat + 86400), challengeId chl_abc, action transfer.approve, payloadDigest of
# {"amount":12500,"currency":"USD"}, method device, deviceId dev_1, env sandbox.
TOKEN = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6Im5vZGUta2lkIiwidHlwIjoia2V5cmEtcHJvb2Yrand0In0."
    "eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjg3ODciLCJzdWIiOiJ1c3JfMSIsImp0aSI6InByZl8yIiwiYXVkIjoicGF5bWVudHMtYXBp"
    "IiwiaWF0IjoxNzgwMDgwMDAwLCJleHAiOjE3ODAxNjY0MDAsImNoYWxsZW5nZUlkIjoiY2hsX2FiYyIsImFjdGlvbiI6InRyYW5zZmVy"
    "LmFwcHJvdmUiLCJwYXlsb2FkRGlnZXN0IjoiODI0YmJlZmNlM2Q5OTkzNDJlODM0OGQzMTAxN2Q4ZmRmMjhkMGYyZWMyNGIwMmFjNDQ1"
    "MzZmMzQzMzM3NGFiMyIsImNoYWxsZW5nZURpZ2VzdCI6IjAwIiwibWV0aG9kIjoiZGV2aWNlIiwiZGV2aWNlSWQiOiJkZXZfMSIsImVu"
    "diI6InNhbmRib3gifQ."
    "Ff2xOU9eCHec1wmf6JeMRJaoYLuyLd9qogBDVLqTlAcCvt2n1wnMyi34X9gnvK5vPVhuf5xnA9hCkLsZZjoYmw"
)
IAT, EXP = 1780080000, 1780166400
NOW = IAT + 60
PAYLOAD = {"currency": "USD", "amount": 12500}

# A proof signed before proofs had exp and aud (another Node key): refused whatever the options.
OLD_JWK = {
    "kty": "EC",
    "x": "9TnLFO6IqLsh2rI5rsV4htObTqJJ8IODWl_Ry20UqYI",
    "y": "gCg6ZSzx26ZD5viCVcjU9keRh-fMIzfphx4o-cYd668",
    "crv": "P-256",
    "kid": "test-kid",
    "alg": "ES256",
    "use": "sig",
}
OLD_TOKEN = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6InRlc3Qta2lkIiwidHlwIjoia2V5cmEtcHJvb2Yrand0In0."
    "eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjg3ODciLCJzdWIiOiJ1c3JfMSIsImp0aSI6InByZl8xIiwiaWF0IjoxNzgwMDgwMDAwLCJj"
    "aGFsbGVuZ2VJZCI6ImNobF9hYmMiLCJhY3Rpb24iOiJ0cmFuc2Zlci5hcHByb3ZlIiwicGF5bG9hZERpZ2VzdCI6IjAwIiwibWV0aG9k"
    "IjoiZGV2aWNlIiwiZGV2aWNlSWQiOiJkZXZfMSIsImVudiI6InNhbmRib3gifQ."
    "0HiklhN9VaRhlPDePfx1_i83HCs5VBg2vhDy9fbeA6gKJL-9LXibfb7lvHVQMCg0cieO4USbrDYYHLRi9Km-zQ"
)
JWKS = {"keys": [NODE_JWK, OLD_JWK]}

VECTORS = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "fixtures", "canonical-json", "vectors.json"
)


def b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


class ProofTests(unittest.TestCase):
    def setUp(self) -> None:
        self.client = keyra.Keyra(api_key="k", base_url="http://127.0.0.1:9")  # never contacted

    def refuses(self, message: str, code: str = "proof_claim_mismatch", token: str = TOKEN, **options) -> None:
        options.setdefault("now", NOW)
        with self.assertRaises(keyra.ProofVerificationError) as ctx:
            self.client.proofs.verify(token, jwks=JWKS, **options)
        self.assertIn(message, str(ctx.exception))
        self.assertEqual(ctx.exception.code, code)

    def test_valid_node_signature_with_every_binding(self) -> None:
        claims = self.client.proofs.verify(
            TOKEN, jwks=JWKS, action="transfer.approve", payload=PAYLOAD, audience="payments-api",
            issuer="http://127.0.0.1:8787/", env="sandbox", challenge_id="chl_abc", now=NOW,
        )
        self.assertEqual(claims.sub, "usr_1")
        self.assertEqual((claims["aud"], claims.exp), ("payments-api", EXP))
        # Member order is not part of the payload: the digest is over the canonical form.
        self.client.proofs.verify(TOKEN, jwks=JWKS, payload={"amount": 12500, "currency": "USD"}, now=NOW)
        self.client.proofs.verify(TOKEN, jwks=JWKS, payload={"amount": 12500.0, "currency": "USD"}, now=NOW)

    def test_wrong_action_payload_or_audience(self) -> None:
        self.refuses("approves 'transfer.approve', not 'wire.send'", action="wire.send")
        self.refuses("different payload", payload={"amount": 12501, "currency": "USD"})
        self.refuses("different payload", payload={"amount": 12500, "currency": "USD", "memo": "x"})
        self.refuses("different payload", payload={})
        self.refuses("is for 'payments-api', not 'other-api'", audience="other-api")
        self.refuses("not 'production'", env="production")
        self.refuses("issued by", issuer="https://keyra.example.com")
        self.refuses("challenge", challenge_id="chl_other")
        self.refuses("cannot be canonicalized", code="proof_invalid", payload={"amount": float("nan")})

    def test_expiry_and_clock(self) -> None:
        # exp is checked with 60 s of leeway by default, or the leeway given.
        self.client.proofs.verify(TOKEN, jwks=JWKS, now=EXP + 59)
        self.refuses("The proof expired at 2026-05-30T18:40:00Z", code="proof_expired", now=EXP + 61)
        self.refuses("expired", code="proof_expired", now=EXP + 1, leeway=0)
        self.client.proofs.verify(TOKEN, jwks=JWKS, now=EXP + 500, leeway=600)
        # iat not in the future (this machine's clock behind the server's).
        self.client.proofs.verify(TOKEN, jwks=JWKS, now=IAT - 59)
        self.refuses("issued in the future", now=IAT - 61)
        self.refuses("issued in the future", now=IAT - 1, leeway=0)
        # max_age still works.
        self.client.proofs.verify(TOKEN, jwks=JWKS, max_age=120, now=NOW)
        self.refuses("older than max_age", max_age=10, now=NOW)

    def test_proof_without_exp_is_refused(self) -> None:
        for options in ({}, {"action": "transfer.approve"}, {"leeway": 10**9}):
            with self.subTest(options=options):
                self.refuses("no exp or iat claim", code="proof_invalid", token=OLD_TOKEN, **options)

    def test_tampered(self) -> None:
        header, payload, sig = TOKEN.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        forged = b64(dict(claims, aud="other-api"))
        raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
        raw[5] ^= 1
        bad_sig = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
        none_alg = b64({"alg": "none", "typ": "keyra-proof+jwt", "kid": "node-kid"})
        other_key = dict(NODE_JWK, x=NODE_JWK["y"], y=NODE_JWK["x"])  # not on the curve
        for token, jwks in (
            (f"{header}.{forged}.{sig}", JWKS),
            (f"{header}.{payload}.{bad_sig}", JWKS),
            (f"{none_alg}.{payload}.{sig}", JWKS),
            (f"{header}.{payload}.", JWKS),
            ("not-a-jws", JWKS),
            (TOKEN, {"keys": [other_key]}),
            (TOKEN, {"keys": [dict(NODE_JWK, kid="another")]}),
        ):
            with self.subTest(token=token[:40]):
                with self.assertRaises(keyra.ProofVerificationError):
                    self.client.proofs.verify(token, jwks=jwks, now=NOW)

    def test_async_verify_has_the_same_bindings(self) -> None:
        async def run() -> None:
            async with keyra.AsyncKeyra(api_key="k", base_url="http://127.0.0.1:9") as client:
                claims = await client.proofs.verify(
                    TOKEN, jwks=JWKS, action="transfer.approve", payload=PAYLOAD, audience="payments-api", now=NOW
                )
                self.assertEqual(claims.aud, "payments-api")
                for options in ({"audience": "other-api"}, {"payload": {"amount": 1}}, {"now": EXP + 61}):
                    with self.assertRaises(keyra.ProofVerificationError):
                        await client.proofs.verify(TOKEN, jwks=JWKS, **dict({"now": NOW}, **options))
                with self.assertRaises(keyra.ProofVerificationError):
                    await client.proofs.verify(OLD_TOKEN, jwks=JWKS, now=NOW)

        asyncio.run(run())


class CanonicalJsonTests(unittest.TestCase):
    def test_shared_vectors(self) -> None:
        with open(VECTORS, encoding="utf-8") as file:
            vectors = json.load(file)["vectors"]
        self.assertGreaterEqual(len(vectors), 10)
        for vector in vectors:
            with self.subTest(vector["name"]):
                value = json.loads(vector["input"])
                self.assertEqual(keyra.canonical_json(value), vector["canonical"])
                self.assertEqual(keyra.payload_digest(value), vector["sha256"])
                self.assertEqual(hashlib.sha256(vector["canonical"].encode()).hexdigest(), vector["sha256"])

    def test_numbers_print_as_ecmascript(self) -> None:
        for value, text in (
            (1e-7, "1e-7"), (1e21, "1e+21"), (1e20, "100000000000000000000"), (-0.0, "0"), (1.0, "1"),
            (1e16, "10000000000000000"), (0.000001, "0.000001"), (-1.5e-5, "-0.000015"), (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (123456789e-15, "1.23456789e-7"),
            (2**53 + 1, "9007199254740992"), (10**30, "1e+30"), (0.1 + 0.2, "0.30000000000000004"),
        ):
            with self.subTest(value=value):
                self.assertEqual(keyra.canonical_json(value), text)

    def test_members_sort_by_utf16_code_units(self) -> None:
        # Code points would put U+FB33 before U+1F600; UTF-16 puts the surrogates (D83D…) first.
        self.assertEqual(keyra.canonical_json({"\ufb33": 1, "\U0001f600": 2}), '{"\U0001f600":2,"\ufb33":1}')
        # A str holding the pair as two code points is the same key.
        self.assertEqual(keyra.canonical_json({"\ud83d\ude00": 1}), '{"\U0001f600":1}')

    def test_no_canonical_form(self) -> None:
        for value in (
            {"s": "\ud800"}, {"\udc00": 1}, {"s": "a\ude00b"}, float("nan"), float("inf"), [float("-inf")],
            10**400, {"\ud83d\ude00": 1, "\U0001f600": 2},
        ):
            with self.subTest(value=repr(value)):
                with self.assertRaises(ValueError):
                    keyra.canonical_json(value)
        for value in ({1: "a"}, {"a": b"bytes"}, {"a": {1, 2}}, object()):
            with self.subTest(value=repr(value)):
                with self.assertRaises(TypeError):
                    keyra.canonical_json(value)


if __name__ == "__main__":
    unittest.main()


# A quorum proof signed by Node's crypto (jose, key "quorum-kid"): sub is the challenge id,
# approvers lists usr_alice (device) and usr_bob (passkey); payload as TOKEN's.
QUORUM_JWK = {
    "kty": "EC",
    "x": "iLWIy5Tmjxn-tzACqmccxJ6f0dJfpIuh97zVSAtYR7s",
    "y": "HaCMfCemvPmR0xCH2uthsQNZu59FKIeRmpFEJZ8UhKU",
    "crv": "P-256",
    "kid": "quorum-kid",
    "alg": "ES256",
    "use": "sig",
}
QUORUM_TOKEN = (
    "eyJhbGciOiJFUzI1NiIsImtpZCI6InF1b3J1bS1raWQiLCJ0eXAiOiJrZXlyYS1wcm9vZitqd3QifQ."
    "eyJpc3MiOiJodHRwOi8vMTI3LjAuMC4xOjg3ODciLCJzdWIiOiJjaGxfcSIsImp0aSI6InByZl9xIiwiYXVkIjoidHJlYXN1cnki"
    "LCJpYXQiOjE3ODAwODAwMDAsImV4cCI6MTc4MDE2NjQwMCwiY2hhbGxlbmdlSWQiOiJjaGxfcSIsImFjdGlvbiI6IndpcmUuc2Vu"
    "ZCIsInBheWxvYWREaWdlc3QiOiI4MjRiYmVmY2UzZDk5OTM0MmU4MzQ4ZDMxMDE3ZDhmZGYyOGQwZjJlYzI0YjAyYWM0NDUzNmYz"
    "NDMzMzc0YWIzIiwiY2hhbGxlbmdlRGlnZXN0IjoiMDAiLCJtZXRob2QiOiJwYXNza2V5IiwiZGV2aWNlSWQiOiJkZXZfYiIsImVu"
    "diI6InNhbmRib3giLCJhcHByb3ZlcnMiOlt7InN1YiI6InVzcl9hbGljZSIsIm1ldGhvZCI6ImRldmljZSIsImRldmljZUlkIjoi"
    "ZGV2X2EiLCJhdCI6MTc4MDA3OTk5MH0seyJzdWIiOiJ1c3JfYm9iIiwibWV0aG9kIjoicGFzc2tleSIsImRldmljZUlkIjoiZGV2"
    "X2IiLCJhdCI6MTc4MDA4MDAwMH1dfQ."
    "BbQQCRQjRGA1NjzptlHUGshzz_Wc9sKC9ZQzhPucWpzNf2TwFgA7Iti6iplkLYmC5Vm8y2lA0job1-xGzsnCSw"
)


class QuorumProofTests(unittest.TestCase):
    def test_a_quorum_proof_verifies_and_names_every_approver(self) -> None:
        client = keyra.Keyra(api_key="k", base_url="http://127.0.0.1:9")  # never contacted
        claims = client.proofs.verify(
            QUORUM_TOKEN,
            jwks={"keys": [QUORUM_JWK]},
            action="wire.send",
            payload=PAYLOAD,
            audience="treasury",
            now=NOW,
        )
        self.assertEqual(claims.sub, "chl_q")
        self.assertEqual([a.sub for a in claims.approvers], ["usr_alice", "usr_bob"])
        self.assertEqual(claims.approvers[1].method, "passkey")
        self.assertEqual(claims.approvers[0].device_id, "dev_a")
        self.assertEqual(claims.approvers[0].at, 1780079990)

