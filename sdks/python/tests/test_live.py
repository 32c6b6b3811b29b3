"""Against a real server. Skipped unless KEYRA_BASE_URL and KEYRA_API_KEY are set
(e2e/sdk-python.test.ts starts `keyra serve --dev`, makes a key, pairs a simulated KEYRA ONE and
sets them, plus KEYRA_TEST_* for the approval, with a stamp, and a real webhook delivery)."""

import datetime
import json
import os
import time
import unittest

import _support  # noqa: F401

import keyra

BASE_URL = os.environ.get("KEYRA_BASE_URL")
API_KEY = os.environ.get("KEYRA_API_KEY")
LIVE = bool(BASE_URL and API_KEY)
# The payload e2e/sdk-python.test.ts approves: text, an integer, a fraction, an exponent and a key
# outside the Basic Multilingual Plane, so the SDK's RFC 8785 digest must equal the server's.
LIVE_PAYLOAD = {
    "amount": 12500,
    "currency": "USD",
    "memo": "Wire to Acme Corp",
    "rate": 0.000001,
    "fee": 1e21,
    "ratio": 4.5,
    "\U0001f600": "grinning",
    "\ufb33": "dalet",
}


@unittest.skipUnless(LIVE, "set KEYRA_BASE_URL and KEYRA_API_KEY to run against a server")
class LiveChallengeTests(unittest.TestCase):
    def setUp(self) -> None:
        # No arguments: the key and address come from the environment (SPEC §7).
        self.keyra = keyra.Keyra()

    def test_create_retrieve_list(self) -> None:
        challenge = self.keyra.challenges.create(
            action="transfer.approve",
            user_id="usr_py_live",
            payload={"amount": 12500, "currency": "USD", "memo": "Wire to Acme Corp"},
            expires_in=120,
        )
        self.assertRegex(challenge["id"], r"^chl_")
        self.assertEqual(challenge.status, "pending")
        self.assertTrue(challenge.expires_at)

        full = self.keyra.challenges.retrieve(challenge.id)
        self.assertEqual(full["action"], "transfer.approve")
        self.assertEqual(full["userId"], "usr_py_live")
        self.assertEqual(full.payload["amount"], 12500)
        self.assertRegex(full.digest, r"^[0-9a-f]{64}$")

        second = self.keyra.challenges.create(action="deploy.production", user_id="usr_py_live", payload={})
        page = self.keyra.challenges.list(user_id="usr_py_live", limit=1)
        self.assertEqual(len(page["data"]), 1)
        self.assertEqual(page["data"][0]["id"], second["id"])
        self.assertTrue(page.has_more)
        ids = [c["id"] for c in self.keyra.challenges.list_auto_paging(user_id="usr_py_live", limit=1)]
        self.assertIn(challenge["id"], ids)
        self.assertIn(second["id"], ids)
        self.assertEqual(len(ids), len(set(ids)))
        pending = self.keyra.challenges.list(user_id="usr_py_live", action="transfer.approve")
        self.assertTrue(all(c["action"] == "transfer.approve" for c in pending["data"]))

    def test_cancel_and_metadata(self) -> None:
        created = self.keyra.challenges.create(
            action="wire.send", user_id="usr_py_cancel", payload={"amount": 1}, metadata={"orderId": "ord_py"}
        )
        self.assertEqual(self.keyra.challenges.retrieve(created["id"])["metadata"], {"orderId": "ord_py"})
        canceled = self.keyra.challenges.cancel(created["id"])
        self.assertEqual((canceled["id"], canceled["status"]), (created["id"], "canceled"))
        # Cancelling again returns it as is.
        self.assertEqual(self.keyra.challenges.cancel(created["id"])["status"], "canceled")
        with self.assertRaises(keyra.NotFoundError):
            self.keyra.challenges.cancel("chl_doesnotexist0000")

    def test_idempotent_create(self) -> None:
        a = self.keyra.challenges.create(
            action="a.b", user_id="usr_py_idem", payload={"n": 1}, idempotency_key="py-live-idem-1"
        )
        b = self.keyra.challenges.create(
            action="a.b", user_id="usr_py_idem", payload={"n": 1}, idempotency_key="py-live-idem-1"
        )
        self.assertEqual(a["id"], b["id"])
        with self.assertRaises(keyra.InvalidRequestError) as ctx:
            self.keyra.challenges.create(
                action="a.b", user_id="usr_py_idem", payload={"n": 2}, idempotency_key="py-live-idem-1"
            )
        self.assertEqual((ctx.exception.status, ctx.exception.code), (422, "idempotency_key_reused"))

    def test_errors_map_to_types(self) -> None:
        bad = keyra.Keyra(api_key="sk_test_not_a_real_key", base_url=BASE_URL)
        with self.assertRaises(keyra.AuthenticationError) as ctx:
            bad.challenges.list()
        self.assertEqual((ctx.exception.status, ctx.exception.code), (401, "invalid_api_key"))
        self.assertTrue(ctx.exception.request_id)

        with self.assertRaises(keyra.NotFoundError) as ctx:
            self.keyra.challenges.retrieve("chl_doesNotExist0000")
        self.assertEqual((ctx.exception.status, ctx.exception.code), (404, "challenge_not_found"))

        with self.assertRaises(keyra.InvalidRequestError) as ctx:
            self.keyra.challenges.create(action="transfer.approve", user_id="usr_1", payload={}, expires_in="120")
        err = ctx.exception
        self.assertEqual((err.status, err.code), (400, "validation_failed"))
        self.assertTrue(any(d.get("field") == "expiresIn" for d in err.details), err.details)

        with self.assertRaises(keyra.InvalidRequestError) as ctx:
            self.keyra.challenges.create(action="a.b", user_id="usr_1", payload={}, colour="red")
        self.assertEqual(ctx.exception.code, "unknown_field")

    def test_unreachable_server(self) -> None:
        client = keyra.Keyra(api_key="k", base_url="http://127.0.0.1:9", max_retries=0, timeout=2)
        with self.assertRaises(keyra.APIConnectionError):
            client.challenges.list()


