import type { ApiKeyRecord, EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { ApiKeyStore } from '../ports.js';
import { hashApiKey, hashesEqual, parseApiKeyEnvironment } from './apiKeys.js';

export interface AuthenticatedKey extends Scope {
  keyId: string;
  /** The key's relying-party name, the default `aud` of the proofs it asks for. */
  audience: string;
}

/** Why a key was refused. Goes to the log and the error's cause, never to the client. */
export type ApiKeyRejection =
  'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'environment_mismatch';

/**
 * Resolves a presented key to its tenant and environment. Every failure is the same
 * `invalid_api_key` error from outside; the reason rides in `cause` for the log.
 */
export async function authenticateApiKey(
  store: ApiKeyStore,
  presented: string | undefined,
  now: EpochMs,
): Promise<AuthenticatedKey> {
  const refuse = (reason: ApiKeyRejection): never => {
    throw new KeyraError('invalid_api_key', 'Missing or invalid API key.', { cause: reason });
  };
  if (!presented) return refuse('missing');
  const environment = parseApiKeyEnvironment(presented);
  if (!environment) return refuse('malformed');
  const hash = hashApiKey(presented);
  const record: ApiKeyRecord | null = await store.findByHash(hash);
  // The lookup is by hash; the constant-time compare guards against an adapter that matched loosely.
  if (!record || !hashesEqual(record.hash, hash)) return refuse('unknown');
  if (record.revokedAt !== null && record.revokedAt <= now) return refuse('revoked');
  if (record.expiresAt !== null && record.expiresAt <= now) return refuse('expired');
  if (record.environment !== environment) return refuse('environment_mismatch');
  return {
    tenantId: record.tenantId,
    environment: record.environment,
    keyId: record.id,
    audience: record.audience,
  };
}
