import type { Environment, Scope, WebhookEndpointRecord, WebhookEndpointStore } from '@keyra/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhookEndpointsTable } from '../schema.js';
import { inScope, scopeColumns } from '../inScope.js';
import { precompile } from '../precompile.js';

/** The enabled endpoints of a scope, read by every event's routing on SQLite: compiled once. */
const selectEnabled = precompile(2, (db, tenantId: string, environment: string) =>
  db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment as Environment)
    .where('deleted_at', 'is', null)
    .where('enabled', '=', 1),
);

export function endpointFromRow(row: Selectable<WebhookEndpointsTable>): WebhookEndpointRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    enabled: row.enabled === 1,
    sealedSecret: row.sealed_secret,
    sealedPreviousSecret: row.sealed_previous_secret,
    previousSecretExpiresAt: row.previous_secret_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    failingSince: row.failing_since,
    disabledReason: row.disabled_reason,
    deletedAt: row.deleted_at,
  };
}

/** Whether `endpoint` takes events of `type` (its list names it, or `*`). */
export function isSubscribed(endpoint: WebhookEndpointRecord, type: string): boolean {
  return endpoint.events.includes('*') || endpoint.events.includes(type);
}

export function createWebhookEndpointStore(db: Kysely<Database>): WebhookEndpointStore {
  const live = (scope: Scope) =>
    db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where(inScope(scope))
      .where('deleted_at', 'is', null);
  const scopedUpdate = (scope: Scope, id: string) =>
    db
      .updateTable('webhook_endpoints')
      .where('id', '=', id)
      .where(inScope(scope))
      .where('deleted_at', 'is', null);
  return {
    async insert(endpoint) {
      await db
        .insertInto('webhook_endpoints')
        .values({
          id: endpoint.id,
          ...scopeColumns(endpoint),
          url: endpoint.url,
          description: endpoint.description,
          events: JSON.stringify(endpoint.events),
          enabled: endpoint.enabled ? 1 : 0,
          sealed_secret: endpoint.sealedSecret,
          sealed_previous_secret: endpoint.sealedPreviousSecret,
          previous_secret_expires_at: endpoint.previousSecretExpiresAt,
          created_at: endpoint.createdAt,
          updated_at: endpoint.updatedAt,
          failing_since: endpoint.failingSince,
          disabled_reason: endpoint.disabledReason,
          deleted_at: endpoint.deletedAt,
        })
        .execute();
    },

    async find(scope, id) {
      const row = await live(scope).where('id', '=', id).executeTakeFirst();
      return row ? endpointFromRow(row) : null;
    },

    async list(scope) {
      const rows = await live(scope).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(endpointFromRow);
    },

    async listSubscribed(scope, type) {
      // Few endpoints per scope: filter the subscription list in memory, portable across dialects.
      const { rows } = await selectEnabled(db, scope.tenantId, scope.environment);
      return rows.map(endpointFromRow).filter((endpoint) => isSubscribed(endpoint, type));
    },

    async update(scope, id, patch, now) {
      const row = await scopedUpdate(scope, id)
        .set({
          updated_at: now,
          ...(patch.url !== undefined ? { url: patch.url } : {}),
          ...(patch.events !== undefined ? { events: JSON.stringify(patch.events) } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.enabled !== undefined
            ? {
                enabled: patch.enabled ? 1 : 0,
                ...(patch.enabled ? { disabled_reason: null, failing_since: null } : {}),
              }
            : {}),
        })
        .returningAll()
        .executeTakeFirst();
      return row ? endpointFromRow(row) : null;
    },

    async rotateSecret(
      scope,
      id,
      sealedSecret,
      sealedPreviousSecret,
      previousSecretExpiresAt,
      now,
    ) {
      const row = await scopedUpdate(scope, id)
        .set({
          sealed_secret: sealedSecret,
          sealed_previous_secret: sealedPreviousSecret,
          previous_secret_expires_at: previousSecretExpiresAt,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirst();
      return row ? endpointFromRow(row) : null;
    },

    async delete(scope, id, now) {
      const result = await scopedUpdate(scope, id)
        .set({ deleted_at: now, enabled: 0, updated_at: now })
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async recordOutcome(id, success, now) {
      const row = await db
        .updateTable('webhook_endpoints')
        .set((eb) => ({
          failing_since: success ? null : eb.fn.coalesce('failing_since', eb.val(now)),
        }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? endpointFromRow(row) : null;
    },

    async disable(id, reason, now) {
      const result = await db
        .updateTable('webhook_endpoints')
        .set({ enabled: 0, disabled_reason: reason, updated_at: now })
        .where('id', '=', id)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
