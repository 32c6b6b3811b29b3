import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Proofs that carry their own binding: every API key names the relying party its proofs are for
 * (existing keys get their tenant's name), and a challenge stores the audience of its proof and
 * the caller's metadata labels.
 */
export const proofBinding: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('api_keys')
      .addColumn('audience', 'text', (col) => col.notNull().defaultTo(''))
      .execute();
    await sql`update api_keys set audience = (select name from tenants where tenants.id = api_keys.tenant_id)`.execute(
      db,
    );
    await db.schema
      .alterTable('challenges')
      .addColumn('audience', 'text', (col) => col.notNull().defaultTo(''))
      .execute();
    await sql`update challenges set audience = (select name from tenants where tenants.id = challenges.tenant_id)`.execute(
      db,
    );
    await db.schema
      .alterTable('challenges')
      .addColumn('metadata', 'text', (col) => col.notNull().defaultTo('{}'))
      .execute();
  },
};
