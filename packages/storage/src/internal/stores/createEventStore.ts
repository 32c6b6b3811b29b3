import type { EventStore } from '@keyra/core';
import type { Kysely } from 'kysely';
import { eventFromRow } from '../rows.js';
import type { Database } from '../schema.js';
import { inScope, scopeColumns } from '../inScope.js';
import { newestFirst } from '../newestFirst.js';

export function createEventStore(db: Kysely<Database>): EventStore {
  return {
    async insert(event) {
      await db
        .insertInto('events')
        .values({
          id: event.id,
          ...scopeColumns(event),
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
        .where(inScope(scope))
        .executeTakeFirst();
      return row ? eventFromRow(row) : null;
    },

    async list(scope, limit, filter = {}, after) {
      let query = db.selectFrom('events').selectAll().where(inScope(scope));
      if (filter.type !== undefined) query = query.where('type', '=', filter.type);
      if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
      if (filter.until !== undefined) query = query.where('created_at', '<', filter.until);
      const rows = await newestFirst(query, limit, after).execute();
      return rows.map(eventFromRow);
    },
  };
}
