import type { EpochMs } from '../domain.js';
import type { RandomBytes } from '../ids.js';
import type { ApiKeyStore } from '../ports.js';
import { buildApiKey, type IssuedApiKey } from './createApiKey.js';

export interface RotateApiKeyOptions {
  keyId: string;
  now: EpochMs;
  /** How long the old key keeps working, in ms. 0 retires it immediately. */
  graceMs: number;
  random?: RandomBytes;
}

export type RotateApiKeyResult =
  | { outcome: 'rotated'; replacement: IssuedApiKey; oldKeyExpiresAt: EpochMs }
  | { outcome: 'not_found' }
  | { outcome: 'inactive' };

/**
 * Issues a replacement key in the same tenant and environment; the old key stays valid for the
 * grace period so deployed services can switch over without an outage.
 */
export async function rotateApiKey(
  store: ApiKeyStore,
  options: RotateApiKeyOptions,
): Promise<RotateApiKeyResult> {
  const old = await store.findById(options.keyId);
  if (!old) return { outcome: 'not_found' };
  const replacement = buildApiKey({
    tenantId: old.tenantId,
    environment: old.environment,
    audience: old.audience,
    now: options.now,
    ...(options.random ? { random: options.random } : {}),
  });
  const oldKeyExpiresAt = options.now + options.graceMs;
  const rotated = await store.rotate(old.id, replacement.record, oldKeyExpiresAt, options.now);
  return rotated ? { outcome: 'rotated', replacement, oldKeyExpiresAt } : { outcome: 'inactive' };
}