@unittest.skipUnless(
    LIVE and os.environ.get("KEYRA_TEST_CHALLENGE_ID") and os.environ.get("KEYRA_TEST_VERIFY_BODY"),
    "needs KEYRA_TEST_CHALLENGE_ID and KEYRA_TEST_VERIFY_BODY from the device simulator",
)
class LiveApprovalTests(unittest.TestCase):
    def test_verify_with_the_device_simulator(self) -> None:
        client = keyra.Keyra()
        challenge_id = os.environ["KEYRA_TEST_CHALLENGE_ID"]
        body = json.loads(os.environ["KEYRA_TEST_VERIFY_BODY"])
        # The seed's sample, in snake_case.
        result = client.challenges.verify(
            challenge_id, attestation=body["attestation"], device_id=body["deviceId"]
        )
        self.assertEqual(result["status"], "approved")
        self.assertEqual(result.id, challenge_id)
        self.assertEqual(result.device_id, body["deviceId"])
        self.assertIsInstance(result.proof, str)
        self.assertEqual(result.proof.count("."), 2)

        challenge = client.challenges.retrieve(challenge_id)
        self.assertEqual(challenge.status, "approved")
        # The proof carries its binding: the action, payload and audience the harness created the
        # challenge with (KEYRA_TEST_AUDIENCE), each checked here against this SDK's own values.
        audience = os.environ.get("KEYRA_TEST_AUDIENCE", "default")
        self.assertEqual(challenge.audience, audience)
        started = time.monotonic()
        claims = client.proofs.verify(
            result.proof,
            action="transfer.approve",
            payload=LIVE_PAYLOAD,
            audience=audience,
            issuer=client.base_url,
            env="sandbox",
            challenge_id=challenge_id,
        )
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(claims["aud"], audience)
        self.assertEqual(claims["exp"] - claims["iat"], 86400)
        # The payload as the server stores it canonicalizes to the same digest.
        client.proofs.verify(result.proof, payload=challenge.payload)
        for wrong in (
            {"action": "wire.send"},
            {"payload": dict(LIVE_PAYLOAD, amount=12501)},
            {"audience": audience + "-other"},
            {"now": claims["exp"] + 61},
            {"now": claims["iat"] - 61},
        ):
            with self.subTest(wrong=wrong):
                with self.assertRaises(keyra.ProofVerificationError):
                    client.proofs.verify(result.proof, **wrong)
        self.assertEqual(claims["sub"], challenge.user_id)
        self.assertEqual(claims["deviceId"], body["deviceId"])
        self.assertEqual(claims["challengeDigest"], challenge.digest)
        self.assertEqual(claims["method"], "device")
        # A forged claim set with the real signature fails.
        head, payload, sig = result.proof.split(".")
        with self.assertRaises(keyra.ProofVerificationError):
            client.proofs.verify(f"{head}.{payload[:-2]}AA.{sig}")

        # The challenge asked for a stamp: public, and verifiable offline against the proof.
        self.assertTrue(challenge.stamp_requested)
        self.assertIsNotNone(result.stamp)
        self.assertEqual(challenge.stamp_id, result.stamp.stamp_id)
        stamp = client.stamps.retrieve(challenge.stamp_id)
        self.assertEqual(stamp, result.stamp)
        self.assertEqual((stamp.object, stamp.method, stamp.environment), ("stamp", "device", "sandbox"))
        stamp_claims = client.stamps.verify(stamp, proof=result.proof, issuer=client.base_url, env="sandbox")
        self.assertEqual(stamp_claims["stamp_id"], stamp.stamp_id)
        self.assertEqual(stamp_claims["jti"], stamp.stamp_id)
        self.assertEqual(stamp_claims["proof_sha256"], stamp.proof_sha256)
        for bad_stamp, proof in (
            (stamp, result.proof + "x"),
            (dict(stamp, method="passkey"), result.proof),
            (dict(stamp, signature=result.proof), None),
        ):
            with self.assertRaises(keyra.ProofVerificationError):
                client.stamps.verify(bad_stamp, proof=proof)
        with self.assertRaises(keyra.ProofVerificationError):
            client.proofs.verify(stamp.signature)
        with self.assertRaises(keyra.NotFoundError) as ctx:
            client.stamps.retrieve("stp_doesNotExist0000")
        self.assertEqual(ctx.exception.code, "stamp_not_found")
        # And the approval is metered.
        self.assertGreaterEqual(client.usage.retrieve().totals.by_method.device, 1)

        # The same approval again is a conflict (new POST, new idempotency key).
        with self.assertRaises(keyra.ConflictError) as ctx:
            client.challenges.verify(challenge_id, attestation=body["attestation"], device_id=body["deviceId"])
        self.assertEqual(ctx.exception.code, "challenge_already_used")

        device_id = body["deviceId"]
        device = client.devices.retrieve(device_id)
        self.assertEqual(device["deviceId"], device_id)
        self.assertEqual(device.status, "active")
        listed = client.devices.list(user_id=challenge.user_id)
        self.assertIn(device_id, [d["deviceId"] for d in listed["data"]])
        renamed = client.devices.update(device_id, name="Python's KEYRA ONE")
        self.assertEqual(renamed["name"], "Python's KEYRA ONE")

        options = client.credentials.authentication_options(user_id=challenge.user_id)
        self.assertTrue(options["challenge"])

        client.devices.revoke(device_id)
        self.assertEqual(client.devices.retrieve(device_id).status, "revoked")
        active = client.devices.list(user_id=challenge.user_id)["data"]
        self.assertNotIn(device_id, [d["deviceId"] for d in active])

    def test_attestation_for_another_challenge_is_refused(self) -> None:
        client = keyra.Keyra()
        body = json.loads(os.environ["KEYRA_TEST_VERIFY_BODY"])
        other = client.challenges.create(action="wire.send", user_id="usr_py_other", payload={"amount": 1})
        with self.assertRaises(keyra.KeyraError) as ctx:
            client.challenges.verify(other.id, attestation=body["attestation"], device_id=body["deviceId"])
        self.assertIn(ctx.exception.status, (404, 422))


