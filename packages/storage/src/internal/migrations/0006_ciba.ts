import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The OpenID CIBA front door: OAuth clients (secret stored as a hash), one CIBA request per
 * challenge it created (the `auth_req_id` stored as a hash), and the `binding_message` a
 * challenge shows its human.
 */
export const ciba: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('challenges').addColumn('binding_message', 'text').execute();

    await db.schema
      .createTable('oauth_clients')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('secret_hash', 'text', (col) => col.notNull())
      .addColumn('delivery_mode', 'text', (col) => col.notNull())
      .addColumn('notify_url', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('revoked_at', 'bigint')
      .addCheckConstraint(
        'oauth_clients_environment_check',
        sql`environment in ('sandbox', 'production')`,
      )
      .addCheckConstraint(
        'oauth_clients_delivery_mode_check',
        sql`delivery_mode in ('poll', 'ping', 'push')`,
      )
      .execute();
    await db.schema
      .createIndex('oauth_clients_tenant_idx')
      .on('oauth_clients')
      .columns(['tenant_id', 'environment', 'created_at desc'])
      .execute();

    await db.schema
      .createTable('ciba_requests')
      .addColumn('handle_hash', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('challenge_id', 'text', (col) =>
        col.notNull().unique().references('challenges.id'),
      )
      .addColumn('client_id', 'text', (col) => col.notNull().references('oauth_clients.id'))
      .addColumn('scope', 'text', (col) => col.notNull())
      .addColumn('sealed_notification_token', 'text')
      .addColumn('interval_seconds', 'integer', (col) => col.notNull())
      .addColumn('last_polled_at', 'bigint')
      .addColumn('tokens_issued_at', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('ciba_requests').execute();
    await db.schema.dropTable('oauth_clients').execute();
    await db.schema.alterTable('challenges').dropColumn('binding_message').execute();
  },
};
