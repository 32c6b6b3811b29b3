import type { EpochMs } from '../domain.js';
import type { RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { appendAudit } from '../audit/appendAudit.js';
import { buildApiKey, type IssuedApiKey } from './createApiKey.js';

export interface RotateApiKeyOptions {
  keyId: string;
  now: EpochMs;
  /** How long the old key keeps working, in ms. 0 retires it immediately. */
  graceMs: number;
  random?: RandomBytes;
  /** Who rotates it, for the audit log (default `cli`). */
  actor?: string;
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
  storage: Pick<Storage, 'apiKeys' | 'transaction'>,
  options: RotateApiKeyOptions,
): Promise<RotateApiKeyResult> {
  const old = await storage.apiKeys.findById(options.keyId);
  if (!old) return { outcome: 'not_found' };
  const replacement = buildApiKey({
    tenantId: old.tenantId,
    environment: old.environment,
    audience: old.audience,
    now: options.now,
    ...(options.random ? { random: options.random } : {}),
  });
  const oldKeyExpiresAt = options.now + options.graceMs;
  const rotated = await storage.transaction(async (tx) => {
    if (!(await tx.apiKeys.rotate(old.id, replacement.record, oldKeyExpiresAt, options.now)))
      return false;
    await appendAudit(
      tx,
      { tenantId: old.tenantId, environment: old.environment },
      {
        type: 'api_key.rotated',
        actor: options.actor ?? 'cli',
        subject: old.id,
        data: {
          replacedBy: replacement.record.id,
          oldKeyExpiresAt: new Date(oldKeyExpiresAt).toISOString(),
        },
      },
      options.now,
      options.random,
    );
    return true;
  });
  return rotated ? { outcome: 'rotated', replacement, oldKeyExpiresAt } : { outcome: 'inactive' };
}
