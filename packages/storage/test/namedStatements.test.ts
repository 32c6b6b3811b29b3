import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isStalePreparedStatement,
  MAX_NAMED_STATEMENTS,
  withNamedStatements,
} from '../src/internal/namedStatements.js';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
  type TestPostgresDatabase,
} from './postgresTestDatabase.js';

// Against a real PostgreSQL: what is prepared is read back from pg_prepared_statements on the
// one connection of the pool. Skipped, with a loud warning, only when PostgreSQL is unreachable
// on a developer's machine; under CI=true shouldSkipPostgres() is false and the suite fails instead.
describe.skipIf(await shouldSkipPostgres())('named prepared statements (PostgreSQL)', () => {
  let database: TestPostgresDatabase;
  let pool: pg.Pool;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scratch schema
  let db: Kysely<any>;
  const prepared = async (): Promise<string[]> =>
    (
      await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)
    ).rows.map((row) => row.statement);

  beforeAll(async () => {
    database = await createTestPostgresDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 1 });
    db = new Kysely({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
    await sql`create table things (id int primary key, label text)`.execute(db);
    await sql`insert into things values (1, 'one'), (2, 'two')`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('prepares a statement from its third run on, and answers the same before and after', async () => {
    const read = (id: number) =>
      db.selectFrom('things').select('label').where('id', '=', id).executeTakeFirst();
    const text = 'select "label" from "things" where "id" = $1';
    expect(await read(1)).toEqual({ label: 'one' });
    expect(await read(2)).toEqual({ label: 'two' });
    expect(await prepared()).not.toContain(text);
    expect(await read(1)).toEqual({ label: 'one' });
    expect(await prepared()).toContain(text);
    for (let i = 0; i < 5; i++) expect(await read(2)).toEqual({ label: 'two' });
    expect((await prepared()).filter((s) => s === text)).toHaveLength(1);
  });

  it('never prepares statements without parameters or utility statements', async () => {
    for (let i = 0; i < 4; i++) {
      await sql`select count(*) from things`.execute(db);
      await db.transaction().execute(async (trx) => {
        await sql`set local statement_timeout = ${sql.lit(1000)}`.execute(trx);
      });
    }
    const statements = await prepared();
    expect(statements.some((s) => s.includes('count(*)'))).toBe(false);
    expect(statements.some((s) => /statement_timeout|begin|commit/i.test(s))).toBe(false);
  });

  it('survives a migration changing a table under a prepared statement', async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      await sql`create table moving (id int primary key)`.execute(db);
      await sql`insert into moving values (1)`.execute(db);
      const read = () => db.selectFrom('moving').selectAll().where('id', '=', 1).execute();
      for (let i = 0; i < 3; i++) expect(await read()).toEqual([{ id: 1 }]);

      // Outside a transaction: retried at once, prepared afresh, new columns seen.
      await other.query('alter table moving add column note text');
      expect(await read()).toEqual([{ id: 1, note: null }]);

      // Inside one: the error stands (the transaction is aborted), recognisably, and the next
      // run succeeds.
      await other.query('alter table moving add column size int');
      const inTransaction = await db
        .transaction()
        .execute((trx) => trx.selectFrom('moving').selectAll().where('id', '=', 1).execute())
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(isStalePreparedStatement(inTransaction)).toBe(true);
      expect(await read()).toEqual([{ id: 1, note: null, size: null }]);
    } finally {
      await other.end();
    }
  });

  // Last: it fills the wrapper's quota for the rest of this file.
  it('prepares at most MAX_NAMED_STATEMENTS distinct texts; the rest run unnamed', async () => {
    for (let n = 0; n < MAX_NAMED_STATEMENTS + 20; n++)
      for (let run = 0; run < 3; run++)
        expect(
          (await sql<{ x: number }>`select ${sql.raw(String(n))} + ${run}::int as x`.execute(db))
            .rows[0]?.x,
        ).toBe(n + run);
    expect((await prepared()).length).toBeLessThanOrEqual(MAX_NAMED_STATEMENTS);
  });
});
