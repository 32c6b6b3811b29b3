import { decodeKeysetCursor, toKeysetPage, type KeysetPage } from '../pagination/keysetCursor.js';
import type { AuditStore } from '../ports.js';
import type { AuditCheckpointRecord } from './auditRecords.js';

const CHECKPOINT_ID_PATTERN = /^acp_[0-9A-Za-z]{4,64}$/;

/** A tenant's signed checkpoints, newest first, with keyset pagination. */
export async function listAuditCheckpoints(
  store: Pick<AuditStore, 'listCheckpoints'>,
  tenantId: string,
  limit: number,
  cursor?: string,
): Promise<KeysetPage<AuditCheckpointRecord>> {
  const after =
    cursor === undefined ? undefined : decodeKeysetCursor(cursor, CHECKPOINT_ID_PATTERN);
  return toKeysetPage(await store.listCheckpoints(tenantId, limit + 1, after), limit);
}
