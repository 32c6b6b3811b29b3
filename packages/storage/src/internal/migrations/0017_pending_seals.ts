import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * Sealing after commit on PostgreSQL (docs/storage.md), so no request's transaction holds a
 * tenant-wide row until it commits:
 * - audit entries are appended as pending rows in the fact's own transaction (`audit_pending`),
 *   and the sealer gives them their place in the chain (seq, prev_hash, hash) right after the
 *   commit, a batch at a time under the tenant's head lock. `pos` orders a tenant's pending rows;
 *   there is no foreign key to `tenants`, so the insert locks nothing of the tenant.
 * - usage records are inserted with `billing = 'pending'` and billed (credit or overage) by the
 *   sealer under the tenant row's lock: the check constraint admits `pending`, and a partial index
 *   finds a tenant's pending records in billing order.
 * SQLite seals in the write itself (its transactions are serialized anyway) and never writes
 * either.
 */
export const pendingSeals: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('audit_pending')
      .addColumn('pos', postgres ? 'bigserial' : 'integer', (col) =>
        postgres ? col.primaryKey() : col.primaryKey().autoIncrement(),
      )
      .addColumn('id', 'text', (col) => col.notNull().unique())
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('type', 'text', (col) => col.notNull())
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('actor', 'text', (col) => col.notNull())
      .addColumn('subject', 'text', (col) => col.notNull())
      .addColumn('data', 'text', (col) => col.notNull())
      .addColumn('occurred_at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('audit_pending_tenant_idx')
      .on('audit_pending')
      .columns(['tenant_id', 'pos'])
      .execute();
    if (!postgres) return;
    await sql`alter table usage_records drop constraint usage_records_billing_check`.execute(db);
    await sql`alter table usage_records add constraint usage_records_billing_check
      check (billing in ('credit', 'overage', 'pending'))`.execute(db);
    await sql`create index usage_records_pending_idx on usage_records (tenant_id, created_at, id)
      where billing = 'pending'`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('audit_pending').execute();
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`drop index usage_records_pending_idx`.execute(db);
    await sql`alter table usage_records drop constraint usage_records_billing_check`.execute(db);
    await sql`alter table usage_records add constraint usage_records_billing_check
      check (billing in ('credit', 'overage'))`.execute(db);
  },
};
