import { auditHashTemplate, verifyAuditChain, type AuditDraft } from '@keyra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStorage } from '../src/index.js';
import { connectDatabase } from '../src/internal/connectDatabase.js';
import { appendInOneStatement } from '../src/internal/stores/createAuditStore.js';
import { storageContract } from './contract.js';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
  truncateTestPostgresDatabase,
  type TestPostgresDatabase,
} from './postgresTestDatabase.js';

const skip = await shouldSkipPostgres();

describe.skipIf(skip)('postgres', () => {
  let main: TestPostgresDatabase | undefined;
  const extra: TestPostgresDatabase[] = [];

  beforeAll(async () => {
    main = await createTestPostgresDatabase();
    await migrateToLatest(main.url);
  });

  afterAll(async () => {
    await Promise.all([main, ...extra].map((database) => database?.drop()));
  });

  function mainDatabase(): TestPostgresDatabase {
    if (!main) throw new Error('the PostgreSQL test database was not created (see beforeAll)');
    return main;
  }

  storageContract({
    kind: 'postgres',
    async cleanDatabase() {
      const { url } = mainDatabase();
      await truncateTestPostgresDatabase(url);
      return url;
    },
    async emptyDatabase() {
      const database = await createTestPostgresDatabase();
      extra.push(database);
      return database.url;
    },
  });

  describe('postgres specifics', () => {
    it('returns BIGINT columns as numbers without touching the global pg parsers', async () => {
      const pg = await import('pg');
      const globalParser = pg.default.types.getTypeParser(20, 'text');
      const storage = await openStorage(mainDatabase().url);
      try {
        await truncateTestPostgresDatabase(mainDatabase().url);
        await storage.tenants.create({
          id: 'tnt_1',
          name: 'one',
          createdAt: 1_700_000_000_123,
          plan: 'pilot',
          freeCredits: 1000,
        });
        const tenant = await storage.tenants.findById('tnt_1');
        expect(tenant?.createdAt).toBe(1_700_000_000_123);
        expect(await storage.tenants.count()).toBe(1);
        expect(pg.default.types.getTypeParser(20, 'text')).toBe(globalParser);
        expect(globalParser('12')).toBe('12');
      } finally {
        await storage.close();
      }
    });

    it('reports its pool: connections lent out, idle and waiting', async () => {
      const storage = await openStorage(mainDatabase().url, { poolSize: 2 });
      try {
        expect(storage.poolStats()).toEqual({ max: 2, total: 1, idle: 1, waiting: 0 });
        // Two transactions hold both connections until released; a third query must wait.
        let release = (): void => {};
        const gate = new Promise<void>((resolve) => (release = resolve));
        let entered = 0;
        const holders = [1, 2].map(() =>
          storage.transaction(async () => {
            entered += 1;
            await gate;
          }),
        );
        while (entered < 2) await new Promise((resolve) => setTimeout(resolve, 5));
        const waiting = storage.ping();
        for (let i = 0; i < 200 && storage.poolStats().waiting === 0; i += 1)
          await new Promise((resolve) => setTimeout(resolve, 5));
        expect(storage.poolStats()).toEqual({ max: 2, total: 2, idle: 0, waiting: 1 });
        release();
        await Promise.all([...holders, waiting]);
        expect(storage.poolStats()).toMatchObject({ max: 2, total: 2, waiting: 0 });
      } finally {
        await storage.close();
      }
    });

    it('hashes audit entries in the database exactly as the verifiers do, and rewrites any that differ', async () => {
      const { url } = mainDatabase();
      await truncateTestPostgresDatabase(url);
      const storage = await openStorage(url);
      const { db } = await connectDatabase(url);
      try {
        await storage.tenants.create({
          id: 'tnt_1',
          name: 'one',
          createdAt: 1_700_000_000_000,
          plan: 'pilot',
          freeCredits: 1000,
        });
        const draft = (i: number, data: Record<string, unknown>): AuditDraft => ({
          id: `aud_${i}`,
          tenantId: 'tnt_1',
          type: 'challenge.created',
          environment: 'sandbox',
          actor: 'key_1',
          subject: `chl_${i}`,
          data,
          occurredAt: 1_700_000_000_000 + i,
        });
        const awkward = [
          { note: 'quote " backslash \\ newline \n nul \u0000 bell \u0007' },
          { text: 'naïve café — 日本語 — 🔐👩🏽‍💻', é: 1, nested: { prevHash: 'x', seq: 2 } },
          { amount: 1e21, small: 0.1, list: [true, null, 2 ** 53] },
        ];
        // PostgreSQL's sha256 over the template and the locked head is the hash: no rewrite.
        for (const [i, data] of awkward.entries()) {
          const appended = await db
            .transaction()
            .execute((trx) => appendInOneStatement(trx, draft(i + 1, data)));
          expect(appended.rehashed).toBe(false);
          expect(appended.entry.seq).toBe(i + 1);
        }
        // A template whose text differs from the canonical one (as a non-UTF-8 database might
        // produce) is caught and the entry and head rewritten with the verifiers' hash.
        const odd = draft(4, { n: 4 });
        const template = auditHashTemplate(odd);
        const appended = await db
          .transaction()
          .execute((trx) =>
            appendInOneStatement(trx, odd, { ...template, before: ` ${template.before}` }),
          );
        expect(appended.rehashed).toBe(true);
        const chain = await storage.audit.list('tnt_1', {}, 10);
        expect(chain.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect(chain[3]).toEqual(appended.entry);
        expect(verifyAuditChain(chain).intact).toBe(true);
        expect(await storage.audit.head('tnt_1')).toEqual({ seq: 4, hash: appended.entry.hash });
      } finally {
        await db.destroy();
        await storage.close();
      }
    });

    it('fails clearly when the server is unreachable', async () => {
      await expect(openStorage('postgres://postgres@127.0.0.1:1/none')).rejects.toThrow();
    });
  });
});
