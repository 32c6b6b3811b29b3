import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Console sign-in (issue 16): console users of a tenant with a role, one-time invites (token
 * stored as a hash), their passkeys, the WebAuthn ceremonies of enrolment and sign-in, sessions
 * (token stored as a hash; idle and absolute expiry) and the actions done through a session.
 * `console_actions` is a small table of its own until the audit log takes these records over.
 */
export const consoleMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const roleCheck = sql`role in ('viewer', 'developer', 'admin', 'owner')`;
    await db.schema
      .createTable('console_users')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('email', 'text', (col) => col.notNull())
      .addColumn('role', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('disabled_at', 'bigint')
      .addUniqueConstraint('console_users_email_unique', ['tenant_id', 'email'])
      .addCheckConstraint('console_users_role_check', roleCheck)
      .execute();

    await db.schema
      .createTable('console_invites')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('email', 'text', (col) => col.notNull())
      .addColumn('role', 'text', (col) => col.notNull())
      .addColumn('token_hash', 'text', (col) => col.notNull().unique())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('invited_by', 'text', (col) => col.references('console_users.id'))
      .addCheckConstraint('console_invites_role_check', roleCheck)
      .execute();

    await db.schema
      .createTable('console_passkeys')
      .addColumn('credential_id', 'text', (col) => col.primaryKey())
      .addColumn('user_id', 'text', (col) => col.notNull().references('console_users.id'))
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('public_key', 'text', (col) => col.notNull())
      .addColumn('counter', 'bigint', (col) => col.notNull())
      .addColumn('transports', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('last_used_at', 'bigint')
      .execute();

    await db.schema
      .createTable('console_ceremonies')
      .addColumn('challenge', 'text', (col) => col.primaryKey())
      .addColumn('kind', 'text', (col) => col.notNull())
      .addColumn('invite_id', 'text', (col) => col.references('console_invites.id'))
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('used_at', 'bigint')
      .addCheckConstraint('console_ceremonies_kind_check', sql`kind in ('enrolment', 'sign_in')`)
      .execute();
    await db.schema
      .createIndex('console_ceremonies_expiry_idx')
      .on('console_ceremonies')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('console_sessions')
      .addColumn('token_hash', 'text', (col) => col.primaryKey())
      .addColumn('id', 'text', (col) => col.notNull().unique())
      .addColumn('user_id', 'text', (col) => col.notNull().references('console_users.id'))
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
      .addColumn('idle_timeout_ms', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('console_sessions_user_idx')
      .on('console_sessions')
      .columns(['tenant_id', 'user_id', 'created_at desc'])
      .execute();

    await db.schema
      .createTable('console_actions')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('user_id', 'text', (col) => col.notNull().references('console_users.id'))
      .addColumn('environment', 'text')
      .addColumn('method', 'text', (col) => col.notNull())
      .addColumn('route', 'text', (col) => col.notNull())
      .addColumn('target_id', 'text')
      .addColumn('status_code', 'integer', (col) => col.notNull())
      .addColumn('at', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('console_actions_tenant_idx')
      .on('console_actions')
      .columns(['tenant_id', 'at desc'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'console_actions',
      'console_sessions',
      'console_ceremonies',
      'console_passkeys',
      'console_invites',
      'console_users',
    ]) {
      await db.schema.dropTable(table).execute();
    }
  },
};
