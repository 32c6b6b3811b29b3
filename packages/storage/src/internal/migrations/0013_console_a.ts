import type { Kysely, Migration } from 'kysely';

/**
 * Console views (issue 16): when each API key was last used, to the minute, for the API keys view.
 * Null for keys not used since.
 */
export const consoleViewsA: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('api_keys').addColumn('last_used_at', 'bigint').execute();
  },
};
