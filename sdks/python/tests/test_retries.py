"""Retries and error mapping against a local http.server that counts attempts."""

import asyncio
import http.server
import json
import threading
import time
import unittest

import _support  # noqa: F401

import keyra
from keyra import _http


class Recorder(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests = []  # (method, path, headers, body, time)
        self.script = []  # list of (status, headers, body) served in order; last one repeats

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        server = self.server
        server.requests.append(
            (self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
        )
        index = min(len(server.requests) - 1, len(server.script) - 1)
        status, headers, payload = server.script[index]
        if status == "drop":
            # Close the socket without an answer: a network error for the client.
            self.close_connection = True
            self.connection.shutdown(2)
            return
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.send_header("request-id", f"req_{len(server.requests)}")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle


class ServerCase(unittest.TestCase):
    def setUp(self) -> None:
        self.server = Recorder()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.sleeps = []
        self.client = keyra.Keyra(api_key="sk_test_x", base_url=self.server.url, timeout=5)

    def tearDown(self) -> None:
        self.client.close()
        self.server.shutdown()
        self.server.server_close()

    def fast(self) -> None:
        """Records backoff delays instead of sleeping them."""
        self.client._transport._sleep = self.sleeps.append


CREATED = (201, {}, {"id": "chl_abcd1234", "status": "pending", "expiresAt": "2030-01-01T00:00:00Z"})


class RetryTests(ServerCase):
    def test_429_retry_after_is_honoured(self) -> None:
        self.server.script = [
            (429, {"retry-after": "1"}, {"code": "rate_limit_exceeded", "message": "slow down"}),
            CREATED,
        ]
        started = time.monotonic()
        result = self.client.challenges.create(action="transfer.approve", user_id="usr_1", payload={})
        self.assertEqual(result["id"], "chl_abcd1234")
        self.assertEqual(len(self.server.requests), 2)
        gap = self.server.requests[1][4] - self.server.requests[0][4]
        self.assertGreaterEqual(gap, 0.95, "the retry came before Retry-After elapsed")
        self.assertLess(time.monotonic() - started, 5)

    def test_500_is_retried_with_the_same_idempotency_key(self) -> None:
        self.fast()
        self.server.script = [
            (500, {}, {"code": "internal_error", "message": "boom"}),
            (503, {}, {"code": "service_unavailable", "message": "db"}),
            CREATED,
        ]
        self.client.challenges.create(action="a.b", user_id="usr_1", payload={"amount": 1})
        self.assertEqual(len(self.server.requests), 3)
        keys = {r[2].get("idempotency-key") for r in self.server.requests}
        self.assertEqual(len(keys), 1)
        (key,) = keys
        self.assertRegex(key, r"^[0-9a-f-]{36}$")
        bodies = {r[3] for r in self.server.requests}
        self.assertEqual(len(bodies), 1)
        self.assertEqual(len(self.sleeps), 2)
        self.assertTrue(all(0 < s <= 8 for s in self.sleeps), self.sleeps)

    def test_any_retry_after_is_honoured_409_idempotency_key_in_use(self) -> None:
        self.fast()
        in_use = {"code": "idempotency_key_in_use", "message": "still running"}
        self.server.script = [(409, {"retry-after": "1"}, in_use), CREATED]
        result = self.client.challenges.create(action="a.b", user_id="usr_1", payload={})
        self.assertEqual(result["id"], "chl_abcd1234")
        self.assertEqual(len(self.server.requests), 2)
        self.assertEqual(self.sleeps, [1.0])
        first, second = self.server.requests
        self.assertEqual(first[2]["idempotency-key"], second[2]["idempotency-key"])
        self.assertEqual(first[3], second[3])

    def test_409_without_retry_after_is_not_retried(self) -> None:
        self.fast()
        self.server.script = [(409, {}, {"code": "challenge_already_used", "message": "used"})]
        with self.assertRaises(keyra.ConflictError):
            self.client.challenges.create(action="a.b", user_id="usr_1", payload={})
        self.assertEqual(len(self.server.requests), 1)

    def test_retry_after_beyond_the_cap_is_raised_at_once(self) -> None:
        self.fast()
        self.server.script = [(429, {"retry-after": "3600"}, {"code": "rate_limit_exceeded", "message": "x"})]
        with self.assertRaises(keyra.RateLimitError) as ctx:
            self.client.challenges.list()
        self.assertEqual(ctx.exception.retry_after, 3600)
        self.assertEqual((len(self.server.requests), self.sleeps), (1, []))

    def test_each_post_gets_its_own_key(self) -> None:
        self.server.script = [CREATED]
        self.client.challenges.create(action="a.b", user_id="usr_1", payload={})
        self.client.challenges.create(action="a.b", user_id="usr_1", payload={})
        keys = [r[2].get("idempotency-key") for r in self.server.requests]
        self.assertEqual(len(set(keys)), 2)

    def test_caller_idempotency_key_is_used(self) -> None:
        self.server.script = [CREATED]
        self.client.challenges.create(action="a.b", user_id="usr_1", payload={}, idempotency_key="order-42")
        self.assertEqual(self.server.requests[0][2]["idempotency-key"], "order-42")

    def test_gives_up_after_max_retries(self) -> None:
        self.fast()
        self.server.script = [(502, {}, {"code": "internal_error", "message": "bad gateway"})]
        with self.assertRaises(keyra.APIError) as ctx:
            self.client.challenges.retrieve("chl_abcd1234")
        self.assertEqual(len(self.server.requests), 3)  # 1 + max_retries (2)
        self.assertEqual(ctx.exception.status, 502)
        self.assertEqual(ctx.exception.request_id, "req_3")

    def test_max_retries_zero(self) -> None:
        self.server.script = [(429, {"retry-after": "7"}, {"code": "rate_limit_exceeded", "message": "x"})]
        client = keyra.Keyra(api_key="k", base_url=self.server.url, max_retries=0)
        with self.assertRaises(keyra.RateLimitError) as ctx:
            client.challenges.list()
        self.assertEqual(len(self.server.requests), 1)
        self.assertEqual(ctx.exception.retry_after, 7)

    def test_400_is_not_retried(self) -> None:
        self.fast()
        details = [{"field": "expiresIn", "issue": "type", "message": "must be integer"}]
        self.server.script = [
            (400, {}, {"code": "validation_failed", "message": "Invalid request", "details": details})
        ]
        with self.assertRaises(keyra.InvalidRequestError) as ctx:
            self.client.challenges.create(action="a.b", user_id="u", payload={}, expires_in="120")
        self.assertEqual(len(self.server.requests), 1)
        err = ctx.exception
        self.assertEqual((err.code, err.status, err.details), ("validation_failed", 400, details))
        self.assertEqual(err.request_id, "req_1")
        self.assertEqual(self.sleeps, [])

    def test_network_error_is_retried(self) -> None:
        self.fast()
        self.server.script = [("drop", {}, b""), CREATED]
        result = self.client.challenges.create(action="a.b", user_id="usr_1", payload={})
        self.assertEqual(result.status, "pending")
        self.assertEqual(len(self.server.requests), 2)
        self.assertEqual(self.server.requests[0][2]["idempotency-key"], self.server.requests[1][2]["idempotency-key"])

    def test_connection_refused_is_api_connection_error(self) -> None:
        self.fast()
        url = self.server.url
        self.server.shutdown()
        self.server.server_close()
        client = keyra.Keyra(api_key="k", base_url=url, max_retries=1)
        client._transport._sleep = self.sleeps.append
        with self.assertRaises(keyra.APIConnectionError):
            client.challenges.retrieve("chl_abcd1234")
        self.assertEqual(len(self.sleeps), 1)
        self.server = Recorder()  # so tearDown has something to close
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def test_request_shape(self) -> None:
        self.server.script = [(200, {}, {"data": [], "hasMore": False, "nextCursor": None})]
        self.client.challenges.list(user_id="usr 1", status="pending", limit=5)
        method, path, headers, body, _ = self.server.requests[0]
        self.assertEqual(method, "GET")
        self.assertEqual(path, "/v1/challenges?userId=usr+1&status=pending&limit=5")
        self.assertEqual(headers["authorization"], "Bearer sk_test_x")
        self.assertNotIn("idempotency-key", headers)
        self.assertEqual(body, b"")

    def test_snake_case_kwargs_become_camel_case_top_level_only(self) -> None:
        self.server.script = [CREATED]
        self.client.challenges.create(
            action="a.b", user_id="usr_1", payload={"snake_key": 1}, expires_in=60
        )
        sent = json.loads(self.server.requests[0][3])
        self.assertEqual(sent, {"action": "a.b", "userId": "usr_1", "payload": {"snake_key": 1}, "expiresIn": 60})

    def test_voice_uses_x_api_key(self) -> None:
        self.server.script = [(200, {}, {"phrase_id": "pc_1", "prompt": "red fox 1 2", "expires_at": "x"})]
        phrase = self.client.voice.phrase(wallet="0xabc")
        self.assertEqual(phrase.phrase_id, "pc_1")
        method, path, headers, body, _ = self.server.requests[0]
        self.assertEqual((method, path), ("POST", "/api/v1/phrase"))
        self.assertEqual(headers["x-api-key"], "sk_test_x")
        self.assertNotIn("authorization", headers)


class AsyncClientTests(ServerCase):
    """AsyncKeyra on the same local server: the same requests, policy and errors, awaited."""

    def run_async(self, body):
        async def main():
            sleeps = []

            async def record(delay: float) -> None:
                sleeps.append(delay)

            async with keyra.AsyncKeyra(api_key="sk_test_x", base_url=self.server.url) as client:
                client._transport._sleep = record
                return await body(client), sleeps

        return asyncio.run(main())

    def test_retries_409_with_retry_after_with_the_same_key(self) -> None:
        in_use = {"code": "idempotency_key_in_use", "message": "still running"}
        self.server.script = [(409, {"retry-after": "1"}, in_use), (503, {}, {"code": "x", "message": "y"}), CREATED]

        async def body(client):
            return await client.challenges.create(action="a.b", user_id="usr_1", payload={"n": 1})

        created, sleeps = self.run_async(body)
        self.assertEqual(created.id, "chl_abcd1234")
        self.assertEqual(len(self.server.requests), 3)
        self.assertEqual(len({r[2]["idempotency-key"] for r in self.server.requests}), 1)
        self.assertEqual(sleeps[0], 1.0)
        self.assertEqual(json.loads(self.server.requests[0][3]), {"action": "a.b", "userId": "usr_1", "payload": {"n": 1}})

    def test_errors_and_paging(self) -> None:
        self.server.script = [
            (200, {}, {"data": [{"id": "chl_1"}], "hasMore": True, "nextCursor": "c2"}),
            (200, {}, {"data": [{"id": "chl_2"}], "hasMore": False, "nextCursor": None}),
            (404, {}, {"code": "challenge_not_found", "message": "no"}),
        ]

        async def body(client):
            ids = [c["id"] async for c in client.challenges.list_auto_paging(user_id="u")]
            try:
                await client.challenges.retrieve("chl_x")
            except keyra.NotFoundError as err:
                return ids, err.code

        (ids, code), _ = self.run_async(body)
        self.assertEqual((ids, code), (["chl_1", "chl_2"], "challenge_not_found"))
        self.assertTrue(self.server.requests[1][1].endswith("cursor=c2"))

    def test_connection_error(self) -> None:
        async def body(client):
            offline = keyra.AsyncKeyra(api_key="k", base_url="http://127.0.0.1:9", max_retries=0)
            try:
                await offline.challenges.list()
            except keyra.APIConnectionError as err:
                return err.code
            finally:
                await offline.close()

        code, _ = self.run_async(body)
        self.assertEqual(code, "connection_error")


class ErrorMappingTests(ServerCase):
    CASES = [
        (401, "invalid_api_key", keyra.AuthenticationError),
        (403, "forbidden_environment", keyra.PermissionDeniedError),
        (404, "challenge_not_found", keyra.NotFoundError),
        (409, "challenge_already_used", keyra.ConflictError),
        (410, "challenge_expired", keyra.GoneError),
        (422, "attestation_invalid", keyra.AttestationInvalidError),
        (422, "idempotency_key_reused", keyra.InvalidRequestError),
        (413, "payload_too_large", keyra.InvalidRequestError),
        (415, "unsupported_media_type", keyra.InvalidRequestError),
        (400, "MISSING_PHRASE", keyra.InvalidRequestError),
        (429, "rate_limit_exceeded", keyra.RateLimitError),
        (500, "internal_error", keyra.APIError),
        (502, "SPEECH_UNAVAILABLE", keyra.APIError),
    ]

    def test_status_and_code_map_to_types(self) -> None:
        client = keyra.Keyra(api_key="k", base_url=self.server.url, max_retries=0)
        for status, code, cls in self.CASES:
            with self.subTest(status=status, code=code):
                self.server.script = [(status, {}, {"code": code, "message": f"m {code}"})]
                self.server.requests.clear()
                with self.assertRaises(cls) as ctx:
                    client.challenges.retrieve("chl_abcd1234")
                err = ctx.exception
                self.assertIsInstance(err, keyra.KeyraError)
                self.assertEqual((err.status, err.code, err.message), (status, code, f"m {code}"))
                self.assertTrue(err.request_id)

    def test_non_json_error_body(self) -> None:
        self.server.script = [(500, {}, b"<html>bad gateway</html>")]
        client = keyra.Keyra(api_key="k", base_url=self.server.url, max_retries=0)
        with self.assertRaises(keyra.APIError) as ctx:
            client.events.list()
        self.assertIsNone(ctx.exception.code)
        self.assertIn("bad gateway", ctx.exception.message)

    def test_missing_api_key(self) -> None:
        import os
        from unittest import mock

        with mock.patch.dict(os.environ, {}, clear=True):
            client = keyra.Keyra(base_url=self.server.url)
            with self.assertRaises(keyra.AuthenticationError) as ctx:
                client.challenges.list()
        self.assertEqual(ctx.exception.code, "missing_api_key")
        self.assertEqual(self.server.requests, [])


class ConfigTests(unittest.TestCase):
    def test_env_fallbacks(self) -> None:
        import os
        from unittest import mock

        with mock.patch.dict(os.environ, {"KEYRA_API_KEY": "sk_test_env", "KEYRA_BASE_URL": "http://h:1/"}, clear=True):
            client = keyra.Keyra()
            self.assertEqual((client.api_key, client.base_url), ("sk_test_env", "http://h:1"))
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual(keyra.Keyra().base_url, "http://127.0.0.1:8787")
        self.assertEqual(keyra.Keyra(api_key="a", base_url="http://x").api_key, "a")

    def test_retry_after_parsing_and_backoff(self) -> None:
        self.assertEqual(_http.parse_retry_after("3"), 3)
        self.assertIsNone(_http.parse_retry_after("soon"))
        self.assertEqual(_http.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0)
        for attempt in range(10):
            delay = _http.backoff_delay(attempt)
            self.assertLessEqual(delay, 8)
            self.assertGreaterEqual(delay, min(8, 0.5 * 2**attempt) / 2)
        self.assertEqual(_http.backoff_delay(0, 2.5), 2.5)
        self.assertEqual(_http.backoff_delay(0, 3600), 60)
        # The one policy: what is retried, after how long.
        self.assertEqual(_http.retry_delay(0, 2, 409, {"retry-after": "2"}), 2)
        self.assertIsNone(_http.retry_delay(0, 2, 409, {}))
        self.assertIsNone(_http.retry_delay(0, 2, 404, {}))
        self.assertIsNone(_http.retry_delay(0, 2, 202, {"retry-after": "2"}))
        self.assertIsNone(_http.retry_delay(2, 2, 503, {}))
        self.assertIsNone(_http.retry_delay(0, 2, 429, {"retry-after": "3600"}))
        self.assertIsNotNone(_http.retry_delay(0, 2, None, {}))
        self.assertIsNotNone(_http.retry_delay(1, 2, 500, {}))


if __name__ == "__main__":
    unittest.main()
