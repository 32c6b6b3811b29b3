import type { Kysely, Migration } from 'kysely';

/**
 * Console views (issue 16, part C): each verify-log row keeps what the phrase, replay and quality
 * gates measured and their thresholds, as JSON text (null: the gates did not run, or the row
 * predates this migration); each challenge keeps when a device first fetched it while pending
 * (null until then).
 */
export const consoleC: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('verify_logs').addColumn('gate_measures', 'text').execute();
    await db.schema.alterTable('challenges').addColumn('shown_at', 'bigint').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('challenges').dropColumn('shown_at').execute();
    await db.schema.alterTable('verify_logs').dropColumn('gate_measures').execute();
  },
};
