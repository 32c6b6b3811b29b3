import type { NewUsageRecord, UsageRecord, UsageStore } from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import type { Database, DatabaseKind, UsageRecordsTable } from '../schema.js';
import { inScope, scopeColumns } from '../inScope.js';

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

export function createUsageStore(db: Kysely<Database>, kind: DatabaseKind): UsageStore {
  return {
    async record(entry) {
      if (kind === 'postgres') return recordInOneStatement(db, entry);
      return inTransaction(db, async (trx) => {
        // The unique (tenant, environment, subject) index makes a second record for a subject a
        // no-op, whichever process or retry tries it, and whether or not the first has committed
        // yet (PostgreSQL waits for it, then skips).
        const inserted = await trx
          .insertInto('usage_records')
          .values({
            id: entry.id,
            ...scopeColumns(entry),
            subject_id: entry.subjectId,
            method: entry.method,
            billing: 'credit',
            plan: 'pilot',
            day: entry.day,
            created_at: entry.createdAt,
          })
          .onConflict((oc) => oc.columns(['tenant_id', 'environment', 'subject_id']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return null;
        // Counting on the tenant row serializes a tenant's metering, so the credit boundary is
        // exact: the first `free_credits` verifications are credits, the rest overage.
        const tenant = await trx
          .updateTable('tenants')
          .set((eb) => ({ metered_count: eb('metered_count', '+', 1) }))
          .where('id', '=', entry.tenantId)
          .returning(['metered_count', 'free_credits', 'plan'])
          .executeTakeFirstOrThrow();
        const billing =
          Number(tenant.metered_count) <= Number(tenant.free_credits) ? 'credit' : 'overage';
        const row = await trx
          .updateTable('usage_records')
          .set({ billing, plan: tenant.plan })
          .where('id', '=', entry.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return fromRow(row);
      });
    },

    async buckets(scope, fromDay, toDay) {
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
        .groupBy(['day', 'environment', 'method', 'billing'])
        .orderBy('day')
        .execute();
      return rows.map((row) => ({
        day: row.day,
        environment: row.environment,
        method: row.method,
        billing: row.billing,
        count: Number(row.count),
      }));
    },

    async meteredCount(tenantId) {
      const row = await db
        .selectFrom('tenants')
        .select('metered_count')
        .where('id', '=', tenantId)
        .executeTakeFirst();
      return row ? Number(row.metered_count) : 0;
    },

    async findBySubject(scope, subjectId) {
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
 * PostgreSQL: the metering in one statement (one round trip inside the verify's transaction,
 * instead of three). `FOR UPDATE` takes the tenant row first, so concurrent meterings of a tenant
 * queue there and each reads the count its predecessor committed; the record is billed from that
 * count and inserted unless its subject was metered already (`ON CONFLICT DO NOTHING`, which waits
 * for an uncommitted twin); the count moves only if the insert did. `tenant` says whether the
 * tenant row exists, so a missing tenant is an error rather than "already metered".
 */
async function recordInOneStatement(
  db: Kysely<Database>,
  entry: NewUsageRecord,
): Promise<UsageRecord | null> {
  const { rows } = await sql<Selectable<UsageRecordsTable> & { tenant: boolean }>`
    with tenant as (
      select metered_count, free_credits, plan from tenants where id = ${entry.tenantId} for update
    ), inserted as (
      insert into usage_records
        (id, tenant_id, environment, subject_id, method, billing, plan, day, created_at)
      select ${entry.id}, ${entry.tenantId}, ${entry.environment}, ${entry.subjectId},
        ${entry.method},
        case when tenant.metered_count + 1 <= tenant.free_credits then 'credit' else 'overage' end,
        tenant.plan, ${entry.day}, ${entry.createdAt}
      from tenant
      on conflict (tenant_id, environment, subject_id) do nothing
      returning *
    ), counted as (
      update tenants set metered_count = metered_count + 1
      where id = ${entry.tenantId} and exists (select 1 from inserted)
    )
    select inserted.*, true as tenant from inserted
    union all
    select null, null, null, null, null, null, null, null, null, exists (select 1 from tenant)
    where not exists (select 1 from inserted)`.execute(db);
  const row = rows[0];
  if (!row?.tenant) throw new Error(`usage.record: no tenant ${entry.tenantId}`);
  return row.id === null ? null : fromRow(row);
}
