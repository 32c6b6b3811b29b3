"""keyra.events.deliveries and keyra.voice.enrollment: the requests they send and what they return."""

import unittest

import _support  # noqa: F401

from test_retries import ServerCase

ATTEMPT = {
    "id": "wha_abcd1234",
    "endpointId": "we_abcd1234",
    "eventId": "evt_abcd1234",
    "attempt": 1,
    "status": "succeeded",
}


class LookupsTest(ServerCase):
    def test_event_deliveries_across_endpoints(self):
        self.server.script = [(200, {}, {"data": [ATTEMPT], "hasMore": False, "nextCursor": None})]
        page = self.client.events.deliveries("evt_abcd1234", limit=10)
        self.assertEqual(page["data"][0]["endpointId"], "we_abcd1234")
        method, path, headers, _, _ = self.server.requests[-1]
        self.assertEqual((method, path), ("GET", "/v1/events/evt_abcd1234/deliveries?limit=10"))
        self.assertEqual(headers.get("authorization"), "Bearer sk_test_x")

    def test_voice_enrollment_by_wallet_with_the_voice_api_key_header(self):
        enrolled = {
            "wallet": "0xAb/c",
            "method": "voice",
            "projection_id": "p0",
            "params_version": "v1",
            "model_version": "kw-1",
            "created_at": "2026-12-06T10:00:00Z",
            "updated_at": "2026-12-06T10:00:00Z",
        }
        self.server.script = [(200, {}, enrolled)]
        status = self.client.voice.enrollment("0xAb/c")
        self.assertEqual(status["projection_id"], "p0")
        method, path, headers, _, _ = self.server.requests[-1]
        self.assertEqual((method, path), ("GET", "/api/v1/enrollments/0xAb%2Fc"))
        self.assertEqual(headers.get("x-api-key"), "sk_test_x")
        self.assertNotIn("authorization", headers)


if __name__ == "__main__":
    unittest.main()
