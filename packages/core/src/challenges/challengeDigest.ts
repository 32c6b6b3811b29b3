import { createHash } from 'node:crypto';
import { canonicalJson } from '../internal/canonicalJson.js';
import { formatTimestamp } from '../time.js';
import type { EpochMs } from '../domain.js';

/** The fields a challenge digest covers. */
export interface ChallengeDigestInput {
  id: string;
  action: string;
  userId: string;
  payload: Record<string, unknown>;
  /** Epoch ms, whole seconds: it is hashed in its RFC 3339 form, e.g. `2026-05-29T18:42:00Z`. */
  expiresAt: EpochMs;
}

/**
 * The document an approval signs: the RFC 8785 canonical JSON of
 * `{action, expiresAt, id, payload, userId}`, with `expiresAt` as the RFC 3339 string the API
 * returns. Exported so docs, tests, devices and SDKs can show the exact bytes.
 */
export function challengeDocument(input: ChallengeDigestInput): string {
  return canonicalJson({
    id: input.id,
    action: input.action,
    userId: input.userId,
    payload: input.payload,
    expiresAt: formatTimestamp(input.expiresAt),
  });
}

/**
 * SHA-256 over the UTF-8 bytes of {@link challengeDocument}, as lowercase hex. A KEYRA ONE or a
 * passkey approves a challenge by signing a WebAuthn assertion whose `challenge` is these 32 bytes,
 * so the signature covers the action and the exact payload the human saw.
 */
export function challengeDigest(input: ChallengeDigestInput): string {
  return createHash('sha256').update(challengeDocument(input), 'utf8').digest('hex');
}

/**
 * The WebAuthn challenge bytes for an explicit rejection: SHA-256 over the ASCII bytes
 * `keyra.reject:` followed by the 32 digest bytes. Distinct from the approval challenge, so an
 * approval can never be replayed as a rejection or the reverse.
 */
export function rejectionChallenge(digestHex: string): Buffer {
  return createHash('sha256')
    .update(Buffer.from('keyra.reject:', 'ascii'))
    .update(Buffer.from(digestHex, 'hex'))
    .digest();
}
