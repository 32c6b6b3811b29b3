import {
  AUDIT_GENESIS_HASH,
  sealAuditEntry,
  type AuditCheckpointRecord,
  type AuditDraft,
  type AuditEntry,
  type AuditStore,
} from '@keyra/core';
import type { Kysely } from 'kysely';
import { auditRowOf, sealBeforeReading, type Sealing } from '../sealer.js';
import { inTransaction } from '../inTransaction.js';
import { precompile, precompileInsert } from '../precompile.js';
import { newestFirst } from '../newestFirst.js';
import type {
  AuditCheckpointsTable,
  AuditEntriesTable,
  AuditPendingTable,
  Database,
  DatabaseKind,
} from '../schema.js';

function entryFromRow(row: AuditEntriesTable): AuditEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    seq: row.seq,
    type: row.type,
    environment: row.environment,
    actor: row.actor,
    subject: row.subject,
    data: parseData(row.data),
    occurredAt: row.occurred_at,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Entries are read to be verified, so a `data` column edited into something that is not JSON must
 * not stop the reader: it comes back as `{ unparsable: text }`, which cannot hash like the
 * object that was appended, so the verifier names the entry.
 */
function parseData(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { unparsable: text };
  }
}

function checkpointFromRow(row: AuditCheckpointsTable): AuditCheckpointRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    seq: row.seq,
    hash: row.hash,
    signature: row.signature,
    createdAt: row.created_at,
    stampId: row.stamp_id,
  };
}

/** A tenant's first append: its head row, at the genesis hash (a no-op when a racer made it first). */
async function createHead(trx: Kysely<Database>, tenantId: string): Promise<void> {
  await trx
    .insertInto('audit_heads')
    .values({ tenant_id: tenantId, seq: 0, hash: AUDIT_GENESIS_HASH })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
}

/**
 * SQLite: its transactions already hold the database's write lock (BEGIN IMMEDIATE), so reading
 * the head, sealing the entry here, inserting it and moving the head cannot interleave with
 * another append.
 */
// The three statements of a SQLite append, compiled once (precompile.ts): every create and
// verify appends.
const selectHead = precompile(1, (db, tenantId: string) =>
  db.selectFrom('audit_heads').select(['seq', 'hash']).where('tenant_id', '=', tenantId),
);
const insertEntry = precompileInsert('audit_entries');
const moveHead = precompile(4, (db, tenantId: string, seq: number, hash: string, prev: string) =>
  db
    .updateTable('audit_heads')
    .set({ seq, hash, prev_hash: prev })
    .where('tenant_id', '=', tenantId),
);

async function appendLocked(trx: Kysely<Database>, draft: AuditDraft): Promise<void> {
  const readHead = async () => (await selectHead(trx, draft.tenantId)).rows[0];
  let head = await readHead();
  if (!head) {
    await createHead(trx, draft.tenantId);
    head = await readHead();
    if (!head) throw new Error(`audit head of tenant ${draft.tenantId} could not be created`);
  }
  const entry = sealAuditEntry(draft, { seq: Number(head.seq), hash: head.hash });
  await insertEntry(trx, { ...auditRowOf(entry) });
  await moveHead(trx, draft.tenantId, entry.seq, entry.hash, entry.prevHash);
}

/**
 * PostgreSQL: the entry is written as a pending row, in the caller's transaction, without touching
 * the tenant's head: the sealer chains it after the commit (`sealer.ts`).
 */
const insertPending = precompileInsert('audit_pending');

/** The `audit_pending` row of a draft. */
export function pendingRowOf(draft: AuditDraft): Omit<AuditPendingTable, 'pos'> {
  return {
    id: draft.id,
    tenant_id: draft.tenantId,
    type: draft.type,
    environment: draft.environment,
    actor: draft.actor,
    subject: draft.subject,
    data: JSON.stringify(draft.data),
    occurred_at: draft.occurredAt,
  };
}

/**
 * Writes the entry in `trx`: chained at once on SQLite, pending on PostgreSQL (the caller tells
 * the sealer once it commits: `Sealing.pending`).
 */
export async function writeAuditEntry(
  trx: Kysely<Database>,
  kind: DatabaseKind,
  draft: AuditDraft,
): Promise<void> {
  if (kind === 'postgres') await insertPending(trx, pendingRowOf(draft));
  else await appendLocked(trx, draft);
}

export function createAuditStore(
  db: Kysely<Database>,
  kind: DatabaseKind,
  sealing: Sealing | null = null,
): AuditStore {
  const { tenant: flush, all: sealAll } = sealBeforeReading(sealing, 'audit');
  return {
    async append(draft) {
      if (kind !== 'postgres') {
        await inTransaction(db, (trx) => writeAuditEntry(trx, kind, draft));
        return;
      }
      // One statement: it commits on its own or with the caller's transaction.
      await writeAuditEntry(db, kind, draft);
      sealing?.pending(draft.tenantId, 'audit');
    },

    async head(tenantId) {
      await flush(tenantId);
      const row = await db
        .selectFrom('audit_heads')
        .select(['seq', 'hash'])
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: AUDIT_GENESIS_HASH };
    },

    async list(tenantId, filter, limit, afterSeq) {
      await flush(tenantId);
      let query = db.selectFrom('audit_entries').selectAll().where('tenant_id', '=', tenantId);
      if (afterSeq !== undefined) query = query.where('seq', '>', afterSeq);
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
      if (filter.environment !== undefined)
        query = query.where('environment', '=', filter.environment);
      if (filter.since !== undefined) query = query.where('occurred_at', '>=', filter.since);
      if (filter.until !== undefined) query = query.where('occurred_at', '<', filter.until);
      const rows = await query
        .orderBy('seq', 'asc')
        .limit(Math.max(0, Math.trunc(limit)))
        .execute();
      return rows.map(entryFromRow);
    },

    sealPending: sealAll,

    async tenantsWithChains() {
      await sealAll();
      const rows = await db
        .selectFrom('audit_heads')
        .select('tenant_id')
        .orderBy('tenant_id')
        .execute();
      return rows.map((row) => row.tenant_id);
    },

    async insertCheckpoint(checkpoint) {
      await db
        .insertInto('audit_checkpoints')
        .values({
          id: checkpoint.id,
          tenant_id: checkpoint.tenantId,
          seq: checkpoint.seq,
          hash: checkpoint.hash,
          signature: checkpoint.signature,
          created_at: checkpoint.createdAt,
          stamp_id: checkpoint.stampId,
        })
        .execute();
    },

    async listCheckpoints(tenantId, limit, after) {
      const rows = await newestFirst(
        db.selectFrom('audit_checkpoints').selectAll().where('tenant_id', '=', tenantId),
        limit,
        after,
      ).execute();
      return rows.map(checkpointFromRow);
    },
  };
}
