import type { Kysely, Migration } from 'kysely';

/**
 * Approval policies (issue 13). `policies` holds one row per policy (its current version and
 * whether it was deleted); `policy_versions` one immutable row per version, so a change is a new
 * row and a delete keeps the history. `approver_groups` are named lists of user ids (JSON text),
 * per tenant and environment. A challenge created under a policy stores the policy id, version,
 * name and requirement (JSON text); all four are null otherwise. Only new tables and added
 * nullable columns: no rebuild.
 */
export const policies: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('policies')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('current_version', 'integer', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('deleted_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('policies_scope_idx')
      .on('policies')
      .columns(['tenant_id', 'environment', 'created_at', 'id'])
      .execute();

    await db.schema
      .createTable('policy_versions')
      .addColumn('policy_id', 'text', (col) => col.notNull().references('policies.id'))
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('description', 'text')
      .addColumn('priority', 'integer', (col) => col.notNull())
      .addColumn('match', 'text', (col) => col.notNull())
      .addColumn('requirement', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('policy_versions_pkey', ['policy_id', 'version'])
      .execute();

    await db.schema
      .createTable('approver_groups')
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('members', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('updated_at', 'bigint', (col) => col.notNull())
      .addPrimaryKeyConstraint('approver_groups_pkey', ['tenant_id', 'environment', 'name'])
      .execute();

    await db.schema.alterTable('challenges').addColumn('policy_id', 'text').execute();
    await db.schema.alterTable('challenges').addColumn('policy_version', 'integer').execute();
    await db.schema.alterTable('challenges').addColumn('policy_name', 'text').execute();
    await db.schema.alterTable('challenges').addColumn('policy_requirement', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('challenges').dropColumn('policy_requirement').execute();
    await db.schema.alterTable('challenges').dropColumn('policy_name').execute();
    await db.schema.alterTable('challenges').dropColumn('policy_version').execute();
    await db.schema.alterTable('challenges').dropColumn('policy_id').execute();
    await db.schema.dropTable('approver_groups').execute();
    await db.schema.dropTable('policy_versions').execute();
    await db.schema.dropTable('policies').execute();
  },
};
