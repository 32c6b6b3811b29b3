import type { EventStore } from '@keyra/core';
import type { Kysely } from 'kysely';
import { eventFromRow } from '../rows.js';
import type { Database } from '../schema.js';

export function createEventStore(db: Kysely<Database>): EventStore {
  return {
    async insert(event) {
      await db
        .insertInto('events')
        .values({
          id: event.id,
          tenant_id: event.tenantId,
          environment: event.environment,
          type: event.type,
          data: JSON.stringify(event.data),
          created_at: event.createdAt,
        })
        .execute();
    },

    async find(scope, id) {
      const row = await db
        .selectFrom('events')
        .selectAll()
        .where('id', '=', id)
        .where('tenant_id', '=', scope.tenantId)
        .where('environment', '=', scope.environment)
        .executeTakeFirst();
      return row ? eventFromRow(row) : null;
    },

    async list(scope, limit) {
      const rows = await db
        .selectFrom('events')
        .selectAll()
        .where('tenant_id', '=', scope.tenantId)
        .where('environment', '=', scope.environment)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.max(0, Math.trunc(limit)))
        .execute();
      return rows.map(eventFromRow);
    },
  };
}
