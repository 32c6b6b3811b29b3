import { sql, type Kysely, type Migration } from 'kysely';

/** Tenants, API keys, challenges and idempotency keys. */
export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('name', 'text', (col) => col.notNull().unique())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('hash', 'text', (col) => col.notNull())
      .addColumn('display_prefix', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('replaced_by', 'text')
      .addCheckConstraint(
        'api_keys_environment_check',
        sql`environment in ('sandbox', 'production')`,
      )
      .execute();
    await db.schema
      .createIndex('api_keys_hash_key')
      .unique()
      .on('api_keys')
      .column('hash')
      .execute();
    await db.schema
      .createIndex('api_keys_tenant_created_idx')
      .on('api_keys')
      .columns(['tenant_id', 'environment', 'created_at desc', 'id desc'])
      .execute();

    await db.schema
      .createTable('challenges')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('action', 'text', (col) => col.notNull())
      .addColumn('user_id', 'text', (col) => col.notNull())
      .addColumn('payload', 'text', (col) => col.notNull())
      .addColumn('digest', 'text', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('decided_at', 'bigint')
      .addCheckConstraint(
        'challenges_environment_check',
        sql`environment in ('sandbox', 'production')`,
      )
      .addCheckConstraint(
        'challenges_status_check',
        sql`status in ('pending', 'approved', 'rejected', 'expired')`,
      )
      .execute();
    // Serves list(): scope equality, then newest first with the id as tie-breaker (keyset pagination).
    await db.schema
      .createIndex('challenges_scope_created_idx')
      .on('challenges')
      .columns(['tenant_id', 'environment', 'created_at desc', 'id desc'])
      .execute();
    // Serves the expiry sweep: pending rows whose expires_at has passed.
    await db.schema
      .createIndex('challenges_status_expires_idx')
      .on('challenges')
      .columns(['status', 'expires_at'])
      .execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('key', 'text', (col) => col.notNull())
      .addColumn('fingerprint', 'text', (col) => col.notNull())
      .addColumn('method', 'text', (col) => col.notNull())
      .addColumn('path', 'text', (col) => col.notNull())
      .addColumn('state', 'text', (col) => col.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('locked_until', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pkey', ['tenant_id', 'environment', 'key'])
      .addCheckConstraint(
        'idempotency_keys_state_check',
        sql`state in ('in_progress', 'completed')`,
      )
      .execute();
    await db.schema
      .createIndex('idempotency_keys_created_idx')
      .on('idempotency_keys')
      .column('created_at')
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('idempotency_keys').execute();
    await db.schema.dropTable('challenges').execute();
    await db.schema.dropTable('api_keys').execute();
    await db.schema.dropTable('tenants').execute();
  },
};
