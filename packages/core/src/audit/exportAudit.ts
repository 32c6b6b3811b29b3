import type { AuditFilter, AuditStore } from '../ports.js';
import type { AuditEntry } from './auditRecords.js';

/** Rows read per query while exporting. */
const EXPORT_BATCH = 500;

/**
 * Every entry of a tenant's chain that matches `filter`, in chain order, read in batches so an
 * export of any length streams in bounded memory.
 */
export async function* exportAudit(
  store: Pick<AuditStore, 'list'>,
  tenantId: string,
  filter: AuditFilter,
): AsyncGenerator<AuditEntry> {
  let afterSeq = 0;
  for (;;) {
    const batch = await store.list(tenantId, filter, EXPORT_BATCH, afterSeq);
    yield* batch;
    const last = batch[batch.length - 1];
    if (!last || batch.length < EXPORT_BATCH) return;
    afterSeq = last.seq;
  }
}
