import { AUDIT_GENESIS_HASH, sealAuditEntry, type AuditEntry, type AuditHead } from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditEntriesTable, AuditPendingTable, Database } from './schema.js';

/** Entries sealed per transaction: a backlog is worked off in batches of this many. */
export const SEAL_BATCH = 500;
const RETRY_MS = 1000;

/**
 * PostgreSQL's audit sealer (docs/audit.md, "Sealing"). Appends insert pending rows in the fact's
 * own transaction; after they commit, the sealer gives them their place in the tenant's chain. One
 * seal is one transaction: it locks the tenant's head row, takes the oldest pending rows
 * (`DELETE … RETURNING`), seals each onto the one before with `sealAuditEntry`, inserts them into
 * `audit_entries` and moves the head. Sealers in any number of processes queue on the head lock,
 * and each takes the pending rows only once it holds it, so no row is sealed twice and the chain
 * stays gap-free. The chain's order is the order in which rows were sealed.
 */
export interface AuditSealer {
  /** Pending rows of the tenant were committed by this process: seal them soon. */
  kick(tenantId: string): void;
  /**
   * Seals every row of the tenant committed before this call (readers call it first, so they see
   * their own writes in the chain); rejects if sealing fails.
   */
  flush(tenantId: string): Promise<void>;
  /** `flush` for every tenant with pending rows (committed by any process). */
  flushAll(): Promise<void>;
  /** Waits for running seals and stops retrying; kicks after this do nothing. */
  close(): Promise<void>;
}

interface TenantState {
  running: Promise<void> | null;
  again: boolean;
}

export function createAuditSealer(db: Kysely<Database>): AuditSealer {
  const tenants = new Map<string, TenantState>();
  const retries = new Set<NodeJS.Timeout>();
  let closed = false;

  /** Seals until a pass finds the backlog drained and nobody asked for another pass meanwhile. */
  const run = (tenantId: string, state: TenantState): Promise<void> => {
    const loop = async (): Promise<void> => {
      try {
        for (;;) {
          state.again = false;
          const sealed = await sealPending(db, tenantId, SEAL_BATCH);
          if (!state.again && sealed < SEAL_BATCH) return;
        }
      } finally {
        state.running = null;
        tenants.delete(tenantId);
      }
    };
    state.running = loop();
    return state.running;
  };

  const start = (tenantId: string): Promise<void> => {
    let state = tenants.get(tenantId);
    if (!state) {
      state = { running: null, again: false };
      tenants.set(tenantId, state);
    }
    if (state.running) {
      // Its current pass may have taken its rows already: the loop makes one more pass.
      state.again = true;
      return state.running;
    }
    return run(tenantId, state);
  };

  const kick = (tenantId: string): void => {
    if (closed) return;
    start(tenantId).catch(() => {
      // The rows stay pending (nothing is lost): try again shortly; a reader's flush or the
      // server's sweep seals them too.
      if (closed) return;
      const timer = setTimeout(() => {
        retries.delete(timer);
        kick(tenantId);
      }, RETRY_MS);
      timer.unref();
      retries.add(timer);
    });
  };

  return {
    kick,
    async flush(tenantId) {
      if (!(await hasPending(db, tenantId)) && !tenants.get(tenantId)?.running) return;
      await start(tenantId);
    },
    async flushAll() {
      const rows = await db.selectFrom('audit_pending').select('tenant_id').distinct().execute();
      await Promise.all(rows.map((row) => start(row.tenant_id)));
    },
    async close() {
      closed = true;
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
      await Promise.allSettled([...tenants.values()].map((state) => state.running));
    },
  };
}

async function hasPending(db: Kysely<Database>, tenantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('audit_pending')
    .select('pos')
    .where('tenant_id', '=', tenantId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** One seal: at most `limit` of the tenant's oldest pending rows into its chain. Returns how many. */
export async function sealPending(
  db: Kysely<Database>,
  tenantId: string,
  limit: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const head = await lockHead(trx, tenantId);
    const { rows } = await sql<Selectable<AuditPendingTable>>`
      delete from audit_pending
      where pos in (
        select pos from audit_pending where tenant_id = ${tenantId} order by pos limit ${limit}
      )
      returning *`.execute(trx);
    if (rows.length === 0) return 0;
    rows.sort((a, b) => Number(a.pos) - Number(b.pos));
    let previous: AuditHead = head;
    const entries = rows.map((row) => {
      const entry = sealAuditEntry(
        {
          id: row.id,
          tenantId: row.tenant_id,
          type: row.type,
          environment: row.environment,
          actor: row.actor,
          subject: row.subject,
          data: JSON.parse(row.data) as Record<string, unknown>,
          occurredAt: Number(row.occurred_at),
        },
        previous,
      );
      previous = { seq: entry.seq, hash: entry.hash };
      return entry;
    });
    await trx.insertInto('audit_entries').values(entries.map(auditRowOf)).execute();
    const last = entries[entries.length - 1]!;
    await trx
      .updateTable('audit_heads')
      .set({ seq: last.seq, hash: last.hash, prev_hash: last.prevHash })
      .where('tenant_id', '=', tenantId)
      .execute();
    return rows.length;
  });
}

/** Locks the tenant's head row (creating it at the genesis hash on the tenant's first seal). */
async function lockHead(trx: Kysely<Database>, tenantId: string): Promise<AuditHead> {
  const select = () =>
    trx
      .selectFrom('audit_heads')
      .select(['seq', 'hash'])
      .where('tenant_id', '=', tenantId)
      .forUpdate()
      .executeTakeFirst();
  let row = await select();
  if (!row) {
    await trx
      .insertInto('audit_heads')
      .values({ tenant_id: tenantId, seq: 0, hash: AUDIT_GENESIS_HASH })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .execute();
    row = await select();
    if (!row) throw new Error(`audit head of tenant ${tenantId} could not be created`);
  }
  return { seq: Number(row.seq), hash: row.hash };
}

export function auditRowOf(entry: AuditEntry): AuditEntriesTable {
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
