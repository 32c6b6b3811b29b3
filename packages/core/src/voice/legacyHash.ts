import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Scope } from '../domain.js';

/**
 * The stored form of a deprecated `phrase_hash`: HMAC-SHA256 under a key derived from the server
 * secret and the tenant, over the environment, the wallet and the lower-cased hex. A leaked
 * database row is then useless as a `probe_hash`.
 */
export function keyedLegacyHash(
  serverSecret: Uint8Array,
  scope: Scope,
  wallet: string,
  hashHex: string,
): string {
  const key = Buffer.from(
    hkdfSync('sha256', serverSecret, 'keyra legacy voice hash', `v1\u0000${scope.tenantId}`, 32),
  );
  return createHmac('sha256', key)
    .update(`${scope.environment}\u0000${wallet}\u0000${hashHex.toLowerCase()}`)
    .digest('hex');
}

/** Constant-time comparison of two hex digests of the same length. */
export function legacyHashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
