import type {
  ClaimedDelivery,
  DeliveryOutcomeRecord,
  Scope,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookDeliveryStore,
} from '@keyra/core';
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import { eventFromRow } from '../rows.js';
import type {
  Database,
  DatabaseKind,
  EventsTable,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookEndpointsTable,
} from '../schema.js';
import { inScope, scopeColumns } from '../inScope.js';
import { endpointFromRow } from './createWebhookEndpointStore.js';

// Every column of the joined tables, spelled out so the join can alias them apart (a test
// compares the joined records with the stores' own reads).
const EVENT_COLUMNS = [
  'id',
  'tenant_id',
  'environment',
  'type',
  'data',
  'created_at',
] as const satisfies readonly (keyof EventsTable)[];
const ENDPOINT_COLUMNS = [
  'id',
  'tenant_id',
  'environment',
  'url',
  'description',
  'events',
  'enabled',
  'sealed_secret',
  'sealed_previous_secret',
  'previous_secret_expires_at',
  'created_at',
  'updated_at',
  'failing_since',
  'disabled_reason',
  'deleted_at',
] as const satisfies readonly (keyof WebhookEndpointsTable)[];

/**
 * `select` over deliveries `d` (read from `from`, after `prefix`: a CTE of just-claimed rows, or
 * the table itself) with their event `e` and live endpoint `w` in the same scope, the joined
 * columns aliased `e_<column>` and `w_<column>`.
 */
function withTargets(
  prefix: RawBuilder<unknown>,
  from: RawBuilder<unknown>,
  where: RawBuilder<unknown>,
): RawBuilder<Record<string, unknown>> {
  const aliased = (table: string, columns: readonly string[]) =>
    columns.map((column) => sql.raw(`${table}.${column} as ${table}_${column}`));
  return sql<Record<string, unknown>>`${prefix}
    select d.*, ${sql.join([...aliased('e', EVENT_COLUMNS), ...aliased('w', ENDPOINT_COLUMNS)])}
    from ${from} d
    left join events e
      on e.id = d.event_id and e.tenant_id = d.tenant_id and e.environment = d.environment
    left join webhook_endpoints w
      on w.id = d.endpoint_id and w.tenant_id = d.tenant_id and w.environment = d.environment
      and w.deleted_at is null
    ${where}`;
}

function claimedFromRow(row: Record<string, unknown>): ClaimedDelivery {
  const part = <T>(prefix: string, columns: readonly string[]): T | null => {
    if (row[`${prefix}_id`] === null || row[`${prefix}_id`] === undefined) return null;
    return Object.fromEntries(columns.map((c) => [c, row[`${prefix}_${c}`]])) as T;
  };
  const event = part<EventsTable>('e', EVENT_COLUMNS);
  const endpoint = part<Selectable<WebhookEndpointsTable>>('w', ENDPOINT_COLUMNS);
  return {
    delivery: fromRow(row as unknown as Selectable<WebhookDeliveriesTable>),
    event: event ? eventFromRow(event) : null,
    endpoint: endpoint ? endpointFromRow(endpoint) : null,
  };
}

function fromRow(row: Selectable<WebhookDeliveriesTable>): WebhookDeliveryRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    cibaHandleHash: row.ciba_handle_hash,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    lastStatusCode: row.last_status_code,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

function attemptFromRow(row: Selectable<WebhookAttemptsTable>): WebhookAttemptRecord {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    tenantId: row.tenant_id,
    environment: row.environment,
    endpointId: row.endpoint_id,
    eventId: row.event_id,
    attempt: row.attempt,
    startedAt: row.started_at,
    statusCode: row.status_code,
    latencyMs: row.latency_ms,
    responseExcerpt: row.response_excerpt,
    error: row.error,
  };
}

/**
 * PostgreSQL's lease, one statement: the subquery locks the due rows, skipping those another
 * worker holds (`SKIP LOCKED`), and the update leases exactly those.
 */
