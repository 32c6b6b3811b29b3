import { ERROR_STATUS, OAUTH_ERROR_CODES, type ErrorCode, type OAuthErrorCode } from '@keyra/core';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { toKeyraError } from '../../http/errorHandler.js';

const OAUTH_CODES: ReadonlySet<ErrorCode> = new Set(OAUTH_ERROR_CODES);

/** An API error in OAuth's words: the OAuth code and status, or the closest RFC 6749 one. */
function oauthError(code: ErrorCode, status: number): { error: string; status: number } {
  if (OAUTH_CODES.has(code)) return { error: code as OAuthErrorCode, status: ERROR_STATUS[code] };
  if (status === 429 || status === 503) return { error: 'temporarily_unavailable', status };
  if (status >= 500) return { error: 'server_error', status };
  // Parser and size refusals (invalid_json, payload_too_large, unsupported_media_type, …).
  return { error: 'invalid_request', status: status === 413 ? 413 : 400 };
}

/**
 * The error handler of `/oauth/*`: every refusal leaves as `{error, error_description}` (RFC 6749
 * §5.2) with `Cache-Control: no-store`; the reason behind an `invalid_client` goes to the log only.
 */
export async function handleOAuthError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const keyraError = toKeyraError(error);
  const { error: code, status } = oauthError(keyraError.code, keyraError.status);
  if (status >= 500) {
    request.log.error(
      { err: { type: error.name, message: error.message, stack: error.stack }, code },
      'request failed',
    );
  } else {
    const cause = keyraError.cause;
    const reason = typeof cause === 'string' ? cause : (cause as FastifyError | undefined)?.code;
    request.log.info({ code, reason }, 'request refused');
  }
  // RFC 6749 §5.2: a client that tried the Authorization header is told the scheme to use.
  const challenge: Record<string, string> =
    code === 'invalid_client' && request.headers.authorization !== undefined
      ? { 'WWW-Authenticate': 'Basic realm="keyra", charset="UTF-8"' }
      : {};
  await reply
    .status(status)
    .headers({
      ...keyraError.headers,
      ...challenge,
      'Cache-Control': 'no-store',
      Pragma: 'no-cache',
    })
    .send({ error: code, error_description: keyraError.message });
}
