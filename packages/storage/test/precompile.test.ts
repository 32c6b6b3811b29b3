import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { connectDatabase } from '../src/internal/connectDatabase.js';
import { precompile, precompileInsert } from '../src/internal/precompile.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-precompile-'));
const { db } = await connectDatabase(`sqlite:${path.join(dir, 'p.db')}`);
await sql`create table server_state (key text primary key, value text)`.execute(db);
afterAll(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const select = precompile(1, (db, key: string) =>
  db.selectFrom('server_state').select('value').where('key', '=', key).where('value', '!=', 'x'),
);
const insert = precompileInsert('server_state');

it('compiles once and runs with the values of each call, constants kept', async () => {
  await insert(db, { key: 'a', value: 'one' });
  await insert(db, { key: 'b', value: 'two' });
  await insert(db, { key: 'c', value: 'x' });
  expect((await select(db, 'a')).rows).toEqual([{ value: 'one' }]);
  expect((await select(db, 'b')).rows).toEqual([{ value: 'two' }]);
  // The constant 'x' stayed a parameter of its own: the row whose value is 'x' is filtered.
  expect((await select(db, 'c')).rows).toEqual([]);
  // Values are parameters, never SQL.
  expect((await select(db, "a' or '1'='1")).rows).toEqual([]);
});

it('gives rows with other columns a template of their own', async () => {
  await insert(db, { key: 'd' });
  await insert(db, { value: 'five', key: 'e' });
  expect((await select(db, 'd')).rows).toEqual([]);
  expect((await select(db, 'e')).rows).toEqual([{ value: 'five' }]);
});

it('refuses a builder that does not pass an argument through as a parameter', async () => {
  const ignoring = precompile(1, (db, _key: string) =>
    db.selectFrom('server_state').select('value').where('key', '=', 'fixed'),
  );
  expect(() => ignoring(db, 'a')).toThrow(/argument 0 does not reach the parameters/);
  const inlining = precompile(1, (db, key: string) =>
    db.selectFrom('server_state').select('value').where('key', '=', sql.lit(key)),
  );
  expect(() => inlining(db, 'a')).toThrow(/argument 0 does not reach the parameters/);
});
