"""HTTP transport: urllib, JSON, retries with capped exponential backoff and jitter."""

import email.utils
import json
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

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


class Transport:
    def __init__(
        self,
        api_key: Optional[str],
        base_url: str,
        timeout: float,
        max_retries: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self._sleep = sleep

    # -- public -------------------------------------------------------------------------
    def request(
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
    ) -> Any:
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
        attempt = 0
        while True:
            try:
                status, resp_headers, raw = self._send(method, url, headers, data, timeout)
            except APIConnectionError:
                if attempt >= retries:
                    raise
                self._sleep(backoff_delay(attempt))
                attempt += 1
                continue
            if 200 <= status < 300:
                return _decode_success(raw, status, resp_headers)
            error = _make_error(status, resp_headers, raw)
            if (status == 429 or status >= 500) and attempt < retries:
                retry_after = parse_retry_after(resp_headers.get("retry-after"))
                self._sleep(backoff_delay(attempt, retry_after))
                attempt += 1
                continue
            raise error

    # -- internals ------------------------------------------------------------------------
    def _send(
        self,
        method: str,
        url: str,
        headers: Dict[str, str],
        data: Optional[bytes],
        timeout: Optional[float],
    ) -> Tuple[int, Dict[str, str], bytes]:
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _OPENER.open(req, timeout=self.timeout if timeout is None else timeout) as resp:
                return resp.status, _lower(resp.headers), resp.read()
        except urllib.error.HTTPError as err:
            try:
                raw = err.read()
            except Exception:  # pragma: no cover - a body that breaks mid-read
                raw = b""
            finally:
                err.close()
            return err.code, _lower(err.headers), raw
        except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise APIConnectionError(
                f"Could not reach KEYRA at {url}: {reason}", code="connection_error"
            ) from err
        except Exception as err:  # http.client.HTTPException and friends
            raise APIConnectionError(
                f"Could not reach KEYRA at {url}: {err}", code="connection_error"
            ) from err


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The API never redirects; following one would resend the key elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


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


__all__ = ["Transport", "KeyraObject", "parse_retry_after", "backoff_delay"]
