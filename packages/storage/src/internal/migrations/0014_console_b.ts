import type { Kysely, Migration } from 'kysely';

/**
 * Console views (issue 16, part B): the event detail lists the delivery attempts an event caused,
 * so attempts get an index by event as they have one by endpoint.
 */
export const consoleB: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createIndex('webhook_attempts_event_idx')
      .on('webhook_attempts')
      .columns(['tenant_id', 'environment', 'event_id', 'started_at desc'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('webhook_attempts_event_idx').execute();
  },
};
