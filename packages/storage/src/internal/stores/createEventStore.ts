import type {
  CibaRequestStore,
  EventRecord,
  EventRoutes,
  EventStore,
  WebhookEndpointStore,
} from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import { eventFromRow } from '../rows.js';
import type {
  CibaRequestsTable,
  Database,
  DatabaseKind,
  WebhookEndpointsTable,
} from '../schema.js';
import { cibaRequestFromRow } from './createCibaRequestStore.js';
import { endpointFromRow, isSubscribed } from './createWebhookEndpointStore.js';
import { inScope, scopeColumns } from '../inScope.js';
import { newestFirst } from '../newestFirst.js';
import { precompileInsert } from '../precompile.js';

const eventRow = (event: EventRecord) => ({
  id: event.id,
  ...scopeColumns(event),
  type: event.type,
  data: JSON.stringify(event.data),
  created_at: event.createdAt,
});

/** An event's insert (every approval, denial and expiry writes one), compiled once. */
const insertEvent = precompileInsert('events');

export function createEventStore(
  db: Kysely<Database>,
  kind: DatabaseKind,
  related: { endpoints: WebhookEndpointStore; cibaRequests: CibaRequestStore },
): EventStore {
  return {
    async insert(event) {
      await insertEvent(db, eventRow(event));
    },

    async insertRouted(event, challengeId) {
      if (kind === 'postgres') return insertRoutedInOneStatement(db, event, challengeId);
      await insertEvent(db, eventRow(event));
      return {
        endpoints: await related.endpoints.listSubscribed(event, event.type),
        cibaRequest:
          challengeId === null
            ? null
            : await related.cibaRequests.findByChallenge(event, challengeId),
      };
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

/**
 * PostgreSQL: the event's insert and both reads in one statement. The reads see the transaction's
 * snapshot, as separate statements would (the insert touches neither table). Rows come back as
 * JSON and are mapped by the stores' own row mappers; every column is text or a number that JSON
 * carries exactly (epoch milliseconds are far below 2^53).
 */
async function insertRoutedInOneStatement(
  db: Kysely<Database>,
  event: EventRecord,
  challengeId: string | null,
): Promise<EventRoutes> {
  const row = eventRow(event);
  const { rows } = await sql<{
    endpoints: Selectable<WebhookEndpointsTable>[];
    ciba: Selectable<CibaRequestsTable> | null;
  }>`
    with inserted as (
      insert into events (id, tenant_id, environment, type, data, created_at)
      values (${row.id}, ${row.tenant_id}, ${row.environment}, ${row.type}, ${row.data},
        ${row.created_at})
    )
    select
      (select coalesce(json_agg(e order by e.id), '[]'::json) from webhook_endpoints e
        where e.tenant_id = ${row.tenant_id} and e.environment = ${row.environment}
          and e.deleted_at is null and e.enabled = 1) as endpoints,
      (select row_to_json(c) from ciba_requests c
        where c.challenge_id = ${challengeId} and c.tenant_id = ${row.tenant_id}
          and c.environment = ${row.environment}) as ciba`.execute(db);
  const result = rows[0];
  return {
    endpoints: (result?.endpoints ?? [])
      .map(endpointFromRow)
      .filter((endpoint) => isSubscribed(endpoint, event.type)),
    cibaRequest: result?.ciba ? cibaRequestFromRow(result.ciba) : null,
  };
}