function pgClaim(
  now: number,
  batch: number,
  leaseMs: number,
): RawBuilder<Selectable<WebhookDeliveriesTable>> {
  return sql<Selectable<WebhookDeliveriesTable>>`update webhook_deliveries
    set lease_until = ${now + leaseMs}
    where id in (
      select id from webhook_deliveries
      where status = 'pending' and next_attempt_at <= ${now}
        and (lease_until is null or lease_until < ${now})
      order by next_attempt_at
      limit ${batch}
      for update skip locked)
    returning *`;
}

function attemptToRow(attempt: WebhookAttemptRecord): WebhookAttemptsTable {
  return {
    id: attempt.id,
    delivery_id: attempt.deliveryId,
    ...scopeColumns(attempt),
    endpoint_id: attempt.endpointId,
    event_id: attempt.eventId,
    attempt: attempt.attempt,
    started_at: attempt.startedAt,
    status_code: attempt.statusCode,
    latency_ms: attempt.latencyMs,
    response_excerpt: attempt.responseExcerpt,
    error: attempt.error,
  };
}

/** SQLite's lease: the due rows, then a conditional update of exactly those (in `trx`). */
async function claimSqlite(
  trx: Kysely<Database>,
  now: number,
  batch: number,
  leaseMs: number,
): Promise<Selectable<WebhookDeliveriesTable>[]> {
  const due = await trx
    .selectFrom('webhook_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(batch)
    .execute();
  if (due.length === 0) return [];
  return trx
    .updateTable('webhook_deliveries')
    .set({ lease_until: now + leaseMs })
    .where(
      'id',
      'in',
      due.map((row) => row.id),
    )
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .returningAll()
    .execute();
}

/** Records an attempt's outcome on a delivery and releases its lease. */
async function completeOn(
  db: Kysely<Database>,
  id: string,
  outcome: DeliveryOutcomeRecord,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: outcome.status,
      attempts: eb('attempts', '+', 1),
      lease_until: null,
      last_status_code: outcome.statusCode,
      ...(outcome.nextAttemptAt !== null ? { next_attempt_at: outcome.nextAttemptAt } : {}),
      ...(outcome.status === 'delivered' ? { delivered_at: outcome.now } : {}),
    }))
    .where('id', '=', id)
    .execute();
}

