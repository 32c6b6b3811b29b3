"""Webhook signatures: ``keyra-signature: t=UNIX_SECONDS,v1=HEX[,v1=HEX…]``.

HEX is HMAC-SHA256 keyed by the whole secret string ``whsec_…`` (its UTF-8 bytes) over
``f"{t}.{raw_body}"``. A delivery is accepted when ``t`` is within the tolerance (5 minutes, both
sides) and any ``v1`` matches (there are two during a secret rotation), compared in constant time.
"""

import hashlib
import hmac
import json
import os
import time
from typing import Any, Callable, List, Optional, Tuple, Union

from ._errors import WebhookSignatureError
from ._object import to_object

DEFAULT_TOLERANCE = 300
HEADER = "keyra-signature"

Body = Union[str, bytes, bytearray, memoryview]


def _raw_bytes(raw_body: Body) -> bytes:
    if isinstance(raw_body, str):
        return raw_body.encode("utf-8")
    if isinstance(raw_body, (bytes, bytearray, memoryview)):
        return bytes(raw_body)
    raise TypeError(
        "raw_body must be the request body exactly as received (str or bytes), "
        "not parsed or re-serialised JSON"
    )


def _parse_header(header: Any) -> Tuple[Optional[str], List[str]]:
    if isinstance(header, (list, tuple)):  # some frameworks give repeated headers as a list
        header = ",".join(str(h) for h in header)
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    if not isinstance(header, str):
        return None, []
    t = None
    v1: List[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        name = name.strip()
        value = value.strip()
        if name == "t" and t is None:
            t = value
        elif name == "v1" and value:
            v1.append(value)
    return t, v1


def sign(raw_body: Body, secret: str, timestamp: int) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.{raw_body}"`` keyed by the whole secret string."""
    mac = hmac.new(secret.encode("utf-8"), digestmod=hashlib.sha256)
    mac.update(f"{int(timestamp)}.".encode("ascii"))
    mac.update(_raw_bytes(raw_body))
    return mac.hexdigest()


def check_signature(
    raw_body: Body,
    header: Any,
    secret: str,
    tolerance: float = DEFAULT_TOLERANCE,
    now: Optional[float] = None,
) -> Optional[str]:
    """None when valid, else the reason it is not."""
    if not secret:
        return "no webhook secret (pass secret=... or set KEYRA_WEBHOOK_SECRET)"
    t, signatures = _parse_header(header)
    if t is None or not t.isdigit() or not t.isascii():
        return "missing or malformed t= in keyra-signature"
    current = time.time() if now is None else now
    if abs(current - int(t)) > tolerance:
        return "timestamp outside the tolerance"
    if not signatures:
        return "no v1 signature in keyra-signature"
    expected = sign(raw_body, secret, int(t)).encode("ascii")
    matched = False
    for candidate in signatures:
        # compare_digest on bytes of equal-length hex; keep looping so timing does not reveal which.
        if hmac.compare_digest(candidate.lower().encode("ascii", "replace"), expected):
            matched = True
    return None if matched else "no signature matches"


class Webhooks:
    """``keyra.webhooks``: verify deliveries and sign test payloads. Works without an API key."""

    def __init__(self, secret_getter: Callable[[], Optional[str]] = lambda: None) -> None:
        self._secret_getter = secret_getter

    def _secret(self, secret: Optional[str]) -> Optional[str]:
        return secret or self._secret_getter() or os.environ.get("KEYRA_WEBHOOK_SECRET")

    def verify(
        self,
        raw_body: Body,
        header: Any,
        secret: Optional[str] = None,
        tolerance: float = DEFAULT_TOLERANCE,
        now: Optional[float] = None,
    ) -> bool:
        """True when some ``v1`` matches and ``t`` is within ``tolerance`` seconds of now."""
        try:
            return check_signature(raw_body, header, self._secret(secret) or "", tolerance, now) is None
        except TypeError:
            return False

    def construct_event(
        self,
        raw_body: Body,
        header: Any,
        secret: Optional[str] = None,
        tolerance: float = DEFAULT_TOLERANCE,
        now: Optional[float] = None,
    ) -> Any:
        """Verifies, then parses the event. Raises :class:`WebhookSignatureError`."""
        reason = check_signature(raw_body, header, self._secret(secret) or "", tolerance, now)
        if reason is not None:
            raise WebhookSignatureError(
                f"Webhook signature verification failed: {reason}.",
                code="signature_verification_failed",
            )
        try:
            return to_object(json.loads(_raw_bytes(raw_body).decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as err:
            raise WebhookSignatureError(
                "The webhook body is not valid JSON.", code="invalid_payload"
            ) from err

    def generate_test_header(
        self, payload: Body, secret: Optional[str] = None, timestamp: Optional[int] = None
    ) -> str:
        """A ``keyra-signature`` header for ``payload`` (the exact body you will send)."""
        key = self._secret(secret)
        if not key:
            raise ValueError("generate_test_header needs a secret")
        t = int(time.time()) if timestamp is None else int(timestamp)
        return f"t={t},v1={sign(payload, key, t)}"
