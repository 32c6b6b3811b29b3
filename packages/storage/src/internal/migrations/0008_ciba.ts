import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

function kind(db: Kysely<unknown>): 'postgres' | 'sqlite' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * The OpenID CIBA front door: OAuth clients (secret stored as a hash), one CIBA request per
 * challenge it created (the `auth_req_id` stored as a hash), and the `binding_message` a
 * challenge shows its human. A webhook delivery may now target a CIBA request instead of an
 * endpoint (`ciba_handle_hash`), so ping and push notifications ride the same outbox, worker and
 * retry schedule as webhooks.
 */
export const ciba: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('challenges').addColumn('binding_message', 'text').execute();

    await db.schema
      .createTable('oauth_clients')
      .addColumn('id', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull().references('tenants.id'))
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('name', 'text', (col) => col.notNull())
      .addColumn('secret_hash', 'text', (col) => col.notNull())
      .addColumn('delivery_mode', 'text', (col) => col.notNull())
      .addColumn('notify_url', 'text')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('revoked_at', 'bigint')
      .addCheckConstraint(
        'oauth_clients_environment_check',
        sql`environment in ('sandbox', 'production')`,
      )
      .addCheckConstraint(
        'oauth_clients_delivery_mode_check',
        sql`delivery_mode in ('poll', 'ping', 'push')`,
      )
      .execute();
    await db.schema
      .createIndex('oauth_clients_tenant_idx')
      .on('oauth_clients')
      .columns(['tenant_id', 'environment', 'created_at desc'])
      .execute();

    await db.schema
      .createTable('ciba_requests')
      .addColumn('handle_hash', 'text', (col) => col.primaryKey())
      .addColumn('tenant_id', 'text', (col) => col.notNull())
      .addColumn('environment', 'text', (col) => col.notNull())
      .addColumn('challenge_id', 'text', (col) =>
        col.notNull().unique().references('challenges.id'),
      )
      .addColumn('client_id', 'text', (col) => col.notNull().references('oauth_clients.id'))
      .addColumn('scope', 'text', (col) => col.notNull())
      .addColumn('sealed_notification_token', 'text')
      .addColumn('sealed_auth_req_id', 'text')
      .addColumn('interval_seconds', 'integer', (col) => col.notNull())
      .addColumn('last_polled_at', 'bigint')
      .addColumn('tokens_issued_at', 'bigint')
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('expires_at', 'bigint', (col) => col.notNull())
      .execute();

    if (kind(db) === 'postgres') {
      await sql`alter table webhook_deliveries alter column endpoint_id drop not null`.execute(db);
      await sql`alter table webhook_deliveries add column ciba_handle_hash text references ciba_requests (handle_hash)`.execute(
        db,
      );
      await sql`alter table webhook_deliveries add constraint webhook_deliveries_target_check check ((endpoint_id is null) <> (ciba_handle_hash is null))`.execute(
        db,
      );
      return;
    }
    // SQLite cannot drop a NOT NULL: rebuild the table (sqlite.org/lang_altertable.html, "Making
    // Other Kinds Of Table Schema Changes"). Migrations run in one transaction here, with foreign
    // keys on, so nothing is renamed: both outbox tables are copied aside, dropped child first,
    // recreated under their own names and refilled; a crash rolls all of it back.
    await sql`create temp table webhook_deliveries_copy as select * from webhook_deliveries`.execute(
      db,
    );
    await sql`create temp table webhook_attempts_copy as select * from webhook_attempts`.execute(
      db,
    );
    await db.schema.dropTable('webhook_attempts').execute();
    await db.schema.dropTable('webhook_deliveries').execute();
    await sql`create table webhook_deliveries (
      id text primary key,
      tenant_id text not null,
      environment text not null,
      event_id text not null references events (id),
      endpoint_id text references webhook_endpoints (id),
      ciba_handle_hash text references ciba_requests (handle_hash),
      status text not null,
      attempts integer not null,
      next_attempt_at bigint not null,
      lease_until bigint,
      last_status_code integer,
      created_at bigint not null,
      delivered_at bigint,
      constraint webhook_deliveries_status_check check (status in ('pending', 'delivered', 'failed')),
      constraint webhook_deliveries_target_check check ((endpoint_id is null) <> (ciba_handle_hash is null))
    )`.execute(db);
    await db.schema
      .createIndex('webhook_deliveries_due_idx')
      .on('webhook_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await sql`create table webhook_attempts (
      id text primary key,
      delivery_id text not null references webhook_deliveries (id),
      tenant_id text not null,
      environment text not null,
      endpoint_id text not null,
      event_id text not null,
      attempt integer not null,
      started_at bigint not null,
      status_code integer,
      latency_ms integer not null,
      response_excerpt text,
      error text
    )`.execute(db);
    await db.schema
      .createIndex('webhook_attempts_endpoint_idx')
      .on('webhook_attempts')
      .columns(['tenant_id', 'environment', 'endpoint_id', 'started_at desc'])
      .execute();
    await sql`insert into webhook_deliveries (id, tenant_id, environment, event_id, endpoint_id, status, attempts, next_attempt_at, lease_until, last_status_code, created_at, delivered_at)
      select id, tenant_id, environment, event_id, endpoint_id, status, attempts, next_attempt_at, lease_until, last_status_code, created_at, delivered_at from webhook_deliveries_copy`.execute(
      db,
    );
    await sql`insert into webhook_attempts select * from webhook_attempts_copy`.execute(db);
    await sql`drop table webhook_deliveries_copy`.execute(db);
    await sql`drop table webhook_attempts_copy`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    // Client notifications go with the requests they point at; webhook deliveries keep their
    // (now again required) endpoint. SQLite keeps the nullable column, which no code writes.
    await sql`delete from webhook_deliveries where ciba_handle_hash is not null`.execute(db);
    if (kind(db) === 'postgres') {
      await sql`alter table webhook_deliveries drop constraint webhook_deliveries_target_check`.execute(
        db,
      );
      await sql`alter table webhook_deliveries drop column ciba_handle_hash`.execute(db);
      await sql`alter table webhook_deliveries alter column endpoint_id set not null`.execute(db);
    } else {
      await sql`update webhook_deliveries set ciba_handle_hash = null`.execute(db);
    }
    await db.schema.dropTable('ciba_requests').execute();
    await db.schema.dropTable('oauth_clients').execute();
    await db.schema.alterTable('challenges').dropColumn('binding_message').execute();
  },
};
