import type { Scope } from '../domain.js';
import { decodeKeysetCursor, toKeysetPage, type KeysetPage } from '../pagination/keysetCursor.js';
import type { PolicyRecord, PolicyStore } from './policyRecords.js';

const POLICY_ID_PATTERN = /^pol_[0-9A-Za-z]{4,64}$/;

/** A scope's live policies (current versions), newest first, with keyset pagination. */
export async function listPolicies(
  store: Pick<PolicyStore, 'list'>,
  scope: Scope,
  limit: number,
  cursor?: string,
): Promise<KeysetPage<PolicyRecord>> {
  const after = cursor === undefined ? undefined : decodeKeysetCursor(cursor, POLICY_ID_PATTERN);
  return toKeysetPage(await store.list(scope, limit + 1, after), limit);
}
