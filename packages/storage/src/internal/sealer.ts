import { AUDIT_GENESIS_HASH, sealAuditEntry, type AuditEntry, type AuditHead } from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuditEntriesTable, AuditPendingTable, Database } from './schema.js';
import { precompile } from './precompile.js';

/** Rows sealed per transaction: a backlog is worked off in batches of this many. */
export const SEAL_BATCH = 500;
const RETRY_MS = 1000;

/**
 * What PostgreSQL finishes right after a commit, per tenant, so no request's transaction holds a
 * tenant-wide row until it commits (docs/storage.md, "Sealing after commit"):
 * - `audit`: pending audit entries get their place in the tenant's chain (`sealAudit`);
 * - `usage`: pending usage records are billed to free credits or overage (`billUsage`).
 */
export type SealKind = 'audit' | 'usage';

/**
 * Runs the seals of this process. Each seal is one short transaction under a tenant-wide lock (the
 * chain head, the tenant row); sealers in any number of processes queue there and take the rows
 * only once they hold it, so no row is sealed twice and none is skipped.
 */
export interface Sealer {
  /** Pending rows of the tenant were committed by this process: seal them soon. */
  kick(tenantId: string, kind: SealKind): void;
  /**
   * Seals every row of the tenant committed before this call (readers call it first, so they see
   * their own writes finished); rejects if sealing fails.
   */
  flush(tenantId: string, kind: SealKind): Promise<void>;
  /** `flush` for every tenant with pending rows of this kind (committed by any process). */
  flushAll(kind: SealKind): Promise<void>;
  /** Waits for running seals and stops retrying; kicks after this do nothing. */
  close(): Promise<void>;
}

/** How a set of stores reaches the sealer. */
export interface Sealing {
  /** A pending row of this kind was written for the tenant through these stores. */
  pending(tenantId: string, kind: SealKind): void;
  /**
   * The storage's own stores flush before reading, so a reader sees what was committed before it
   * asked, finished; a transaction's stores read what is sealed (null).
   */
  sealer: Sealer | null;
}

/**
 * What a store of the storage itself calls before reading rows of `sealKind`, so its reader sees
 * what was committed before it asked, finished: `tenant` seals one tenant's pending rows, `all`
 * every tenant's. Nothing to do without a sealer (SQLite, or a transaction's stores).
 */
export function sealBeforeReading(
  sealing: Sealing | null,
  sealKind: SealKind,
): { tenant(tenantId: string): Promise<void>; all(): Promise<void> } {
  const sealer = sealing?.sealer ?? null;
  return {
    tenant: async (tenantId) => {
      if (sealer) await sealer.flush(tenantId, sealKind);
    },
    all: async () => {
      if (sealer) await sealer.flushAll(sealKind);
    },
  };
}

interface LoopState {
  running: Promise<void> | null;
  again: boolean;
}

const PASSES: Record<
  SealKind,
  (db: Kysely<Database>, tenantId: string, limit: number) => Promise<number>
> = {
  audit: (db, tenantId, limit) => sealAudit(db, tenantId, limit),
  usage: (db, tenantId, limit) => billUsage(db, tenantId, limit),
};

export function createSealer(db: Kysely<Database>): Sealer {
  const loops = new Map<string, LoopState>();
  // One retry timer per tenant and kind, however many kicks joined the failed seal.
  const retries = new Map<string, NodeJS.Timeout>();
  let closed = false;

  /** Seals until a pass finds the backlog drained and nobody asked for another pass meanwhile. */
  const run = (key: string, state: LoopState, pass: () => Promise<number>): Promise<void> => {
    const loop = async (): Promise<void> => {
      try {
        for (;;) {
          state.again = false;
          const sealed = await pass();
          if (!state.again && sealed < SEAL_BATCH) return;
        }
      } finally {
        state.running = null;
        loops.delete(key);
      }
    };
    state.running = loop();
    return state.running;
  };

  const start = (tenantId: string, kind: SealKind): Promise<void> => {
    const key = `${kind}:${tenantId}`;
    let state = loops.get(key);
    if (!state) {
      state = { running: null, again: false };
      loops.set(key, state);
    }
    if (state.running) {
      // Its current pass may have taken its rows already: the loop makes one more pass.
      state.again = true;
      return state.running;
    }
    return run(key, state, () => PASSES[kind](db, tenantId, SEAL_BATCH));
  };

  const kick = (tenantId: string, kind: SealKind): void => {
    if (closed) return;
    start(tenantId, kind).catch(() => {
      // The rows stay pending (nothing is lost): try again shortly; a reader's flush or the
      // server's sweep (which logs the failure) seals them too.
      const key = `${kind}:${tenantId}`;
      if (closed || retries.has(key)) return;
      const timer = setTimeout(() => {
        retries.delete(key);
        kick(tenantId, kind);
      }, RETRY_MS);
      timer.unref();
      retries.set(key, timer);
    });
  };

  return {
    kick,
    async flush(tenantId, kind) {
      const running = loops.get(`${kind}:${tenantId}`)?.running;
      if (!running && !(await hasPending(db, tenantId, kind))) return;
      await start(tenantId, kind);
    },
    async flushAll(kind) {
      const tenants = await pendingTenants(db, kind);
      await Promise.all(tenants.map((tenantId) => start(tenantId, kind)));
    },
    async close() {
      closed = true;
      for (const timer of retries.values()) clearTimeout(timer);
      retries.clear();
      await Promise.allSettled([...loops.values()].map((state) => state.running));
    },
  };
}

