"""Webhook signatures, with headers made by independent code (plain hmac, written here)."""

import hashlib
import hmac
import json
import os
import time
import unittest
from unittest import mock

import _support  # noqa: F401

import keyra

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw8q1B4kG0qMc="
OLD_SECRET = "whsec_b2xkLXNlY3JldC1ieXRlcy1mb3ItdGVzdGluZy4uLg=="
BODY = '{"id":"evt_7Yt5Rw3Eq1Az9Sx8","type":"challenge.approved","created":1780080031,"data":{"challengeId":"chl_Vb6Nm4Kj2Hg8Fd0S","amount":"12 500 €"}}'


def independent_header(body: str, secrets, t: int) -> str:
    """The server's recipe, written out: hex HMAC-SHA256(whole secret, f"{t}.{body}")."""
    sigs = [
        hmac.new(s.encode("utf-8"), f"{t}.{body}".encode("utf-8"), hashlib.sha256).hexdigest()
        for s in secrets
    ]
    return ",".join([f"t={t}"] + [f"v1={sig}" for sig in sigs])


class WebhookVerifyTests(unittest.TestCase):
    def setUp(self) -> None:
        self.client = keyra.Keyra(api_key="sk_test_unused")
        self.now = int(time.time())

    def test_valid(self) -> None:
        header = independent_header(BODY, [SECRET], self.now)
        self.assertTrue(self.client.webhooks.verify(BODY, header, SECRET))
        self.assertTrue(self.client.webhooks.verify(BODY.encode("utf-8"), header, SECRET))
        event = self.client.webhooks.construct_event(BODY, header, SECRET)
        self.assertEqual(event["type"], "challenge.approved")
        self.assertEqual(event.data.challenge_id, "chl_Vb6Nm4Kj2Hg8Fd0S")

    def test_tampered(self) -> None:
        header = independent_header(BODY, [SECRET], self.now)
        tampered = BODY.replace("12 500", "92 500")
        self.assertFalse(self.client.webhooks.verify(tampered, header, SECRET))
        # Re-serialised JSON is not the raw body either.
        reserialised = json.dumps(json.loads(BODY))
        self.assertFalse(self.client.webhooks.verify(reserialised, header, SECRET))
        with self.assertRaises(keyra.WebhookSignatureError):
            self.client.webhooks.construct_event(tampered, header, SECRET)
        # Wrong secret, a flipped signature, another timestamp with the same signature.
        self.assertFalse(self.client.webhooks.verify(BODY, header, OLD_SECRET))
        flipped = header[:-1] + ("0" if header[-1] != "0" else "1")
        self.assertFalse(self.client.webhooks.verify(BODY, flipped, SECRET))
        moved = header.replace(f"t={self.now}", f"t={self.now + 1}")
        self.assertFalse(self.client.webhooks.verify(BODY, moved, SECRET))

    def test_stale_and_future(self) -> None:
        for offset in (-301, -600, 301, 3600):
            with self.subTest(offset=offset):
                header = independent_header(BODY, [SECRET], self.now + offset)
                self.assertFalse(self.client.webhooks.verify(BODY, header, SECRET))
                with self.assertRaises(keyra.SignatureVerificationError):
                    self.client.webhooks.construct_event(BODY, header, SECRET)
        for offset in (-290, 290):
            header = independent_header(BODY, [SECRET], self.now + offset)
            self.assertTrue(self.client.webhooks.verify(BODY, header, SECRET))
        old = independent_header(BODY, [SECRET], 1780080031)
        self.assertTrue(self.client.webhooks.verify(BODY, old, SECRET, now=1780080031 + 60))
        self.assertTrue(self.client.webhooks.verify(BODY, old, SECRET, tolerance=10**10))

    def test_rotated(self) -> None:
        header = independent_header(BODY, [SECRET, OLD_SECRET], self.now)
        self.assertTrue(self.client.webhooks.verify(BODY, header, SECRET))
        self.assertTrue(self.client.webhooks.verify(BODY, header, OLD_SECRET))
        self.assertFalse(self.client.webhooks.verify(BODY, header, "whsec_other"))

    def test_malformed_headers(self) -> None:
        for header in (None, "", "v1=abc", f"t={self.now}", f"t=abc,v1=00", f"t={self.now},v1=", 42,
                       f"t=-{self.now},v1=00", f"t={self.now},v1=zz"):
            with self.subTest(header=header):
                self.assertFalse(self.client.webhooks.verify(BODY, header, SECRET))
        self.assertFalse(self.client.webhooks.verify({"parsed": True}, independent_header(BODY, [SECRET], self.now), SECRET))

    def test_secret_from_environment_and_client(self) -> None:
        header = independent_header(BODY, [SECRET], self.now)
        with mock.patch.dict(os.environ, {"KEYRA_WEBHOOK_SECRET": SECRET}):
            self.assertTrue(keyra.Keyra(api_key="k").webhooks.verify(BODY, header))
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertFalse(keyra.Keyra(api_key="k").webhooks.verify(BODY, header))
            self.assertTrue(keyra.Keyra(api_key="k", webhook_secret=SECRET).webhooks.verify(BODY, header))

    def test_generate_test_header_matches_independent_recipe(self) -> None:
        header = self.client.webhooks.generate_test_header(BODY, SECRET, timestamp=self.now)
        self.assertEqual(header, independent_header(BODY, [SECRET], self.now))
        fresh = self.client.webhooks.generate_test_header(BODY, SECRET)
        self.assertTrue(self.client.webhooks.verify(BODY, fresh, SECRET))


if __name__ == "__main__":
    unittest.main()
