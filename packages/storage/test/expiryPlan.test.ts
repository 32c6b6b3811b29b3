import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../src/index.js';
import type { Database } from '../src/internal/schema.js';
import { sqliteExpiryStatement } from '../src/internal/stores/createChallengeStore.js';

// The expiry sweep runs every second on the server's event loop. On SQLite it must look the due
// batch up by primary key, not walk every pending challenge through the status index (it did:
// 16 ms per sweep at 52k pending challenges, growing with them). Checked on the query plan, on
// a database holding many pending challenges and, like the server's, no ANALYZE statistics.

const dir = mkdtempSync(path.join(tmpdir(), 'keyra-expiry-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the SQLite expiry sweep', () => {
  it('updates the due batch through the primary key, whatever the number of pending rows', async () => {
    const file = path.join(dir, 'plan.db');
    await migrateToLatest(`sqlite:${file}`);
    const database = new BetterSqlite3(file);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    try {
      const tenant = database.prepare('select id from tenants limit 1').get() as
        { id: string } | undefined;
      const tenantId = tenant?.id ?? 'ten_plan';
      if (!tenant) {
        database
          .prepare('insert into tenants (id, name, created_at) values (?, ?, ?)')
          .run(tenantId, 'plan', 0);
      }
      const columns = database.prepare('pragma table_info(challenges)').all() as {
        name: string;
        notnull: number;
        dflt_value: unknown;
      }[];
      const required = columns.filter((c) => c.notnull && c.dflt_value === null).map((c) => c.name);
      const values = (i: number): Record<string, unknown> => ({
        id: `ch_plan${String(i).padStart(8, '0')}`,
        tenant_id: tenantId,
        environment: 'sandbox',
        status: 'pending',
        created_at: i,
        expires_at: 10_000_000 + i,
      });
      const sample = values(0);
      const names = required.filter((n) => !(n in sample));
      const insert = database.prepare(
        `insert into challenges (${[...Object.keys(sample), ...names].join(', ')}) values (${[
          ...Object.keys(sample).map((k) => `@${k}`),
          ...names.map(() => "'x'"),
        ].join(', ')})`,
      );
      database.transaction(() => {
        for (let i = 0; i < 5_000; i++) insert.run(values(i));
      })();

      const { sql, parameters } = sqliteExpiryStatement(db, 1_000, 100).compile();
      const plan = (
        database.prepare(`explain query plan ${sql}`).all(...parameters) as { detail: string }[]
      ).map((row) => row.detail);
      // The outer UPDATE finds its rows by id; the batch itself comes from the status index.
      expect(plan[0]).toMatch(
        /^SEARCH challenges USING (INDEX sqlite_autoindex_challenges_1|PRIMARY KEY) \(id=\?\)/,
      );
      expect(plan).toContain(
        'SEARCH challenges USING INDEX challenges_status_expires_idx (status=? AND expires_at<?)',
      );
      expect(plan.filter((line) => /\(status=\?\)$/.test(line))).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
});
