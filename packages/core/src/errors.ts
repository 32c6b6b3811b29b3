/**
 * The codes of the Keywave voice API (`/api/v1/…`), the only ones not in lower_snake case. Seed 004
 * (the Keywave API reference) fixes their spelling: its `/v1/verify` answers
 * `400 MISSING_PHRASE | PHRASE_EXPIRED | PHRASE_ALREADY_USED`, and the rest of the voice API's
 * refusals follow the same style so a Keywave client meets one family of codes. They are public:
 * never rename one. Every other code is lower_snake.
 */
export const KEYWAVE_ERROR_CODES = [
  'MISSING_PHRASE',
  'PHRASE_EXPIRED',
  'PHRASE_ALREADY_USED',
  'VOICE_TEMPLATE_NOT_FOUND',
  'PARAMS_VERSION_UNSUPPORTED',
  'INVALID_AUDIO_URL',
  'AUDIO_URL_BLOCKED',
  'AUDIO_FETCH_FAILED',
  'AUDIO_TOO_LARGE',
  'INVALID_AUDIO_BASE64',
  'UNSUPPORTED_AUDIO_FORMAT',
  'INVALID_AUDIO',
  'SAMPLE_RATE_OUT_OF_RANGE',
  'AUDIO_TOO_SHORT',
  'AUDIO_TOO_LONG',
  'AUDIO_QUALITY_TOO_LOW',
  'SPEECH_UNAVAILABLE',
  'SPEECH_PROCESSING_FAILED',
] as const;
export type KeywaveErrorCode = (typeof KEYWAVE_ERROR_CODES)[number];

