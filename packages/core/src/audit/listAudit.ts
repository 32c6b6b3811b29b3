import type { AuditFilter, AuditStore } from '../ports.js';
import { decodeCursorJson, invalidCursor, type KeysetPage } from '../pagination/keysetCursor.js';
import type { AuditEntry } from './auditRecords.js';

/** A page of a tenant's audit chain, in chain order, with the opaque cursor of the next page. */
export type AuditPage = KeysetPage<AuditEntry>;

export function encodeAuditCursor(seq: number): string {
  return Buffer.from(JSON.stringify(['seq', seq]), 'utf8').toString('base64url');
}

/** Decodes a cursor of {@link encodeAuditCursor}; anything else is `invalid_cursor`. */
export function decodeAuditCursor(text: string): number {
  const parsed = decodeCursorJson(text, 100);
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    parsed[0] !== 'seq' ||
    !Number.isSafeInteger(parsed[1]) ||
    (parsed[1] as number) < 0
  )
    return invalidCursor();
  return parsed[1] as number;
}

/**
 * A tenant's audit entries in chain order (oldest first, `seq` ascending), optionally filtered,
 * `limit` at a time. Unfiltered pages are contiguous runs of the chain, so a client can check
 * each one with `verifyAuditChain`, continuing from the previous page's last entry.
 */
export async function listAudit(
  store: Pick<AuditStore, 'list'>,
  tenantId: string,
  filter: AuditFilter,
  limit: number,
  cursor?: string,
): Promise<AuditPage> {
  const afterSeq = cursor === undefined ? undefined : decodeAuditCursor(cursor);
  const rows = await store.list(tenantId, filter, limit + 1, afterSeq);
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  const last = data[data.length - 1];
  return { data, hasMore, nextCursor: hasMore && last ? encodeAuditCursor(last.seq) : null };
}
