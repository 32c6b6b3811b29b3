"""stamps.retrieve / stamps.verify and usage.retrieve against a local http.server that publishes
the JWKS of a key generated here, serves a stamp signed with it, and records each request."""

import base64
import datetime
import hashlib
import http.server
import json
import threading
import time
import unittest

import _support  # noqa: F401
from _es256 import Es256Key, b64url

import keyra

STAMP_ID = "stp_4Qm9xT2bLw8RkZ1yV7nC3pHd"
ISSUED_AT = "2026-11-22T10:04:31Z"
IAT = 1795341871


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.keys = []
        self.stamp = None
        self.usage = None
        self.requests = []  # (path, headers)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        server = self.server
        server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        if self.path == "/.well-known/jwks.json":
            status, body = 200, {"keys": [k.jwk() for k in server.keys]}
        elif server.stamp is not None and self.path == f"/v1/stamps/{server.stamp['stamp_id']}":
            status, body = 200, server.stamp
        elif self.path.startswith("/v1/stamps/"):
            status, body = 404, {"code": "stamp_not_found", "message": "No stamp."}
        elif self.path.startswith("/v1/usage"):
            status, body = 200, server.usage
        else:
            status, body = 404, {"code": "route_not_found", "message": "No route."}
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class StampTests(unittest.TestCase):
    def setUp(self) -> None:
        self.server = Server()
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.key = Es256Key("kid-1")
        self.server.keys = [self.key]
        self.client = keyra.Keyra(api_key="sk_test_x", base_url=self.server.url, timeout=5)
        self.proof = self.key.sign(
            {"alg": "ES256", "kid": "kid-1", "typ": "keyra-proof+jwt"},
            {"iss": self.server.url, "sub": "usr_1", "jti": "prf_1", "aud": "default", "iat": int(time.time()),
             "exp": int(time.time()) + 86400, "method": "device", "env": "sandbox"},
        )

    def tearDown(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def make_stamp(self, key=None, typ="keyra-stamp+jwt", **claims) -> dict:
        key = key or self.key
        fields = {
            "stamp_id": STAMP_ID,
            "proof_sha256": sha256(self.proof),
            "issued_at": ISSUED_AT,
            "method": "device",
            "environment": "sandbox",
        }
        signed = {
            "iss": self.server.url,
            "jti": STAMP_ID,
            "iat": IAT,
            "stamp_id": fields["stamp_id"],
            "proof_sha256": fields["proof_sha256"],
            "issued_at": fields["issued_at"],
            "method": fields["method"],
            "env": fields["environment"],
        }
        signed.update(claims)
        signature = key.sign({"alg": "ES256", "kid": key.kid, "typ": typ}, signed)
        return dict(
            {"object": "stamp"},
            **fields,
            signature=signature,
            eas={"schema": "bytes32 proofHash, uint64 issuedAt, string method", "schema_uid": "0x" + "1" * 64,
                 "attester": None, "offchain": None, "onchain": None},
        )

    def jwks_fetches(self) -> int:
        return sum(1 for path, _ in self.server.requests if path == "/.well-known/jwks.json")

    def test_retrieve_sends_no_api_key(self) -> None:
        self.server.stamp = self.make_stamp()
        stamp = self.client.stamps.retrieve(STAMP_ID)
        self.assertEqual(stamp, self.server.stamp)
        self.assertEqual(stamp.proof_sha256, sha256(self.proof))
        anonymous = keyra.Keyra(api_key="", base_url=self.server.url, timeout=5)
        anonymous._transport.api_key = None  # no key at all, whatever the environment says
        self.assertEqual(anonymous.stamps.retrieve(STAMP_ID), self.server.stamp)
        for _, headers in self.server.requests:
            self.assertNotIn("authorization", headers)
            self.assertNotIn("x-api-key", headers)
        with self.assertRaises(keyra.NotFoundError) as ctx:
            self.client.stamps.retrieve("stp_unknown0000")
        self.assertEqual(ctx.exception.code, "stamp_not_found")

    def test_valid_stamp_verifies_and_shares_the_proofs_jwks(self) -> None:
        self.server.stamp = self.make_stamp()
        stamp = self.client.stamps.retrieve(STAMP_ID)
        claims = self.client.stamps.verify(stamp, proof=self.proof, issuer=self.server.url + "/", env="sandbox")
        self.assertEqual(claims.stamp_id, STAMP_ID)
        self.assertEqual(claims["jti"], STAMP_ID)
        self.assertEqual(claims["iat"], IAT)
        self.assertEqual(claims["issued_at"], ISSUED_AT)
        self.assertEqual(claims["env"], "sandbox")
        # A plain dict (a stored copy, an approval's "stamp"), with the proof positionally.
        self.client.stamps.verify(json.loads(json.dumps(stamp)), self.proof)
        self.client.proofs.verify(self.proof)
        self.assertEqual(self.jwks_fetches(), 1)

    def test_tampered_fields_fail(self) -> None:
        stamp = self.make_stamp()
        changes = {
            "stamp_id": "stp_4Qm9xT2bLw8RkZ1yV7nC3pHe",
            "proof_sha256": sha256("another proof"),
            "issued_at": "2026-11-22T10:04:32Z",
            "method": "passkey",
            "environment": "production",
        }
        for field, value in changes.items():
            with self.subTest(field=field):
                with self.assertRaises(keyra.ProofVerificationError) as ctx:
                    self.client.stamps.verify(dict(stamp, **{field: value}))
                self.assertEqual(ctx.exception.code, "stamp_claim_mismatch")
                self.assertIn(field, str(ctx.exception))
        missing = {k: v for k, v in stamp.items() if k != "method"}
        with self.assertRaises(keyra.ProofVerificationError):
            self.client.stamps.verify(missing)
        # Claims changed under the original signature.
        head, payload, sig = stamp["signature"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        forged = b64url(json.dumps(dict(claims, env="production")).encode())
        with self.assertRaises(keyra.ProofVerificationError) as ctx:
            self.client.stamps.verify(dict(stamp, environment="production", signature=f"{head}.{forged}.{sig}"))
        self.assertEqual(ctx.exception.code, "stamp_invalid")
        # Signed claims that disagree with the fields.
        with self.assertRaises(keyra.ProofVerificationError):
            self.client.stamps.verify(self.make_stamp(method="voice"))
        for bad in (dict(stamp, signature="not.a.jws"), dict(stamp, signature=None), "stp_x", None):
            with self.subTest(bad=str(bad)[:30]):
                with self.assertRaises(keyra.ProofVerificationError):
                    self.client.stamps.verify(bad)

    def test_wrong_typ_fails_both_ways(self) -> None:
        stamp = self.make_stamp()
        for typ in ("keyra-proof+jwt", "JWT"):
            with self.subTest(typ=typ):
                with self.assertRaises(keyra.ProofVerificationError) as ctx:
                    self.client.stamps.verify(self.make_stamp(typ=typ))
                self.assertIn("keyra-stamp+jwt", str(ctx.exception))
        # A real proof in the signature's place, and a stamp's signature given as a proof.
        with self.assertRaises(keyra.ProofVerificationError):
            self.client.stamps.verify(dict(stamp, signature=self.proof))
        with self.assertRaises(keyra.ProofVerificationError) as ctx:
            self.client.proofs.verify(stamp["signature"])
        self.assertIn("keyra-proof+jwt", str(ctx.exception))

    def test_wrong_proof_fails(self) -> None:
        stamp = self.make_stamp()
        other = self.key.sign(
            {"alg": "ES256", "kid": "kid-1", "typ": "keyra-proof+jwt"}, {"sub": "usr_1", "jti": "prf_2"}
        )
        for proof in (other, self.proof + " ", self.proof + "é"):
            with self.subTest(proof=proof[-8:]):
                with self.assertRaises(keyra.ProofVerificationError):
                    self.client.stamps.verify(stamp, proof=proof)
        self.assertEqual(self.client.stamps.verify(stamp, proof=self.proof)["stamp_id"], STAMP_ID)

    def test_unknown_kid_foreign_key_and_expectations_fail(self) -> None:
        stranger = Es256Key("kid-2")
        with self.assertRaises(keyra.ProofVerificationError) as ctx:
            self.client.stamps.verify(self.make_stamp(key=stranger))
        self.assertEqual(ctx.exception.code, "stamp_key_not_found")
        # With keys you hold: no network.
        before = len(self.server.requests)
        jwks = {"keys": [self.key.jwk(), stranger.jwk()]}
        self.client.stamps.verify(self.make_stamp(key=stranger), jwks=jwks)
        self.assertEqual(len(self.server.requests), before)
        # Another key's signature under a published kid.
        impostor = Es256Key("kid-1")
        with self.assertRaises(keyra.ProofVerificationError) as ctx:
            self.client.stamps.verify(self.make_stamp(key=impostor))
        self.assertIn("does not verify", str(ctx.exception))
        stamp = self.make_stamp()
        with self.assertRaises(keyra.ProofVerificationError):
            self.client.stamps.verify(stamp, env="production")
        with self.assertRaises(keyra.ProofVerificationError):
            self.client.stamps.verify(stamp, issuer="https://keyra.example")

    def test_usage_retrieve_sends_the_range(self) -> None:
        self.server.usage = {"object": "usage", "totals": {"verifications": 3, "byMethod": {"device": 3}}, "days": []}
        report = self.client.usage.retrieve(from_="2026-11-01", to=datetime.date(2026, 11, 22))
        self.assertEqual(report.totals.by_method.device, 3)
        self.client.usage.retrieve()
        self.client.usage.retrieve({"from": "2026-10-01"})
        paths = [(p, h.get("authorization")) for p, h in self.server.requests]
        self.assertEqual(
            paths,
            [
                ("/v1/usage?from=2026-11-01&to=2026-11-22", "Bearer sk_test_x"),
                ("/v1/usage", "Bearer sk_test_x"),
                ("/v1/usage?from=2026-10-01", "Bearer sk_test_x"),
            ],
        )


if __name__ == "__main__":
    unittest.main()
