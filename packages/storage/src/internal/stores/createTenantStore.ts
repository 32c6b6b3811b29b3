import type { TenantStore } from '@keyra/core';
import type { Kysely } from 'kysely';
import { tenantFromRow, tenantToRow } from '../rows.js';
import type { Database } from '../schema.js';

export function createTenantStore(db: Kysely<Database>): TenantStore {
  return {
    async create(tenant) {
      await db.insertInto('tenants').values(tenantToRow(tenant)).execute();
    },

    async findById(id) {
      const row = await db
        .selectFrom('tenants')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? tenantFromRow(row) : null;
    },

    async findByName(name) {
      const row = await db
        .selectFrom('tenants')
        .selectAll()
        .where('name', '=', name)
        .executeTakeFirst();
      return row ? tenantFromRow(row) : null;
    },

    async count() {
      const row = await db
        .selectFrom('tenants')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async list() {
      const rows = await db
        .selectFrom('tenants')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(tenantFromRow);
    },

    async setPlan(id, plan) {
      const row = await db
        .updateTable('tenants')
        .set({ plan })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? tenantFromRow(row) : null;
    },
  };
}
