import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Plans and free credits on tenants, stamps (with their on-chain mirror queue) and one usage
 * record per metered verification. Existing tenants start on `pilot` with 1,000 free proofs.
 */
export const stampsUsage: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('tenants')
      .addColumn('plan', 'text', (col) =>
        col
          .notNull()
          .defaultTo('pilot')
          .check(sql`plan in ('pilot', 'production', 'scale')`),
      )
      .execute();
    await db.schema
      .alterTable('tenants')
      .addColumn('free_credits', 'integer', (col) => col.notNull().defaultTo(1000))
      .execute();
    await db.schema
      .alterTable('tenants')
      .addColumn('metered_count', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('challenges')
      .addColumn('stamp_requested', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('challenges').addColumn('stamp_id', 'text').execute();

    await db.schema
      .createTable('stamps')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('subject_id', 'text', (col) => col.notNull())
      .addColumn('method', 'text', (col) => col.notNull())
      .addColumn('proof_sha256', 'text', (col) => col.notNull())
      .addColumn('issued_at', 'bigint', (col) => col.notNull())
      .addColumn('signature', 'text', (col) => col.notNull())
      .addColumn('offchain', 'text')
      .addColumn('chain_status', 'text', (col) => col.notNull())
      .addColumn('chain_attempts', 'integer', (col) => col.notNull())
      .addColumn('chain_next_attempt_at', 'bigint')
      .addColumn('chain_lease_until', 'bigint')
      .addColumn('chain_id', 'bigint')
      .addColumn('chain_tx_hash', 'text')
      .addColumn('chain_uid', 'text')
      .addColumn('chain_error', 'text')
      .addColumn('chain_confirmed_at', 'bigint')
      .addCheckConstraint('stamps_environment_check', sql`environment in ('sandbox', 'production')`)
      .addCheckConstraint(
        'stamps_chain_status_check',
        sql`chain_status in ('none', 'pending', 'confirmed', 'failed')`,
      )
      .execute();
    // One stamp per verified challenge or phrase.
    await db.schema
      .createIndex('stamps_subject_idx')
      .unique()
      .on('stamps')
      .columns(['tenant_id', 'environment', 'subject_id'])
      .execute();
    // Serves the mirror worker's claim: due pending stamps.
    await db.schema
      .createIndex('stamps_chain_due_idx')
      .on('stamps')
      .columns(['chain_status', 'chain_next_attempt_at'])
      .execute();

    await db.schema
      .createTable('usage_records')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('subject_id', 'text', (col) => col.notNull())
      .addColumn('method', 'text', (col) => col.notNull())
      .addColumn('billing', 'text', (col) => col.notNull())
      .addColumn('plan', 'text', (col) => col.notNull())
      .addColumn('day', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addCheckConstraint(
        'usage_records_environment_check',
        sql`environment in ('sandbox', 'production')`,
      )
      .addCheckConstraint('usage_records_billing_check', sql`billing in ('credit', 'overage')`)
      .execute();
    // Exactly-once metering: a second record for the same subject is refused by the database.
    await db.schema
      .createIndex('usage_records_subject_idx')
      .unique()
      .on('usage_records')
      .columns(['tenant_id', 'environment', 'subject_id'])
      .execute();
    await db.schema
      .createIndex('usage_records_day_idx')
      .on('usage_records')
      .columns(['tenant_id', 'environment', 'day'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('usage_records').execute();
    await db.schema.dropTable('stamps').execute();
    await db.schema.alterTable('challenges').dropColumn('stamp_id').execute();
    await db.schema.alterTable('challenges').dropColumn('stamp_requested').execute();
    await db.schema.alterTable('tenants').dropColumn('metered_count').execute();
    await db.schema.alterTable('tenants').dropColumn('free_credits').execute();
    await db.schema.alterTable('tenants').dropColumn('plan').execute();
  },
};