export function createWebhookDeliveryStore(
  db: Kysely<Database>,
  kind: DatabaseKind,
  onQueued: () => void,
): WebhookDeliveryStore {
  const listAttemptsWhere = async (
    scope: Scope,
    column: 'endpoint_id' | 'event_id',
    value: string,
    limit: number,
  ): Promise<WebhookAttemptRecord[]> => {
    const rows = await db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where(inScope(scope))
      .where(column, '=', value)
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.max(0, Math.trunc(limit)))
      .execute();
    return rows.map(attemptFromRow);
  };

  return {
    async insertMany(deliveries) {
      if (deliveries.length === 0) return;
      const insert = db.insertInto('webhook_deliveries').values(
        deliveries.map((d) => ({
          id: d.id,
          ...scopeColumns(d),
          event_id: d.eventId,
          endpoint_id: d.endpointId,
          ciba_handle_hash: d.cibaHandleHash ?? null,
          status: d.status,
          attempts: d.attempts,
          next_attempt_at: d.nextAttemptAt,
          lease_until: d.leaseUntil,
          last_status_code: d.lastStatusCode,
          created_at: d.createdAt,
          delivered_at: d.deliveredAt,
        })),
      );
      await insert.execute();
      // The storage signals once the rows are committed: its own workers at once, and on
      // PostgreSQL the other instances' with a NOTIFY after the commit (deliverySignals.ts).
      onQueued();
    },

    async claimDue(now, limit, leaseMs) {
      const batch = Math.max(0, Math.trunc(limit));
      if (batch === 0) return [];
      if (kind === 'postgres') {
        const { rows } = await pgClaim(now, batch, leaseMs).execute(db);
        return rows.map(fromRow);
      }
      // SQLite serializes writers, so the conditional update is enough there.
      const rows = await inTransaction(db, (trx) => claimSqlite(trx, now, batch, leaseMs));
      return rows.map(fromRow);
    },

    async claimDueWithTargets(now, limit, leaseMs) {
      const batch = Math.max(0, Math.trunc(limit));
      if (batch === 0) return [];
      if (kind === 'postgres') {
        // The lease (as in claimDue) and the reads of what to send, in one statement.
        const { rows } = await withTargets(
          sql`with claimed as (${pgClaim(now, batch, leaseMs)})`,
          sql`claimed`,
          sql``,
        ).execute(db);
        return rows.map(claimedFromRow);
      }
      // SQLite: in process, so the lease and one joined read of the leased rows.
      return inTransaction(db, async (trx) => {
        const claimed = await claimSqlite(trx, now, batch, leaseMs);
        if (claimed.length === 0) return [];
        const { rows } = await withTargets(
          sql``,
          sql`webhook_deliveries`,
          sql`where d.id in (${sql.join(claimed.map((row) => row.id))})`,
        ).execute(trx);
        return rows.map(claimedFromRow);
      });
    },

    async complete(id, outcome) {
      await completeOn(db, id, outcome);
    },

    async recordAttempt(attempt) {
      await db.insertInto('webhook_attempts').values(attemptToRow(attempt)).execute();
    },

    async recordOutcomes(outcomes) {
      if (outcomes.length === 0) return;
      if (kind === 'postgres') {
        const insert = db
          .insertInto('webhook_attempts')
          .values(outcomes.map(({ attempt }) => attemptToRow(attempt)));
        // One statement whatever the count (atomic on its own): the attempts inserted by a CTE,
        // each delivery updated from a VALUES list, as `complete` would.
        const values = outcomes.map(
          ({ attempt, outcome }) =>
            sql`(${attempt.deliveryId}::text, ${outcome.status}::text, ${outcome.nextAttemptAt}::bigint, ${outcome.statusCode}::integer, ${outcome.now}::bigint)`,
        );
        await sql`with attempts as (${insert})
          update webhook_deliveries d set
            status = v.status,
            attempts = d.attempts + 1,
            lease_until = null,
            last_status_code = v.status_code,
            next_attempt_at = coalesce(v.next_attempt_at, d.next_attempt_at),
            delivered_at = case when v.status = 'delivered' then v.now else d.delivered_at end
          from (values ${sql.join(values)}) as v (id, status, next_attempt_at, status_code, now)
          where d.id = v.id`.execute(db);
        return;
      }
      await inTransaction(db, async (trx) => {
        await trx
          .insertInto('webhook_attempts')
          .values(outcomes.map(({ attempt }) => attemptToRow(attempt)))
          .execute();
        for (const { attempt, outcome } of outcomes)
          await completeOn(trx, attempt.deliveryId, outcome);
      });
    },

    listAttempts: (scope, endpointId, limit) =>
      listAttemptsWhere(scope, 'endpoint_id', endpointId, limit),

    listEventAttempts: (scope, eventId, limit) =>
      listAttemptsWhere(scope, 'event_id', eventId, limit),

    async countByStatus(scope) {
      let query = db
        .selectFrom('webhook_deliveries')
        .select((eb) => ['status', eb.fn.countAll<string | number>().as('count')])
        .groupBy('status');
      if (scope) query = query.where(inScope(scope));
      const counts = { pending: 0, delivered: 0, failed: 0 };
      for (const row of await query.execute()) counts[row.status] = Number(row.count);
      return counts;
    },

    async countPending() {
      // A range of the (status, next_attempt_at) index: cheap enough for every scrape.
      const row = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<string | number>().as('count'))
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}
