import type { ApiKeyStore } from '@keyra/core';
import type { Kysely } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import { apiKeyFromRow, apiKeyToRow } from '../rows.js';
import type { Database } from '../schema.js';
import { inScope } from '../inScope.js';

export function createApiKeyStore(db: Kysely<Database>): ApiKeyStore {
  return {
    async insert(key) {
      await db.insertInto('api_keys').values(apiKeyToRow(key)).execute();
    },

    async findByHash(hash) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('hash', '=', hash)
        .executeTakeFirst();
      return row ? apiKeyFromRow(row) : null;
    },

    async findById(id) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? apiKeyFromRow(row) : null;
    },

    async listForTenant(tenantId, environment) {
      let query = db.selectFrom('api_keys').selectAll().where('tenant_id', '=', tenantId);
      if (environment !== undefined) query = query.where('environment', '=', environment);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(apiKeyFromRow);
    },

    rotate(oldId, replacement, oldExpiresAt, now) {
      return inTransaction(db, async (trx) => {
        // The conditional update decides the race: of two concurrent rotations of one key, the
        // second finds replaced_by already set (PostgreSQL re-checks the WHERE after the row lock).
        // The replacement must live in the old key's tenant and environment.
        const updated = await trx
          .updateTable('api_keys')
          .set({ expires_at: oldExpiresAt, replaced_by: replacement.id })
          .where('id', '=', oldId)
          .where(inScope(replacement))
          .where('revoked_at', 'is', null)
          .where('replaced_by', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) return false;
        await trx.insertInto('api_keys').values(apiKeyToRow(replacement)).execute();
        return true;
      });
    },

    async revoke(id, now) {
      const updated = await db
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) > 0;
    },

    async markUsed(id, now, everyMs) {
      // One conditional write: of many requests in the same minute, at most one updates the row.
      const updated = await db
        .updateTable('api_keys')
        .set({ last_used_at: now })
        .where('id', '=', id)
        .where((eb) =>
          eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', now - everyMs)]),
        )
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) > 0;
    },
  };
}
