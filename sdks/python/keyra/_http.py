"""HTTP transport on httpx (sync and asyncio): JSON, retries with capped exponential backoff and
jitter that honour Retry-After, one Idempotency-Key per POST reused by its retries."""

import asyncio
import email.utils
import json
import random
import time
import urllib.parse
import uuid
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple

import httpx

from ._errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    KeyraError,
    RateLimitError,
    error_class_for,
)
from ._object import KeyraObject, to_object

VERSION = "0.1.0"
USER_AGENT = f"keyra-sdk-python/{VERSION}"

INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def backoff_delay(attempt: int, retry_after: Optional[float] = None) -> float:
    """Delay before retry number ``attempt`` (0-based): Retry-After when given, else
    min(8 s, 0.5 s * 2^attempt) with full jitter in [50 %, 100 %]."""
    if retry_after is not None:
        return min(retry_after, MAX_RETRY_AFTER)
    base = min(MAX_DELAY, INITIAL_DELAY * (2**attempt))
    return base * (0.5 + random.random() / 2)


def retry_delay(
    attempt: int, retries: int, status: Optional[int], headers: Mapping[str, str]
) -> Optional[float]:
    """The retry policy, shared by the sync and async clients: seconds to wait before retrying
    attempt number ``attempt`` (0-based), or None to give up and surface the answer.

    Retried: no answer at all (``status`` None: refused, reset, timeout), 429, 5xx, and any error
    that carries ``Retry-After`` (the server saying "try again then", e.g. ``409
    idempotency_key_in_use`` while the first attempt of the same key still runs). Never a success
    nor another 4xx: resending the same request cannot fix it. The wait is the server's
    ``Retry-After`` when it sent one, unless that exceeds ``MAX_RETRY_AFTER`` (then the error is
    raised at once, with ``retry_after`` on it), else capped exponential backoff with jitter.
    """
    if attempt >= retries:
        return None
    if status is None:
        return backoff_delay(attempt)
    retry_after = parse_retry_after(headers.get("retry-after"))
    if status < 400 or not (retry_after is not None or status == 429 or status >= 500):
        return None
    if retry_after is not None and retry_after > MAX_RETRY_AFTER:
        return None
    return backoff_delay(attempt, retry_after)


class _Request:
    """One logical call, built once and resent unchanged (idempotency key included) by retries."""

    __slots__ = ("method", "url", "headers", "data", "timeout")

    def __init__(self, method: str, url: str, headers: Dict[str, str], data: Optional[bytes], timeout: float) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.data = data
        self.timeout = timeout


class _BaseTransport:
    def __init__(self, api_key: Optional[str], base_url: str, timeout: float, max_retries: int) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))

    def _prepare(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: Optional[Mapping[str, Any]] = None,
        idempotency_key: Optional[str] = None,
        auth: str = "bearer",
        authenticated: bool = True,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
    ) -> Tuple[_Request, int]:
        method = method.upper()
        url = self.base_url + path
        if query:
            pairs = [(k, _query_value(v)) for k, v in query.items() if v is not None]
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        headers: Dict[str, str] = {"Accept": "application/json", "User-Agent": USER_AGENT}
        if authenticated:
            if not self.api_key:
                raise AuthenticationError(
                    "No API key: pass api_key=... or set KEYRA_API_KEY.", code="missing_api_key"
                )
            if auth == "x-api-key":
                headers["x-api-key"] = self.api_key
            else:
                headers["Authorization"] = f"Bearer {self.api_key}"
        data = None
        if body is not None:
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if method == "POST":
            # One key per logical POST, reused by every retry so the server runs it at most once.
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        retries = self.max_retries if max_retries is None else max(0, int(max_retries))
        request = _Request(method, url, headers, data, self.timeout if timeout is None else timeout)
        return request, retries