/** The OAuth 2.0 / CIBA error codes of `/oauth/*`, spelled as the specifications spell them. */
export const OAUTH_ERROR_CODES = [
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'unknown_user_id',
  'invalid_binding_message',
  'invalid_authorization_details',
  'authorization_pending',
  'slow_down',
  'access_denied',
  'expired_token',
] as const;
export type OAuthErrorCode = (typeof OAUTH_ERROR_CODES)[number];

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
  | 'challenge_canceled'
  | 'challenge_not_cancelable'
  | 'not_an_approver'
  | 'duplicate_vote'
  | 'attestation_invalid'
  | 'device_not_found'
  | 'credential_already_registered'
  | 'webhook_endpoint_not_found'
  | 'event_not_found'
  | 'invalid_webhook_url'
  // Stamps and usage (seed 004)
  | 'stamp_not_found'
  | 'invalid_usage_range'
  // Console sign-in, sessions and roles (issue 16)
  | 'console_session_invalid'
  | 'console_csrf_failed'
  | 'console_role_insufficient'
  | 'console_sign_in_failed'
  | 'console_invite_invalid'
  | 'console_user_exists'
  | 'console_user_not_found'
  | 'console_last_owner'
  | 'console_api_key_not_found'
  | 'console_api_key_inactive'
  // Approval policies (issue 13)
  | 'policy_not_found'
  | 'policy_conflict'
  | 'approver_group_not_found'
  | 'approver_group_in_use'
  | 'policy_quorum_required'
  | 'policy_approver_not_in_group'
  | 'policy_expires_in_too_long'
  | 'policy_method_not_allowed'
  | 'policy_outside_window'
  // OpenID CIBA front door (`/oauth/*`): RFC 6749 §5.2 and CIBA Core §11, §13 codes, answered
  // as `{error, error_description}`
  | OAuthErrorCode
  // Voice (seed 004): UPPER_SNAKE, see KeywaveErrorCode
  | KeywaveErrorCode
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
  challenge_canceled: 409,
  challenge_not_cancelable: 409,
  not_an_approver: 403,
  duplicate_vote: 409,
  attestation_invalid: 422,
  device_not_found: 404,
  credential_already_registered: 409,
  webhook_endpoint_not_found: 404,
  event_not_found: 404,
  invalid_webhook_url: 400,
  stamp_not_found: 404,
  invalid_usage_range: 400,
  console_session_invalid: 401,
  console_csrf_failed: 403,
  console_role_insufficient: 403,
  console_sign_in_failed: 401,
  console_invite_invalid: 410,
  console_user_exists: 409,
  console_user_not_found: 404,
  console_last_owner: 409,
  console_api_key_not_found: 404,
  console_api_key_inactive: 409,
  policy_not_found: 404,
  policy_conflict: 409,
  approver_group_not_found: 404,
  approver_group_in_use: 409,
  policy_quorum_required: 422,
  policy_approver_not_in_group: 422,
  policy_expires_in_too_long: 422,
  policy_method_not_allowed: 422,
  policy_outside_window: 422,
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  unknown_user_id: 400,
  invalid_binding_message: 400,
  invalid_authorization_details: 400,
  authorization_pending: 400,
  slow_down: 400,
  access_denied: 400,
  expired_token: 400,
  MISSING_PHRASE: 400,
  PHRASE_EXPIRED: 400,
  PHRASE_ALREADY_USED: 400,
  VOICE_TEMPLATE_NOT_FOUND: 404,
  PARAMS_VERSION_UNSUPPORTED: 400,
  INVALID_AUDIO_URL: 400,
  AUDIO_URL_BLOCKED: 400,
  AUDIO_FETCH_FAILED: 400,
  AUDIO_TOO_LARGE: 400,
  INVALID_AUDIO_BASE64: 400,
  UNSUPPORTED_AUDIO_FORMAT: 400,
  INVALID_AUDIO: 400,
  SAMPLE_RATE_OUT_OF_RANGE: 400,
  AUDIO_TOO_SHORT: 400,
  AUDIO_TOO_LONG: 400,
  AUDIO_QUALITY_TOO_LOW: 400,
  SPEECH_UNAVAILABLE: 502,
  SPEECH_PROCESSING_FAILED: 502,
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
  challenge_canceled:
    'The challenge was canceled by the app (`POST /v1/challenges/:id/cancel`); it can no longer be approved or rejected.',
  challenge_not_cancelable:
    'Only a pending challenge can be canceled; this one was already approved, rejected or expired (`details.status` says which).',
  not_an_approver:
    "The device's user is not one of the quorum challenge's `approvers` (a one-approver challenge answers `attestation_invalid`, as it always did).",
  duplicate_vote:
    'This approver already voted on the quorum challenge; each approver counts once, whichever device or passkey they use.',
  attestation_invalid: 'Signature or device certificate failed verification.',
  device_not_found: 'No paired KEYRA device for this user.',
  credential_already_registered: 'This credential is already paired in this environment.',
  webhook_endpoint_not_found: 'No webhook endpoint with this id in this environment.',
  event_not_found: 'No event with this id in this environment.',
  invalid_webhook_url:
    'The webhook URL is not HTTPS, has credentials, or points at a private, loopback or link-local address.',
  stamp_not_found: 'No stamp with this id (stamps are public: the id alone finds one).',
  invalid_usage_range:
    'The usage range is not real UTC days with `from` <= `to` and at most 366 days.',
  console_session_invalid:
    'Console: no session cookie, or the session expired (idle or absolute limit), was signed out, or its user was disabled; sign in again.',
  console_csrf_failed:
    "Console: a state-changing request lacked the session's `X-CSRF-Token`, or came from another `Origin`.",
  console_role_insufficient:
    "Console: the signed-in user's role does not allow this (`details.required` names the role needed).",
  console_sign_in_failed:
    'Console: the passkey sign-in failed (unknown passkey, disabled user, bad signature or counter); the server log says why.',
  console_invite_invalid: 'Console: the invite link is unknown, expired or already used.',
  console_user_exists: 'Console: this email already has an active console user in the tenant.',
  console_user_not_found: 'Console: no console user with this id in the tenant.',
  console_last_owner: "Console: the tenant's last owner cannot be demoted or disabled.",
  console_api_key_not_found: 'Console: no API key with this id in the tenant.',
  console_api_key_inactive:
    'Console: the API key is revoked, expired or already rotated, so it cannot be rotated or revoked again.',
  policy_not_found:
    'No live policy with this id (or no such version of it) in this tenant and environment.',
  policy_conflict:
    'The policy changed (or was deleted) while this change was made from an older version; read it and retry.',
  approver_group_not_found: 'No approver group with this name in this tenant and environment.',
  approver_group_in_use:
    'A live policy names this approver group in `require.groups`; change that policy first (`details.policies` lists them).',
  policy_quorum_required:
    'The matching policy requires more distinct approvers than the challenge asks for (`details` names the rule and the quorum).',
  policy_approver_not_in_group:
    "An approver of the challenge is not a member of the matching policy's approver groups (`details` names the rule and the user).",
  policy_expires_in_too_long:
    "The challenge's `expiresIn` exceeds the matching policy's `maxExpiresIn` (`details` names the rule and the limit).",
  policy_method_not_allowed:
    "The approval's method (`device` or `passkey`) is not one the challenge's policy allows; nothing was recorded.",
  policy_outside_window:
    "The approval came outside the time windows of the challenge's policy; nothing was recorded.",
  invalid_request:
    'OAuth (`/oauth/*`): a parameter is missing, repeated, malformed or of the wrong content type.',
  invalid_client:
    'OAuth: client authentication failed (unknown client, wrong secret, revoked); 401 with `WWW-Authenticate` for HTTP Basic.',
  invalid_grant:
    'OAuth: the `auth_req_id` is unknown, belongs to another client, or its tokens were already issued.',
  unauthorized_client: 'OAuth: this client may not use this grant or mode (a push client polling).',
  unsupported_grant_type: 'OAuth: `grant_type` is not `urn:openid:params:grant-type:ciba`.',
  invalid_scope: 'OAuth: `scope` lacks `openid` or has a scope KEYRA does not grant.',
  unknown_user_id:
    'CIBA: reserved; KEYRA never sends it, so a `login_hint` does not reveal whether a user exists.',
  invalid_binding_message:
    'CIBA: `binding_message` is too long or has characters a device screen cannot show.',
  invalid_authorization_details:
    'RFC 9396: `authorization_details` is not one `keyra_action` object with a valid `action` and `payload`.',
  authorization_pending: 'CIBA: the human has not decided yet; poll again after `interval`.',
  slow_down: 'CIBA: polled faster than `interval`; wait longer between polls.',
  access_denied: 'CIBA: the human rejected the request.',
  expired_token: 'CIBA: the request expired before the human decided; start a new one.',
  MISSING_PHRASE:
    'Voice verify without a `phrase_id`, or with one that does not exist for this wallet; get one from `POST /api/v1/phrase`.',
  PHRASE_EXPIRED: 'The phrase is past its 120 s lifetime; request a new one.',
  PHRASE_ALREADY_USED:
    'The phrase already produced a successful verification (or used up its attempts); request a new one.',
  VOICE_TEMPLATE_NOT_FOUND:
    'No voice template (or legacy hash) is enrolled for this wallet under this `projection_id`.',
  PARAMS_VERSION_UNSUPPORTED:
    'The `params_version` is not one this server runs (`v1`), or the template was enrolled under another model.',
  INVALID_AUDIO_URL:
    '`audioUrl` is not an absolute https URL (http only in `--dev`), or carries credentials.',
  AUDIO_URL_BLOCKED:
    '`audioUrl` (or a redirect) points at a private, loopback, link-local, multicast or otherwise non-public address.',
  AUDIO_FETCH_FAILED:
    '`audioUrl` could not be fetched: DNS failure, refused connection, non-2xx answer, too many redirects or the 10 s timeout.',
  AUDIO_TOO_LARGE: 'The audio is larger than 5 MiB.',
  INVALID_AUDIO_BASE64: '`audioBase64` is not valid base64.',
  UNSUPPORTED_AUDIO_FORMAT: 'The audio is not m4a, mp3, wav or webm (detected from its content).',
  INVALID_AUDIO: 'The audio container was recognised but could not be decoded.',
  SAMPLE_RATE_OUT_OF_RANGE: 'The audio sample rate is outside 16-48 kHz.',
  AUDIO_TOO_SHORT: 'The audio is shorter than 1 s.',
  AUDIO_TOO_LONG: 'The audio is longer than 15 s.',
  AUDIO_QUALITY_TOO_LOW:
    'Enrolment audio failed the quality checks (too little speech, clipping or too quiet; `details` says which).',
  SPEECH_UNAVAILABLE:
    'Speech processing is not installed on the server (ffmpeg, pocketsphinx); the message names the apt packages.',
  SPEECH_PROCESSING_FAILED: 'Decoding or recognising the audio failed on the server side; retry.',
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
