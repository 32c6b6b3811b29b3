import type { Kysely, Migration } from 'kysely';

/**
 * The audit head also keeps the hash before its last one (`prev_hash`), so a PostgreSQL append
 * can move the head and learn the hash it moved from in the one `UPDATE … RETURNING` that locks
 * it (PostgreSQL 15 cannot return a row's old values). Existing heads start with `''`: the column
 * is only read from the update that just set it.
 */
export const auditPrevHash: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('audit_heads')
      .addColumn('prev_hash', 'text', (col) => col.notNull().defaultTo(''))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('audit_heads').dropColumn('prev_hash').execute();
  },
};