class Transport(_BaseTransport):
    """The synchronous transport: one ``httpx.Client`` (connection pool) per ``Keyra``."""

    def __init__(
        self,
        api_key: Optional[str],
        base_url: str,
        timeout: float,
        max_retries: int,
        sleep: Callable[[float], None] = time.sleep,
        http_client: Optional[httpx.Client] = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries)
        self._sleep = sleep
        self._client = http_client or httpx.Client(follow_redirects=False)

    def request(self, method: str, path: str, **options: Any) -> Any:
        request, retries = self._prepare(method, path, **options)
        attempt = 0
        while True:
            try:
                status, headers, raw = self._send(request)
            except APIConnectionError:
                delay = retry_delay(attempt, retries, None, {})
                if delay is None:
                    raise
            else:
                if 200 <= status < 300:
                    return _decode_success(raw, status, headers)
                delay = retry_delay(attempt, retries, status, headers)
                if delay is None:
                    raise _make_error(status, headers, raw)
            self._sleep(delay)
            attempt += 1

    def close(self) -> None:
        self._client.close()

    def __del__(self) -> None:
        # A client dropped without close() still releases its pooled sockets.
        try:
            self._client.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def _send(self, request: _Request) -> Tuple[int, Dict[str, str], bytes]:
        try:
            response = self._client.request(
                request.method,
                request.url,
                content=request.data,
                headers=request.headers,
                timeout=request.timeout,
            )
        except httpx.TransportError as err:
            raise _connection_error(request.url, err) from err
        return response.status_code, _lower(response.headers), response.content


class AsyncTransport(_BaseTransport):
    """The asyncio transport: one ``httpx.AsyncClient`` per ``AsyncKeyra``; the same policy."""

    def __init__(
        self,
        api_key: Optional[str],
        base_url: str,
        timeout: float,
        max_retries: int,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        http_client: Optional[httpx.AsyncClient] = None,
    ) -> None:
        super().__init__(api_key, base_url, timeout, max_retries)
        self._sleep = sleep
        self._client = http_client or httpx.AsyncClient(follow_redirects=False)

    async def request(self, method: str, path: str, **options: Any) -> Any:
        request, retries = self._prepare(method, path, **options)
        attempt = 0
        while True:
            try:
                status, headers, raw = await self._send(request)
            except APIConnectionError:
                delay = retry_delay(attempt, retries, None, {})
                if delay is None:
                    raise
            else:
                if 200 <= status < 300:
                    return _decode_success(raw, status, headers)
                delay = retry_delay(attempt, retries, status, headers)
                if delay is None:
                    raise _make_error(status, headers, raw)
            await self._sleep(delay)
            attempt += 1

    async def close(self) -> None:
        await self._client.aclose()

    async def _send(self, request: _Request) -> Tuple[int, Dict[str, str], bytes]:
        try:
            response = await self._client.request(
                request.method,
                request.url,
                content=request.data,
                headers=request.headers,
                timeout=request.timeout,
            )
        except httpx.TransportError as err:
            raise _connection_error(request.url, err) from err
        return response.status_code, _lower(response.headers), response.content


def _connection_error(url: str, err: Exception) -> APIConnectionError:
    reason = str(err) or type(err).__name__
    code = "timeout" if isinstance(err, httpx.TimeoutException) else "connection_error"
    return APIConnectionError(f"Could not reach KEYRA at {url}: {reason}", code=code)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lower(headers: Any) -> Dict[str, str]:
    out: Dict[str, str] = {}
    if headers is None:
        return out
    for key, value in headers.items():
        out[key.lower()] = value
    return out


def _decode_success(raw: bytes, status: int, headers: Dict[str, str]) -> Any:
    if not raw:
        return None
    try:
        if headers.get("content-type", "").startswith("application/x-ndjson"):
            # An export (GET /v1/audit/export): one JSON object per line, returned as a list.
            return [to_object(json.loads(line)) for line in raw.decode("utf-8").splitlines() if line.strip()]
        parsed = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as err:
        raise APIError(
            f"Invalid JSON in a {status} answer.",
            code="invalid_response",
            status=status,
            request_id=headers.get("request-id"),
            headers=headers,
        ) from err
    return to_object(parsed)


def _make_error(status: int, headers: Dict[str, str], raw: bytes) -> KeyraError:
    code = None
    message = None
    details = None
    try:
        body = json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        body = None
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None
        message = body.get("message") if isinstance(body.get("message"), str) else None
        details = body.get("details")
    if message is None:
        text = raw.decode("utf-8", "replace").strip()[:200] if raw else ""
        message = text or f"HTTP {status}"
    cls = error_class_for(status, code)
    kwargs: Dict[str, Any] = dict(
        code=code,
        status=status,
        details=details,
        request_id=headers.get("request-id"),
        headers=headers,
    )
    if cls is RateLimitError:
        kwargs["retry_after"] = parse_retry_after(headers.get("retry-after"))
    return cls(message, **kwargs)


__all__ = [
    "Transport",
    "AsyncTransport",
    "KeyraObject",
    "parse_retry_after",
    "backoff_delay",
    "retry_delay",
]
