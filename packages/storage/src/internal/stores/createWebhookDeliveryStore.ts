import type {
  Scope,
  WebhookAttemptRecord,
  WebhookDeliveryRecord,
  WebhookDeliveryStore,
} from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import { DELIVERIES_CHANNEL } from '../deliverySignals.js';
import { inTransaction } from '../inTransaction.js';
import type {
  Database,
  DatabaseKind,
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
} from '../schema.js';
import { inScope, scopeColumns } from '../inScope.js';

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
      await db
        .insertInto('webhook_deliveries')
        .values(
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
        )
        .execute();
      // Wakes the workers of every instance. Inside a transaction PostgreSQL holds the
      // notification until the commit (and drops it on rollback), which is the moment the rows
      // become visible to them.
      if (kind === 'postgres') await sql`notify ${sql.raw(DELIVERIES_CHANNEL)}`.execute(db);
      onQueued();
    },

    async claimDue(now, limit, leaseMs) {
      const batch = Math.max(0, Math.trunc(limit));
      if (batch === 0) return [];
      if (kind === 'postgres') {
        // One statement, one round trip: the subquery locks the due rows, skipping those another
        // worker holds (`SKIP LOCKED`), and the update leases exactly those.
        const rows = await db
          .updateTable('webhook_deliveries')
          .set({ lease_until: now + leaseMs })
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('webhook_deliveries')
              .select('id')
              .where('status', '=', 'pending')
              .where('next_attempt_at', '<=', now)
              .where((inner) =>
                inner.or([inner('lease_until', 'is', null), inner('lease_until', '<', now)]),
              )
              .orderBy('next_attempt_at')
              .limit(batch)
              .forUpdate()
              .skipLocked(),
          )
          .returningAll()
          .execute();
        return rows.map(fromRow);
      }
      // SQLite serializes writers, so the conditional update is enough there.
      return inTransaction(db, async (trx) => {
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
        const rows = await trx
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
        return rows.map(fromRow);
      });
    },

    async complete(id, outcome) {
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
    },

    async recordAttempt(attempt) {
      await db
        .insertInto('webhook_attempts')
        .values({
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
        })
        .execute();
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
