import { createHash } from 'node:crypto';
import { canonicalJson } from '../internal/canonicalJson.js';
import { formatTimestamp } from '../time.js';
import type { EpochMs } from '../domain.js';

interface DigestFields {
  id: string;
  action: string;
  payload: Record<string, unknown>;
  /** Epoch ms, whole seconds: it is hashed in its RFC 3339 form, e.g. `2026-05-29T18:42:00Z`. */
  expiresAt: EpochMs;
}

/**
 * The fields a challenge digest covers: one approver (`userId`), or a quorum (`approvers`, in the
 * order the challenge lists them, and `quorum`).
 */
export type ChallengeDigestInput =
  | (DigestFields & { userId: string; approvers?: undefined; quorum?: undefined })
  | (DigestFields & { userId?: null; approvers: readonly string[]; quorum: number });

/**
 * The document an approval signs: the RFC 8785 canonical JSON of
 * `{action, expiresAt, id, payload, userId}` for a one-approver challenge, and of
 * `{action, approvers, expiresAt, id, payload, quorum}` for a quorum challenge (no `userId`), with
 * `expiresAt` as the RFC 3339 string the API returns. Every approver of a quorum signs the same
 * document, which names all of them and how many must approve. Exported so docs, tests, devices
 * and SDKs can show the exact bytes.
 */
export function challengeDocument(input: ChallengeDigestInput): string {
  if (input.approvers !== undefined) {
    return canonicalJson({
      id: input.id,
      action: input.action,
      approvers: [...input.approvers],
      quorum: input.quorum,
      payload: input.payload,
      expiresAt: formatTimestamp(input.expiresAt),
    });
  }
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
