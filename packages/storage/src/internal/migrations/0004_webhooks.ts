import { sql, type Kysely, type Migration } from 'kysely';

/** Webhook endpoints, one delivery row per event and endpoint (the outbox), and the attempt log. */
export const webhooks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('webhook_endpoints')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('url', 'text', (col) => col.notNull())
      .addColumn('description', 'text')
      .addColumn('events', 'text', (col) => col.notNull())
      .addColumn('enabled', 'integer', (col) => col.notNull())
      .addColumn('sealed_secret', 'text', (col) => col.notNull())
      .addColumn('sealed_previous_secret', 'text')
      .addColumn('previous_secret_expires_at', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addColumn('failing_since', 'bigint')
      .addColumn('disabled_reason', 'text')
      .addColumn('deleted_at', 'bigint')
      .addCheckConstraint(
        'webhook_endpoints_environment_check',
        sql`environment in ('sandbox', 'production')`,
      )
      .execute();
    await db.schema
      .createIndex('webhook_endpoints_scope_idx')
      .on('webhook_endpoints')
      .columns(['tenant_id', 'environment', 'created_at desc'])
      .execute();

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('event_id', 'text', (col) => col.notNull().references('events.id'))
      .addColumn('endpoint_id', 'text', (col) => col.notNull().references('webhook_endpoints.id'))
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('attempts', 'integer', (col) => col.notNull())
      .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
      .addColumn('lease_until', 'bigint')
      .addColumn('last_status_code', 'integer')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('delivered_at', 'bigint')
      .addCheckConstraint(
        'webhook_deliveries_status_check',
        sql`status in ('pending', 'delivered', 'failed')`,
      )
      .execute();
    // Serves the worker's claim: due pending deliveries.
    await db.schema
      .createIndex('webhook_deliveries_due_idx')
      .on('webhook_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('delivery_id', 'text', (col) => col.notNull().references('webhook_deliveries.id'))
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('endpoint_id', 'text', (col) => col.notNull())
      .addColumn('event_id', 'text', (col) => col.notNull())
      .addColumn('attempt', 'integer', (col) => col.notNull())
      .addColumn('started_at', 'bigint', (col) => col.notNull())
      .addColumn('status_code', 'integer')
      .addColumn('latency_ms', 'integer', (col) => col.notNull())
      .addColumn('response_excerpt', 'text')
      .addColumn('error', 'text')
      .execute();
    await db.schema
      .createIndex('webhook_attempts_endpoint_idx')
      .on('webhook_attempts')
      .columns(['tenant_id', 'environment', 'endpoint_id', 'started_at desc'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('webhook_attempts').execute();
    await db.schema.dropTable('webhook_deliveries').execute();
    await db.schema.dropTable('webhook_endpoints').execute();
  },
};
