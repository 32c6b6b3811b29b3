import type { EpochMs } from '../domain.js';
import type { RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface RevokeApiKeyOptions {
  keyId: string;
  now: EpochMs;
  random?: RandomBytes;
  /** Who revokes it, for the audit log (default `cli`). */
  actor?: string;
}

/**
 * Revokes a key at once (requests with it fail from now on), with its audit entry in the same
 * transaction. Returns false, writing nothing, when the key does not exist or was already revoked.
 */
export async function revokeApiKey(
  storage: Pick<Storage, 'transaction'>,
  options: RevokeApiKeyOptions,
): Promise<boolean> {
  return storage.transaction(async (tx) => {
    const key = await tx.apiKeys.findById(options.keyId);
    if (!key || !(await tx.apiKeys.revoke(key.id, options.now))) return false;
    await appendAudit(
      tx,
      { tenantId: key.tenantId, environment: key.environment },
      { type: 'api_key.revoked', actor: options.actor ?? 'cli', subject: key.id },
      options.now,
      options.random,
    );
    return true;
  });
}
