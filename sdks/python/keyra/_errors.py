"""Typed exceptions. Every API error carries code, status, message, details and request id.

The class names are the TypeScript SDK's, and the Go SDK's sentinels are ``Err`` + the name
without ``Error`` (``NotFoundError`` → ``ErrNotFound``); docs/sdks.md has the table."""

from typing import Any, Optional


class KeyraError(Exception):
    """Base class of every error this SDK raises."""

    def __init__(
        self,
        message: str,
        code: Optional[str] = None,
        status: Optional[int] = None,
        details: Any = None,
        request_id: Optional[str] = None,
        headers: Optional[dict] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.details = details
        self.request_id = request_id
        self.headers = headers or {}

    def __str__(self) -> str:
        parts = []
        if self.status is not None:
            parts.append(str(self.status))
        if self.code:
            parts.append(self.code)
        prefix = " ".join(parts)
        text = f"{prefix}: {self.message}" if prefix else self.message
        if self.request_id:
            text += f" (request {self.request_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"message={self.message!r}, request_id={self.request_id!r})"
        )


class AuthenticationError(KeyraError):
    """401: missing, malformed, unknown, expired or revoked API key."""


class PermissionDeniedError(KeyraError):
    """403: the key is valid but not allowed to do this in its environment."""


class InvalidRequestError(KeyraError):
    """400, 405, 413, 415, 422 and other 4xx without a class of their own: the request itself is
    wrong."""


class NotFoundError(KeyraError):
    """404: no such object in this tenant and environment (or no such route)."""


class ConflictError(KeyraError):
    """409: e.g. challenge_already_used, credential_already_registered, idempotency_key_in_use."""


class GoneError(KeyraError):
    """410: e.g. challenge_expired."""


class AttestationInvalidError(InvalidRequestError):
    """422 attestation_invalid: the signature or device certificate failed verification."""


class RateLimitError(KeyraError):
    """429 rate_limit_exceeded; ``retry_after`` holds the server's Retry-After in seconds."""

    def __init__(self, *args: Any, retry_after: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class APIError(KeyraError):
    """5xx, or an answer the SDK could not understand."""


class APIConnectionError(KeyraError):
    """The request never got an HTTP answer: DNS, refused connection, reset, timeout."""


class WebhookSignatureError(KeyraError):
    """A webhook's keyra-signature did not verify (bad signature, stale timestamp, no header)."""


#: The former name of :class:`WebhookSignatureError` (the same class).
SignatureVerificationError = WebhookSignatureError


class ProofVerificationError(KeyraError):
    """A proof (compact JWS) did not verify or its claims did not match what was expected."""


def error_class_for(status: int, code: Optional[str]) -> type:
    if code == "attestation_invalid":
        return AttestationInvalidError
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 410:
        return GoneError
    if status == 429:
        return RateLimitError
    if status >= 500:
        return APIError
    if 400 <= status < 500:
        return InvalidRequestError
    return APIError