async function hasPending(
  db: Kysely<Database>,
  tenantId: string,
  kind: SealKind,
): Promise<boolean> {
  const row =
    kind === 'audit'
      ? await db
          .selectFrom('audit_pending')
          .select('pos')
          .where('tenant_id', '=', tenantId)
          .limit(1)
          .executeTakeFirst()
      : await db
          .selectFrom('usage_records')
          .select('id')
          .where('tenant_id', '=', tenantId)
          .where('billing', '=', 'pending')
          .limit(1)
          .executeTakeFirst();
  return row !== undefined;
}

async function pendingTenants(db: Kysely<Database>, kind: SealKind): Promise<string[]> {
  const rows =
    kind === 'audit'
      ? await db.selectFrom('audit_pending').select('tenant_id').distinct().execute()
      : await db
          .selectFrom('usage_records')
          .select('tenant_id')
          .distinct()
          .where('billing', '=', 'pending')
          .execute();
  return rows.map((row) => row.tenant_id);
}

/**
 * One audit seal: at most `limit` of the tenant's oldest pending entries into its chain, in one
 * transaction holding the chain head `FOR UPDATE`: each gets the next seq, the previous hash as
 * `prevHash` and its hash (`sealAuditEntry`). Returns how many.
 */
export async function sealAudit(
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
    await moveHead(trx, tenantId, last.seq, last.hash, last.prevHash);
    return rows.length;
  });
}

// The fixed statements of every seal, compiled once (precompile.ts): under load a seal often
// finishes only one or two rows (1,438 audit seals for about 3,000 entries in a scratch verify run),
// so they run about as often as the requests that wrote the rows.
const selectHeadForUpdate = precompile(1, (db, tenantId: string) =>
  db
    .selectFrom('audit_heads')
    .select(['seq', 'hash'])
    .where('tenant_id', '=', tenantId)
    .forUpdate(),
);
const moveHead = precompile(4, (db, tenantId: string, seq: number, hash: string, prev: string) =>
  db
    .updateTable('audit_heads')
    .set({ seq, hash, prev_hash: prev })
    .where('tenant_id', '=', tenantId),
);
const lockTenantCount = precompile(1, (db, tenantId: string) =>
  db
    .selectFrom('tenants')
    .select(['metered_count', 'free_credits', 'plan'])
    .where('id', '=', tenantId)
    .forNoKeyUpdate(),
);
const selectPendingUsage = precompile(2, (db, tenantId: string, limit: number) =>
  db
    .selectFrom('usage_records')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('billing', '=', 'pending')
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit),
);
const addToCount = precompile(2, (db, count: number, tenantId: string) =>
  db
    .updateTable('tenants')
    .set((eb) => ({ metered_count: eb('metered_count', '+', count) }))
    .where('id', '=', tenantId),
);

/** Locks the tenant's head row (creating it at the genesis hash on the tenant's first seal). */
async function lockHead(trx: Kysely<Database>, tenantId: string): Promise<AuditHead> {
  const select = async () => (await selectHeadForUpdate(trx, tenantId)).rows[0];
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

/**
 * One usage seal: bills at most `limit` of the tenant's pending usage records, oldest first, in
 * one transaction holding the tenant row `FOR NO KEY UPDATE` (which, unlike `FOR UPDATE`, lets
 * the inserts that reference the tenant go on): while free credits are left a record is `credit`,
 * then `overage`, on the plan the tenant has now; the tenant's count moves by as many. Returns how
 * many.
 */
export async function billUsage(
  db: Kysely<Database>,
  tenantId: string,
  limit: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const tenant = (await lockTenantCount(trx, tenantId)).rows[0];
    if (!tenant) return 0;
    const { rows: pending } = await selectPendingUsage(trx, tenantId, limit);
    if (pending.length === 0) return 0;
    const credits = Math.max(
      0,
      Math.min(pending.length, Number(tenant.free_credits) - Number(tenant.metered_count)),
    );
    const ids = pending.map((row) => row.id);
    const credited = ids.slice(0, credits);
    await sql`
      update usage_records
      set billing = case when id = any(${credited}::text[]) then 'credit' else 'overage' end,
          plan = ${tenant.plan}
      where id = any(${ids}::text[])`.execute(trx);
    await addToCount(trx, ids.length, tenantId);
    return ids.length;
  });
}