@unittest.skipUnless(LIVE, "set KEYRA_BASE_URL and KEYRA_API_KEY to run against a server")
class LiveUsageTests(unittest.TestCase):
    def test_usage_report(self) -> None:
        client = keyra.Keyra()
        today = datetime.datetime.now(datetime.timezone.utc).date()
        month = client.usage.retrieve()
        self.assertEqual(month.object, "usage")
        self.assertEqual((month["from"], month.to), (today.replace(day=1).isoformat(), today.isoformat()))
        self.assertEqual(len(month.days), today.day)
        self.assertEqual(month.environment, "sandbox")
        self.assertIn(month.plan, ("pilot", "production", "scale"))
        self.assertEqual(month.credits.granted, month.credits.used + month.credits.remaining)
        day = client.usage.retrieve(from_=today, to=today)
        self.assertEqual([d["date"] for d in day.days], [today.isoformat()])
        self.assertEqual(day.totals.verifications, sum(day.totals.by_method.values()))
        with self.assertRaises(keyra.InvalidRequestError) as ctx:
            client.usage.retrieve(from_=today, to="2000-01-01")
        self.assertEqual((ctx.exception.status, ctx.exception.code), (400, "invalid_usage_range"))


@unittest.skipUnless(LIVE, "set KEYRA_BASE_URL and KEYRA_API_KEY to run against a server")
class LiveWebhookTests(unittest.TestCase):
    def test_real_delivery_verifies(self) -> None:
        raw = os.environ.get("KEYRA_TEST_WEBHOOK_BODY")
        header = os.environ.get("KEYRA_TEST_WEBHOOK_HEADER")
        secret = os.environ.get("KEYRA_TEST_WEBHOOK_SECRET")
        if not (raw and header and secret):
            self.skipTest("no KEYRA_TEST_WEBHOOK_* delivery given")
        client = keyra.Keyra()
        self.assertTrue(client.webhooks.verify(raw, header, secret))
        event = client.webhooks.construct_event(raw.encode("utf-8"), header, secret)
        self.assertRegex(event.id, r"^evt_")
        self.assertFalse(client.webhooks.verify(raw + " ", header, secret))
        self.assertFalse(client.webhooks.verify(raw, header, secret + "x"))
        with self.assertRaises(keyra.SignatureVerificationError):
            client.webhooks.construct_event(raw, header, secret, now=time.time() + 600)
        # The event is also readable over the API.
        self.assertEqual(client.events.retrieve(event.id)["type"], event.type)

    def test_endpoint_lifecycle(self) -> None:
        client = keyra.Keyra()
        url = os.environ.get("KEYRA_TEST_WEBHOOK_URL", "http://127.0.0.1:9/py-sdk")
        created = client.webhook_endpoints.create(url=url, events=["challenge.approved"], description="py sdk")
        self.assertTrue(created.secret.startswith("whsec_"))
        endpoint_id = created["id"]
        try:
            got = client.webhook_endpoints.retrieve(endpoint_id)
            self.assertNotIn("secret", got)
            self.assertIn(endpoint_id, [e["id"] for e in client.webhook_endpoints.list()["data"]])
            updated = client.webhook_endpoints.update(endpoint_id, events=["*"], enabled=False)
            self.assertEqual((updated["events"], updated["enabled"]), (["*"], False))
            rotated = client.webhook_endpoints.rotate_secret(endpoint_id)
            self.assertNotEqual(rotated["secret"], created["secret"])
            self.assertTrue(rotated.previous_secret_expires_at)
            self.assertEqual(client.webhook_endpoints.deliveries(endpoint_id, limit=5)["data"], [])
        finally:
            client.webhook_endpoints.delete(endpoint_id)
        with self.assertRaises(keyra.NotFoundError) as ctx:
            client.webhook_endpoints.retrieve(endpoint_id)
        self.assertEqual(ctx.exception.code, "webhook_endpoint_not_found")
        events = client.events.list(limit=5)
        self.assertIsInstance(events["data"], list)


if __name__ == "__main__":
    unittest.main()
