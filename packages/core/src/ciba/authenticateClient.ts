import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import { hashesEqual } from '../keys/apiKeys.js';
import type { OAuthClientStore } from '../ports.js';
import type { OAuthClientRecord } from './cibaRecords.js';
import { hashClientSecret } from './createOAuthClient.js';

/** The credentials a client presented, by `client_secret_basic` or `client_secret_post`. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** Why a client was refused. Goes to the log and the error's cause, never to the client. */
export type ClientRejection = 'missing' | 'unknown' | 'wrong_secret' | 'revoked';

/** Compared against when the client id is unknown, so both failures cost the same. */
const ABSENT_HASH = '0'.repeat(64);

/**
 * Authenticates an OAuth client of the CIBA front door. Every failure is the same
 * `invalid_client` error from outside, and an unknown id costs the same hash and constant-time
 * compare as a wrong secret; the reason rides in `cause` for the log.
 */
export async function authenticateClient(
  store: OAuthClientStore,
  credentials: ClientCredentials | null,
  now: EpochMs,
): Promise<OAuthClientRecord> {
  const refuse = (reason: ClientRejection): never => {
    throw new KeyraError('invalid_client', 'Client authentication failed.', { cause: reason });
  };
  if (!credentials || credentials.clientId === '' || credentials.clientSecret === '')
    return refuse('missing');
  const presented = hashClientSecret(credentials.clientSecret);
  const record = await store.locate(credentials.clientId);
  const matches = hashesEqual(record?.secretHash ?? ABSENT_HASH, presented);
  if (!record) return refuse('unknown');
  if (!matches) return refuse('wrong_secret');
  if (record.revokedAt !== null && record.revokedAt <= now) return refuse('revoked');
  return record;
}
