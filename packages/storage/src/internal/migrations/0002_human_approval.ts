import { sql, type Kysely, type Migration } from 'kysely';

/** Devices and passkeys, WebAuthn ceremonies, the event outbox, proof signing keys, decisions. */
export const humanApproval: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('credential_id', 'text', (col) => col.notNull())
      .addColumn('public_key', 'text', (col) => col.notNull())
      .addColumn('aaguid', 'text', (col) => col.notNull())
      .addColumn('sign_count', 'bigint', (col) => col.notNull())
      .addColumn('transports', 'text', (col) => col.notNull())
      .addColumn('attestation_format', 'text', (col) => col.notNull())
      .addColumn('attestation_trusted', 'integer', (col) => col.notNull())
      .addColumn('root_fingerprint', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('last_used_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('disabled_at', 'bigint')
      .addColumn('disabled_reason', 'text')
      .addCheckConstraint(
        'devices_environment_check',
        sql`environment in ('sandbox', 'production')`,
      )
      .addCheckConstraint('devices_kind_check', sql`kind in ('keyra_one', 'passkey')`)
      .execute();
    // A credential pairs once per scope.
    await db.schema
      .createIndex('devices_scope_credential_key')
      .unique()
      .on('devices')
      .columns(['tenant_id', 'environment', 'credential_id'])
      .execute();
    await db.schema
      .createIndex('devices_scope_user_idx')
      .on('devices')
      .columns(['tenant_id', 'environment', 'user_id', 'created_at desc'])
      .execute();

    await db.schema
      .createTable('webauthn_ceremonies')
      .addColumn('challenge', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('used_at', 'bigint')
      .addCheckConstraint(
        'webauthn_ceremonies_kind_check',
        sql`kind in ('registration', 'authentication')`,
      )
      .execute();
    await db.schema
      .createIndex('webauthn_ceremonies_expires_idx')
      .on('webauthn_ceremonies')
      .column('expires_at')
      .execute();

    // The transactional outbox: the webhooks worker delivers from here.
    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('data', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('events_scope_created_idx')
      .on('events')
      .columns(['tenant_id', 'environment', 'created_at desc', 'id desc'])
      .execute();

    await db.schema
      .createTable('signing_keys')
      .addColumn('kid', 'text', (col) => col.primaryKey())
      .addColumn('algorithm', 'text', (col) => col.notNull())
      .addColumn('public_jwk', 'text', (col) => col.notNull())
      .addColumn('sealed_private_jwk', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('retired_at', 'bigint')
      .execute();

    await db.schema
      .createTable('server_state')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('value', 'text', (col) => col.notNull())
      .execute();

    await db.schema.alterTable('challenges').addColumn('device_id', 'text').execute();
    await db.schema.alterTable('challenges').addColumn('method', 'text').execute();
    await db.schema.alterTable('challenges').addColumn('proof', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('challenges').dropColumn('proof').execute();
    await db.schema.alterTable('challenges').dropColumn('method').execute();
    await db.schema.alterTable('challenges').dropColumn('device_id').execute();
    for (const table of [
      'server_state',
      'signing_keys',
      'events',
      'webauthn_ceremonies',
      'devices',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
