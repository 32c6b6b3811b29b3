import {
  AUDIT_GENESIS_HASH,
  type AuditCheckpointRecord,
  type AuditEntry,
  type AuditStore,
} from '@keyra/core';
import { sql, type Kysely } from 'kysely';
import { inTransaction } from '../inTransaction.js';
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

export function createAuditStore(db: Kysely<Database>, kind: DatabaseKind): AuditStore {
  return {
    append(tenantId, seal) {
      return inTransaction(db, async (trx) => {
        // The head row is the tenant's lock on PostgreSQL: a no-op UPDATE takes its row lock
        // until the transaction ends (and re-reads the row after waiting, so it sees the last
        // committed head), which queues a tenant's appends and keeps seq gap-free. SQLite's
        // transactions already hold the database's write lock (BEGIN IMMEDIATE): a read will do.
        const lockHead = () =>
          kind === 'postgres'
            ? trx
                .updateTable('audit_heads')
                .set((eb) => ({ seq: eb.ref('seq') }))
                .where('tenant_id', '=', tenantId)
                .returning(['seq', 'hash'])
                .executeTakeFirst()
            : trx
                .selectFrom('audit_heads')
                .select(['seq', 'hash'])
                .where('tenant_id', '=', tenantId)
                .executeTakeFirst();
        let head = await lockHead();
        if (!head) {
          await trx
            .insertInto('audit_heads')
            .values({ tenant_id: tenantId, seq: 0, hash: AUDIT_GENESIS_HASH })
            .onConflict((oc) => oc.column('tenant_id').doNothing())
            .execute();
          head = await lockHead();
          if (!head) throw new Error(`audit head of tenant ${tenantId} could not be created`);
        }
        const entry = seal({ seq: Number(head.seq), hash: head.hash });
        const row = {
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
        if (kind === 'postgres') {
          // One round trip for the entry and the head: an append runs while the tenant's head
          // is locked, so it is kept short.
          await sql`with appended as (${trx
            .insertInto('audit_entries')
            .values(row)
            .returning(['seq', 'hash'])})
            update audit_heads set seq = appended.seq, hash = appended.hash
            from appended where audit_heads.tenant_id = ${tenantId}`.execute(trx);
          return entry;
        }
        await trx.insertInto('audit_entries').values(row).execute();
        await trx
          .updateTable('audit_heads')
          .set({ seq: entry.seq, hash: entry.hash })
          .where('tenant_id', '=', tenantId)
          .execute();
        return entry;
      });
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
