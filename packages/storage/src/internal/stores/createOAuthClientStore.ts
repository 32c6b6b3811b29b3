import type { OAuthClientRecord, OAuthClientStore } from '@keyra/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, OAuthClientsTable } from '../schema.js';
import { scopeColumns } from '../inScope.js';

function fromRow(row: Selectable<OAuthClientsTable>): OAuthClientRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    name: row.name,
    secretHash: row.secret_hash,
    deliveryMode: row.delivery_mode,
    notifyUrl: row.notify_url,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export function createOAuthClientStore(db: Kysely<Database>): OAuthClientStore {
  return {
    async insert(client) {
      await db
        .insertInto('oauth_clients')
        .values({
          id: client.id,
          ...scopeColumns(client),
          name: client.name,
          secret_hash: client.secretHash,
          delivery_mode: client.deliveryMode,
          notify_url: client.notifyUrl,
          created_at: client.createdAt,
          revoked_at: client.revokedAt,
        })
        .execute();
    },

    async locate(id) {
      const row = await db
        .selectFrom('oauth_clients')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    async listForTenant(tenantId, environment) {
      let query = db.selectFrom('oauth_clients').selectAll().where('tenant_id', '=', tenantId);
      if (environment !== undefined) query = query.where('environment', '=', environment);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(fromRow);
    },

    async revoke(id, now) {
      const result = await db
        .updateTable('oauth_clients')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
