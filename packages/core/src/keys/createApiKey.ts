import type { ApiKeyRecord, EpochMs, Environment } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { appendAudit } from '../audit/appendAudit.js';
import { generateApiKey } from './apiKeys.js';

export interface IssuedApiKey {
  record: ApiKeyRecord;
  /** The secret: show it once, never log or store it. */
  secret: string;
}

export interface CreateApiKeyOptions {
  tenantId: string;
  environment: Environment;
  /** The `aud` of this key's proofs, usually the tenant's name (see `ApiKeyRecord.audience`). */
  audience: string;
  now: EpochMs;
  random?: RandomBytes;
  /** Who creates it, for the audit log: `cli` (the default) or `system` (bootstrap). */
  actor?: string;
}

/** Builds a fresh key record and its secret without storing it. */
export function buildApiKey(options: CreateApiKeyOptions): IssuedApiKey {
  const random = options.random ?? systemRandom;
  const generated = generateApiKey(options.environment, random);
  return {
    secret: generated.secret,
    record: {
      id: newId('apiKey', random),
      tenantId: options.tenantId,
      environment: options.environment,
      hash: generated.hash,
      displayPrefix: generated.displayPrefix,
      createdAt: options.now,
      expiresAt: null,
      revokedAt: null,
      replacedBy: null,
      audience: options.audience,
    },
  };
}

/** Creates and stores a new key for a tenant and environment, with its audit entry. */
export async function createApiKey(
  storage: Pick<Storage, 'transaction'>,
  options: CreateApiKeyOptions,
): Promise<IssuedApiKey> {
  const issued = buildApiKey(options);
  await storage.transaction(async (tx) => {
    await tx.apiKeys.insert(issued.record);
    await appendAudit(
      tx,
      { tenantId: options.tenantId, environment: options.environment },
      {
        type: 'api_key.created',
        actor: options.actor ?? 'cli',
        subject: issued.record.id,
        data: { displayPrefix: issued.record.displayPrefix, audience: issued.record.audience },
      },
      options.now,
      options.random,
    );
  });
  return issued;
}
