import { sql, SqliteAdapter, type Kysely, type Migration } from 'kysely';

const BEFORE = `status in ('pending', 'approved', 'rejected', 'expired')`;
const AFTER = `status in ('pending', 'approved', 'rejected', 'expired', 'canceled')`;

/** A challenge can end `canceled` (`POST /v1/challenges/:id/cancel`): widen the status check. */
export const challengeCancel: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await replaceStatusCheck(db, BEFORE, AFTER);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    // A canceled challenge has no older status: it reads as expired, which it also was to a device.
    await sql`update challenges set status = 'expired' where status = 'canceled'`.execute(db);
    await replaceStatusCheck(db, AFTER, BEFORE);
  },
};

async function replaceStatusCheck(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    await sql`alter table challenges drop constraint challenges_status_check`.execute(db);
    await sql`alter table challenges add constraint challenges_status_check check (${sql.raw(to)})`.execute(
      db,
    );
    return;
  }
  // SQLite cannot alter a check constraint: rebuild the table from its own definition with only the
  // constraint changed (https://sqlite.org/lang_altertable.html, "other kinds of schema changes").
  // No table references challenges, so dropping the old one is safe with foreign keys on.
  const table = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = 'challenges'`.execute(db);
  const indexes = await sql<{ sql: string }>`
    select sql from sqlite_master
    where type = 'index' and tbl_name = 'challenges' and sql is not null`.execute(db);
  const definition = table.rows[0]?.sql ?? '';
  if (!definition.includes(from)) {
    throw new Error(`challenges has no check "${from}" to replace; is the schema hand-edited?`);
  }
  const rebuilt = definition
    .replace(from, to)
    .replace(/^create table "?challenges"?/i, 'create table "challenges_new"');
  await sql.raw(rebuilt).execute(db);
  await sql`insert into challenges_new select * from challenges`.execute(db);
  await sql`drop table challenges`.execute(db);
  await sql`alter table challenges_new rename to challenges`.execute(db);
  for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
}
