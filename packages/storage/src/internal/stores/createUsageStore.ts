import type { Environment, NewUsageRecord, UsageRecord, UsageStore } from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import { precompile } from '../precompile.js';
import { sealBeforeReading, type Sealing } from '../sealer.js';
import type { Database, DatabaseKind, UsageRecordsTable } from '../schema.js';
import { inScope } from '../inScope.js';

function fromRow(row: Selectable<UsageRecordsTable>): UsageRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    subjectId: row.subject_id,
    method: row.method,
    billing: row.billing,
    plan: row.plan,
    day: row.day,
    createdAt: Number(row.created_at),
  };
}

// SQLite's metering, the three statements of every approved verify, compiled once (precompile.ts).
const insertUsage = precompile(
  7,
  (
    db,
    id: string,
    tenantId: string,
    environment: string,
    subjectId: string,
    method: string,
    day: string,
    createdAt: number,
  ) =>
    db
      .insertInto('usage_records')
      .values({
        id,
        tenant_id: tenantId,
        environment: environment as Environment,
        subject_id: subjectId,
        method: method as UsageRecordsTable['method'],
        billing: 'credit',
        plan: 'pilot',
        day,
        created_at: createdAt,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'environment', 'subject_id']).doNothing()),
);
const countMetered = precompile(1, (db, tenantId: string) =>
  db
    .updateTable('tenants')
    .set((eb) => ({ metered_count: eb('metered_count', '+', 1) }))
    .where('id', '=', tenantId)
    .returning(['metered_count', 'free_credits', 'plan']),
);
const setBilling = precompile(3, (db, billing: string, plan: string, id: string) =>
  db
    .updateTable('usage_records')
    .set({
      billing: billing as UsageRecordsTable['billing'],
      plan: plan as UsageRecordsTable['plan'],
    })
    .where('id', '=', id),
);

export function createUsageStore(
  db: Kysely<Database>,
  kind: DatabaseKind,
  sealing: Sealing | null = null,
): UsageStore {
  const { tenant: flush, all: sealAll } = sealBeforeReading(sealing, 'usage');
  return {
    async record(entry) {
      if (kind === 'postgres') {
        const metered = await recordPending(db, entry);
        if (metered) sealing?.pending(entry.tenantId, 'usage');
        return metered;
      }
      return inTransaction(db, async (trx) => {
        // The unique (tenant, environment, subject) index makes a second record for a subject a
        // no-op, whichever process or retry tries it, and whether or not the first has committed
        // yet (PostgreSQL waits for it, then skips).
        const inserted = await insertUsage(
          trx,
          entry.id,
          entry.tenantId,
          entry.environment,
          entry.subjectId,
          entry.method,
          entry.day,
          entry.createdAt,
        );
        if (Number(inserted.numAffectedRows ?? 0n) === 0) return false;
        // Counting on the tenant row serializes a tenant's metering, so the credit boundary is
        // exact: the first `free_credits` verifications are credits, the rest overage.
        const tenant = (await countMetered(trx, entry.tenantId)).rows[0];
        if (!tenant) throw new Error(`usage.record: no tenant ${entry.tenantId}`);
        const billing =
          Number(tenant.metered_count) <= Number(tenant.free_credits) ? 'credit' : 'overage';
        await setBilling(trx, billing, tenant.plan, entry.id);
        return true;
      });
    },

    async buckets(scope, fromDay, toDay) {
      await flush(scope.tenantId);
      const rows = await db
        .selectFrom('usage_records')
        .select((eb) => [
          'day',
          'environment',
          'method',
          'billing',
          eb.fn.countAll<number | string | bigint>().as('count'),
        ])
        .where(inScope(scope))
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay)
        // Billed records only: on a transaction's stores a PostgreSQL record may still be pending.
        .where('billing', '<>', 'pending')
        .groupBy(['day', 'environment', 'method', 'billing'])
        .orderBy('day')
        .execute();
      return rows.map((row) => ({
        day: row.day,
        environment: row.environment,
        method: row.method,
        billing: row.billing as 'credit' | 'overage',
        count: Number(row.count),
      }));
    },

    async meteredCount(tenantId) {
      await flush(tenantId);
      const row = await db
        .selectFrom('tenants')
        .select('metered_count')
        .where('id', '=', tenantId)
        .executeTakeFirst();
      return row ? Number(row.metered_count) : 0;
    },

    async billPending() {
      await sealAll();
    },

    async findBySubject(scope, subjectId) {
      await flush(scope.tenantId);
      const row = await db
        .selectFrom('usage_records')
        .selectAll()
        .where(inScope(scope))
        .where('subject_id', '=', subjectId)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },
  };
}

/**
 * PostgreSQL: one statement in the verification's transaction, which locks nothing of the tenant
 * but the key share every insert referencing it takes: the record is inserted as `pending`, on the
 * tenant's current plan, unless its subject was metered already (`ON CONFLICT DO NOTHING`, which
 * waits for an uncommitted twin). The sealer bills it after the commit (`billUsage` in
 * sealer.ts). `tenant` tells a missing tenant from "already metered".
 */
async function recordPending(db: Kysely<Database>, entry: NewUsageRecord): Promise<boolean> {
  const { rows } = await sql<{ inserted: boolean; tenant: boolean }>`
    with tenant as (
      select plan from tenants where id = ${entry.tenantId}
    ), inserted as (
      insert into usage_records
        (id, tenant_id, environment, subject_id, method, billing, plan, day, created_at)
      select ${entry.id}, ${entry.tenantId}, ${entry.environment}, ${entry.subjectId},
        ${entry.method}, 'pending', tenant.plan, ${entry.day}, ${entry.createdAt}
      from tenant
      on conflict (tenant_id, environment, subject_id) do nothing
      returning id
    )
    select exists (select 1 from inserted) as inserted, exists (select 1 from tenant) as tenant`.execute(
    db,
  );
  const row = rows[0];
  if (!row?.tenant) throw new Error(`usage.record: no tenant ${entry.tenantId}`);
  return row.inserted;
}
