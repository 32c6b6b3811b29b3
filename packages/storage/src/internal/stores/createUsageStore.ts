import type { UsageRecord, UsageStore } from '@keyra/core';
import type { Kysely, Selectable } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import type { Database, UsageRecordsTable } from '../schema.js';
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

export function createUsageStore(db: Kysely<Database>): UsageStore {
  return {
    async record(entry) {
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
