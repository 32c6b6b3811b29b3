"""KEYRA Python SDK: ``from keyra import Keyra``."""

from ._client import DEFAULT_BASE_URL, AsyncKeyra, Keyra
from ._errors import (
    APIConnectionError,
    APIError,
    AttestationInvalidError,
    AuthenticationError,
    ConflictError,
    GoneError,
    InvalidRequestError,
    KeyraError,
    NotFoundError,
    PermissionDeniedError,
    ProofVerificationError,
    RateLimitError,
    SignatureVerificationError,
    WebhookSignatureError,
)
from ._http import VERSION as __version__
from ._object import KeyraObject
from ._jws import verify_es256_jws
from ._canonical import canonical_json
from ._proofs import payload_digest
from ._webhooks import Webhooks
from ._audit import AUDIT_GENESIS_HASH, audit_entry_hash, verify_audit_chain

__all__ = [
    "Keyra",
    "AsyncKeyra",
    "DEFAULT_BASE_URL",
    "KeyraObject",
    "Webhooks",
    "KeyraError",
    "AuthenticationError",
    "PermissionDeniedError",
    "RateLimitError",
    "NotFoundError",
    "ConflictError",
    "GoneError",
    "InvalidRequestError",
    "AttestationInvalidError",
    "APIError",
    "APIConnectionError",
    "WebhookSignatureError",
    "SignatureVerificationError",
    "ProofVerificationError",
    "canonical_json",
    "payload_digest",
    "verify_es256_jws",
    "verify_audit_chain",
    "audit_entry_hash",
    "AUDIT_GENESIS_HASH",
    "__version__",
]
