/**
 * Every error code the API can return. The union is the single source: the HTTP status of each
 * code lives in {@link ERROR_STATUS}, and `docs/errors.md` is checked against that table by a test.
 */
export type ErrorCode =
  // Authentication and limits
  | 'invalid_api_key'
  | 'forbidden_environment'
  | 'rate_limit_exceeded'
  // Request shape
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'validation_failed'
  | 'unknown_field'
  | 'invalid_id'
  | 'invalid_cursor'
  | 'route_not_found'
  | 'method_not_allowed'
  // Idempotency
  | 'idempotency_key_invalid'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_use'
  // Challenges (seed 000)
  | 'challenge_not_found'
  | 'challenge_expired'
  | 'challenge_already_used'
  | 'attestation_invalid'
  | 'device_not_found'
  // Server side
  | 'service_unavailable'
  | 'internal_error';

/** The one table mapping codes to HTTP statuses. */
export const ERROR_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_api_key: 401,
  forbidden_environment: 403,
  rate_limit_exceeded: 429,
  invalid_json: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  validation_failed: 400,
  unknown_field: 400,
  invalid_id: 400,
  invalid_cursor: 400,
  route_not_found: 404,
  method_not_allowed: 405,
  idempotency_key_invalid: 400,
  idempotency_key_reused: 422,
  idempotency_key_in_use: 409,
  challenge_not_found: 404,
  challenge_expired: 410,
  challenge_already_used: 409,
  attestation_invalid: 422,
  device_not_found: 404,
  service_unavailable: 503,
  internal_error: 500,
};

/** One-line meaning of each code, rendered into docs/errors.md. */
export const ERROR_DESCRIPTION: Readonly<Record<ErrorCode, string>> = {
  invalid_api_key: 'Missing, malformed, unknown, expired or revoked API key.',
  forbidden_environment: 'The key is valid but not allowed to do this in its environment.',
  rate_limit_exceeded: 'Too many requests; retry after the `Retry-After` seconds.',
  invalid_json: 'The body is not valid JSON.',
  unsupported_media_type: 'The body is not `application/json`.',
  payload_too_large: 'The body exceeds the size limit.',
  validation_failed:
    'A field is missing, has the wrong type or is out of range (`details` lists each).',
  unknown_field: 'The body or query has a field the endpoint does not take (`details` names it).',
  invalid_id: 'A path id is not well-formed for its object type.',
  invalid_cursor: 'The pagination cursor is not one this server issued.',
  route_not_found: 'No such route.',
  method_not_allowed: 'The route exists but not with this method.',
  idempotency_key_invalid:
    'The `Idempotency-Key` header is empty, too long or has invalid characters.',
  idempotency_key_reused: 'The `Idempotency-Key` was already used with a different request.',
  idempotency_key_in_use: 'A request with this `Idempotency-Key` is still in progress.',
  challenge_not_found: 'No challenge with this id in this tenant and environment.',
  challenge_expired: 'Challenge TTL elapsed.',
  challenge_already_used: 'Challenge was already consumed.',
  attestation_invalid: 'Signature or device certificate failed verification.',
  device_not_found: 'No paired KEYRA device for this user.',
  service_unavailable: 'A dependency (database, Redis) is unavailable; retry with backoff.',
  internal_error: 'An unexpected server error. It is logged; retry with backoff.',
};

export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface KeyraErrorOptions {
  details?: unknown;
  cause?: unknown;
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
}

/** The one error type crossing the API boundary: a code, a human message, optional details. */
export class KeyraError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: KeyraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeyraError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.headers = options.headers ?? {};
  }

  /** The response body `{code, message, details?}`. */
  toJSON(): { code: ErrorCode; message: string; details?: unknown } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isKeyraError(value: unknown): value is KeyraError {
  return value instanceof KeyraError;
}
