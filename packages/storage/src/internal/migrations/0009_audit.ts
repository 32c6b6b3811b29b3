import type { Kysely, Migration } from 'kysely';

/**
 * The tamper-evident audit log: `audit_entries` holds each tenant's hash chain (seq 1, 2, 3… per
 * tenant, unique), `audit_heads` one row per tenant with the chain's last seq and hash — the row
 * appends lock, so a tenant's appends queue up across processes and the chain stays gap-free —
 * and `audit_checkpoints` the signed statements of a head at a point in time.
 */
export const audit: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('audit_entries')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('seq', 'bigint', (col) => col.notNull())
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('actor', 'text', (col) => col.notNull())
      .addColumn('subject', 'text', (col) => col.notNull())
      .addColumn('data', 'text', (col) => col.notNull())
      .addColumn('occurred_at', 'bigint', (col) => col.notNull())
      .addColumn('prev_hash', 'text', (col) => col.notNull())
      .addColumn('hash', 'text', (col) => col.notNull())
      .addUniqueConstraint('audit_entries_tenant_seq_key', ['tenant_id', 'seq'])
      .execute();
    await db.schema
      .createIndex('audit_entries_subject_idx')
      .on('audit_entries')
      .columns(['tenant_id', 'subject', 'seq'])
      .execute();

    await db.schema
      .createTable('audit_heads')
      .addColumn('tenant_id', 'text', (col) => col.primaryKey().references('tenants.id'))
      .addColumn('seq', 'bigint', (col) => col.notNull())
      .addColumn('hash', 'text', (col) => col.notNull())
      .execute();

    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('seq', 'bigint', (col) => col.notNull())
      .addColumn('hash', 'text', (col) => col.notNull())
      .addColumn('signature', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('stamp_id', 'text')
      .execute();
    await db.schema
      .createIndex('audit_checkpoints_tenant_idx')
      .on('audit_checkpoints')
      .columns(['tenant_id', 'created_at desc'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('audit_checkpoints').execute();
    await db.schema.dropTable('audit_heads').execute();
    await db.schema.dropTable('audit_entries').execute();
  },
};
