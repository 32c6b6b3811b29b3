import type { DeviceStore, Environment, Scope } from '@keyra/core';
import type { Kysely } from 'kysely';
import { deviceFromRow, deviceToRow } from '../rows.js';
import type { Database } from '../schema.js';
import { inScope } from '../inScope.js';
import { precompile } from '../precompile.js';

// The two device queries of every verify, compiled once.
const selectDevice = precompile(3, (db, id: string, tenantId: string, environment: string) =>
  db
    .selectFrom('devices')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment as Environment),
);
const recordDeviceUse = precompile(
  6,
  (
    db,
    newCount: number,
    now: number,
    id: string,
    tenantId: string,
    environment: string,
    previousCount: number,
  ) =>
    db
      .updateTable('devices')
      .set({ sign_count: newCount, last_used_at: now })
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .where('environment', '=', environment as Environment)
      .where('sign_count', '=', previousCount)
      .where('revoked_at', 'is', null)
      .where('disabled_at', 'is', null),
);

export function createDeviceStore(db: Kysely<Database>): DeviceStore {
  const scoped = (scope: Scope) => db.selectFrom('devices').selectAll().where(inScope(scope));
  return {
    async insert(device) {
      await db.insertInto('devices').values(deviceToRow(device)).execute();
    },

    async find(scope, id) {
      const { rows } = await selectDevice(db, id, scope.tenantId, scope.environment);
      return rows[0] ? deviceFromRow(rows[0]) : null;
    },

    async findByCredentialId(scope, credentialId) {
      const row = await scoped(scope).where('credential_id', '=', credentialId).executeTakeFirst();
      return row ? deviceFromRow(row) : null;
    },

    async locate(id) {
      const row = await db
        .selectFrom('devices')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? deviceFromRow(row) : null;
    },

    async list(scope, filter) {
      let query = scoped(scope);
      if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
      if (!filter.includeRevoked) query = query.where('revoked_at', 'is', null);
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(deviceFromRow);
    },

    async rename(scope, id, name) {
      const row = await db
        .updateTable('devices')
        .set({ name })
        .where('id', '=', id)
        .where(inScope(scope))
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row ? deviceFromRow(row) : null;
    },

    async revoke(scope, id, now) {
      const row = await db
        .updateTable('devices')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where(inScope(scope))
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row ? deviceFromRow(row) : null;
    },

    async recordUse(scope, id, previousCount, newCount, now) {
      const result = await recordDeviceUse(
        db,
        newCount,
        now,
        id,
        scope.tenantId,
        scope.environment,
        previousCount,
      );
      return Number(result.numAffectedRows ?? 0n) > 0;
    },

    async disable(scope, id, reason, now) {
      await db
        .updateTable('devices')
        .set({ disabled_at: now, disabled_reason: reason })
        .where('id', '=', id)
        .where(inScope(scope))
        .where('disabled_at', 'is', null)
        .execute();
    },
  };
}
