import { PostgresAdapter, type Kysely, type Migration } from 'kysely';

/**
 * PostgreSQL appends audit entries as pending rows in the fact's own transaction, and a sealer
 * gives them their place in the chain (seq, prev_hash, hash) right after they commit, a batch at a
 * time under the tenant's head lock (docs/audit.md, "Sealing"). So a tenant's transactions no
 * longer queue on its head row until commit. `pos` orders a tenant's pending rows; there is no
 * foreign key to `tenants`, so the insert takes no lock on the tenant row. SQLite seals in the
 * append itself (its transactions are serialized anyway) and never writes here.
 */
export const auditPending: Migration = {
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
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('audit_pending').execute();
  },
};
