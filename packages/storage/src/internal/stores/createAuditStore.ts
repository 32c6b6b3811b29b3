import {
  AUDIT_GENESIS_HASH,
  auditHashTemplate,
  sealAuditEntry,
  type AuditCheckpointRecord,
  type AuditDraft,
  type AuditEntry,
  type AuditStore,
} from '@keyra/core';
import { sql, type Kysely } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import { precompile, precompileInsert } from '../precompile.js';
import { newestFirst } from '../newestFirst.js';
import type {
  AuditCheckpointsTable,
  AuditEntriesTable,
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

function rowOf(entry: AuditEntry): AuditEntriesTable {
  return {
    id: entry.id,
    tenant_id: entry.tenantId,
    seq: entry.seq,
    type: entry.type,
    environment: entry.environment,
    actor: entry.actor,
    subject: entry.subject,
    data: JSON.stringify(entry.data),
    occurred_at: entry.occurredAt,
    prev_hash: entry.prevHash,
    hash: entry.hash,
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

async function appendLocked(trx: Kysely<Database>, draft: AuditDraft): Promise<AuditEntry> {
  const readHead = async () => (await selectHead(trx, draft.tenantId)).rows[0];
  let head = await readHead();
  if (!head) {
    await createHead(trx, draft.tenantId);
    head = await readHead();
    if (!head) throw new Error(`audit head of tenant ${draft.tenantId} could not be created`);
  }
  const entry = sealAuditEntry(draft, { seq: Number(head.seq), hash: head.hash });
  await insertEntry(trx, { ...rowOf(entry) });
  await moveHead(trx, draft.tenantId, entry.seq, entry.hash, entry.prevHash);
  return entry;
}

/**
 * PostgreSQL: one round trip. The `UPDATE` of the tenant's head row takes its row lock until the
 * transaction ends (after waiting, it re-reads the last committed head), which queues a tenant's
 * appends across instances and keeps seq gap-free; it moves the head to the next seq and to the
 * entry's hash, computed there (`sha256`) from the canonical text around the two values only the
 * locked head decides (`auditHashTemplate`); the `INSERT` writes the entry from what it returned.
 * The hash is then recomputed here as `sealAuditEntry` does, and should PostgreSQL's text ever
 * differ from the canonical one (say, a database not in UTF-8), the entry and head are rewritten
 * with it while still locked (`rehashed: true`): the chain is always the one verifiers compute.
 */
export async function appendInOneStatement(
  trx: Kysely<Database>,
  draft: AuditDraft,
  template: { before: string; between: string; after: string } = auditHashTemplate(draft),
): Promise<{ entry: AuditEntry; rehashed: boolean }> {
  const append = () =>
    sql<{ seq: string | number; prev_hash: string; hash: string }>`
      with head as (
        update audit_heads
        set prev_hash = hash,
            seq = seq + 1,
            hash = encode(sha256(convert_to(
              ${template.before}::text || hash || ${template.between}::text
                || (seq + 1)::text || ${template.after}::text, 'UTF8')), 'hex')
        where tenant_id = ${draft.tenantId}
        returning seq, prev_hash, hash
      )
      insert into audit_entries
        (id, tenant_id, seq, type, environment, actor, subject, data, occurred_at, prev_hash, hash)
      select ${draft.id}::text, ${draft.tenantId}::text, head.seq, ${draft.type}::text,
        ${draft.environment}::text, ${draft.actor}::text, ${draft.subject}::text,
        ${JSON.stringify(draft.data)}::text, ${draft.occurredAt}::bigint, head.prev_hash, head.hash
      from head
      returning seq, prev_hash, hash`.execute(trx);
  let result = await append();
  if (result.rows.length === 0) {
    await createHead(trx, draft.tenantId);
    result = await append();
  }
  const row = result.rows[0];
  if (!row) throw new Error(`audit head of tenant ${draft.tenantId} could not be created`);
  const entry = sealAuditEntry(draft, { seq: Number(row.seq) - 1, hash: row.prev_hash });
  if (entry.hash === row.hash) return { entry, rehashed: false };
  await trx
    .updateTable('audit_entries')
    .set({ hash: entry.hash })
    .where('tenant_id', '=', draft.tenantId)
    .where('seq', '=', entry.seq)
    .execute();
  await trx
    .updateTable('audit_heads')
    .set({ hash: entry.hash })
    .where('tenant_id', '=', draft.tenantId)
    .execute();
  return { entry, rehashed: true };
}

export function createAuditStore(db: Kysely<Database>, kind: DatabaseKind): AuditStore {
  return {
    append(draft) {
      return inTransaction(db, (trx) =>
        kind === 'postgres'
          ? appendInOneStatement(trx, draft).then((appended) => appended.entry)
          : appendLocked(trx, draft),
      );
    },

    async head(tenantId) {
      const row = await db
        .selectFrom('audit_heads')
        .select(['seq', 'hash'])
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: AUDIT_GENESIS_HASH };
    },

    async list(tenantId, filter, limit, afterSeq) {
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

    async tenantsWithChains() {
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
