/**
 * Errors thrown by the SDK. Every failed API call throws a `KeyraError` subclass chosen from the
 * HTTP status (and, for `attestation_invalid`, the code), carrying the server's `code`,
 * `message` and `details` and the `Request-Id` to quote in a support request. The class names
 * are the same in the Python SDK, and the Go SDK's sentinels are `Err` + the name without
 * `Error` (`NotFoundError` → `ErrNotFound`); docs/sdks.md has the table.
 */

/** Where an error came from: the server's body and headers, or the SDK itself. */
export interface KeyraErrorOptions {
  code: string;
  status?: number | undefined;
  details?: unknown;
  requestId?: string | undefined;
  headers?: Headers | undefined;
  cause?: unknown;
}

/** The base class: catch it to handle every error the SDK throws. */
export class KeyraError extends Error {
  /** The server's error code (`challenge_expired`, `PHRASE_EXPIRED`, …) or an SDK code. */
  readonly code: string;
  /** The HTTP status, or `undefined` when no response arrived. */
  readonly status: number | undefined;
  /** Extra information from the server, e.g. one entry per failing field. */
  readonly details: unknown;
  /** The `Request-Id` response header. */
  readonly requestId: string | undefined;
  /** The response headers, when there was a response. */
  readonly headers: Headers | undefined;

  constructor(message: string, options: KeyraErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.status = options.status;
    this.details = options.details;
    this.requestId = options.requestId;
    this.headers = options.headers;
  }
}

/** 400, 405, 413, 415, 422: the request is wrong; retrying it unchanged will not help. */
export class InvalidRequestError extends KeyraError {}
/** 422 `attestation_invalid`: the device's signature or certificate failed verification. */
export class AttestationInvalidError extends InvalidRequestError {}
/** 401 `invalid_api_key`. */
export class AuthenticationError extends KeyraError {}
/** 403: the key may not do this in its environment. */
export class PermissionDeniedError extends KeyraError {}
/** @deprecated The former name of `PermissionDeniedError` (the same class). */
export const PermissionError = PermissionDeniedError;
/** @deprecated The former name of `PermissionDeniedError`. */
export type PermissionError = PermissionDeniedError;
/** 404: no such object in this tenant and environment (or no such route). */
export class NotFoundError extends KeyraError {}
/** 409: e.g. `challenge_already_used`, `credential_already_registered`. */
export class ConflictError extends KeyraError {}
/** 410 `challenge_expired`. */
export class GoneError extends KeyraError {}
/** 429 `rate_limit_exceeded`, after the SDK's own retries ran out. */
export class RateLimitError extends KeyraError {
  /** Seconds the server asked to wait (`Retry-After`), when it said. */
  get retryAfter(): number | undefined {
    const value = Number(this.headers?.get('retry-after'));
    return Number.isFinite(value) && value >= 0 ? value : undefined;
  }
}
/** 5xx, after the SDK's own retries ran out. */
export class APIError extends KeyraError {}
/** Options of an `APIConnectionError`: the `KeyraErrorOptions` and the address that did not answer. */
export interface APIConnectionErrorOptions extends KeyraErrorOptions {
  baseUrl?: string | undefined;
}
/** @deprecated The former name of `APIConnectionErrorOptions`. */
export type ConnectionErrorOptions = APIConnectionErrorOptions;
/**
 * No response: DNS, refused connection, reset, or the `timeout` elapsed. The `cause` is the
 * error `fetch` threw (on Node its own `cause` carries the system code, e.g. `ECONNREFUSED`).
 */
export class APIConnectionError extends KeyraError {
  /** The server address the SDK could not reach. */
  readonly baseUrl: string | undefined;

  constructor(message: string, options: APIConnectionErrorOptions) {
    super(message, options);
    this.baseUrl = options.baseUrl;
  }
}
/** @deprecated The former name of `APIConnectionError` (the same class). */
export const ConnectionError = APIConnectionError;
/** @deprecated The former name of `APIConnectionError`. */
export type ConnectionError = APIConnectionError;
/** A webhook signature did not verify (thrown by `webhooks.constructEvent`). */
export class WebhookSignatureError extends KeyraError {}
/** A proof did not verify (thrown by `proofs.verify`). */
export class ProofVerificationError extends KeyraError {}

/** The one table from an error response to the class that represents it. */
export function errorFromResponse(status: number, body: unknown, headers: Headers): KeyraError {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = typeof fields.code === 'string' ? fields.code : `http_${status}`;
  const message =
    typeof fields.message === 'string' ? fields.message : `KEYRA answered HTTP ${status}.`;
  const options: KeyraErrorOptions = {
    code,
    status,
    details: fields.details,
    requestId: headers.get('request-id') ?? undefined,
    headers,
  };
  if (code === 'attestation_invalid') return new AttestationInvalidError(message, options);
  if (status === 401) return new AuthenticationError(message, options);
  if (status === 403) return new PermissionDeniedError(message, options);
  if (status === 404) return new NotFoundError(message, options);
  if (status === 409) return new ConflictError(message, options);
  if (status === 410) return new GoneError(message, options);
  if (status === 429) return new RateLimitError(message, options);
  if (status >= 500) return new APIError(message, options);
  if (status >= 400) return new InvalidRequestError(message, options);
  return new KeyraError(message, options);
}
