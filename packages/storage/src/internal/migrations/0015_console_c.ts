import type { Kysely, Migration } from 'kysely';

/**
 * Console views (issue 16, part C): each verify-log row keeps what the phrase, replay and quality
 * gates measured and their thresholds, as JSON text (null: the gates did not run, or the row
 * predates this migration).
 */
export const consoleC: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('verify_logs').addColumn('gate_measures', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('verify_logs').dropColumn('gate_measures').execute();
  },
};
