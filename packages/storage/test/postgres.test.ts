import { appendAudit, verifyAuditChain } from '@keyra/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStorage } from '../src/index.js';
import { connectDatabase } from '../src/internal/connectDatabase.js';
import { SEAL_BATCH } from '../src/internal/sealer.js';
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

    // Sealing after commit: a fresh database with one tenant, the storage and a raw connection.
    const T0 = 1_700_000_000_000;
    const A = { tenantId: 'tnt_1', environment: 'sandbox' as const };
    const opened: Array<() => Promise<void>> = [];
    afterEach(async () => {
      for (const close of opened.splice(0)) await close();
    });
    async function freshTenant(freeCredits = 1000) {
      const { url } = mainDatabase();
      await truncateTestPostgresDatabase(url);
      const storage = await openStorage(url);
      const { db } = await connectDatabase(url);
      opened.push(async () => {
        await db.destroy();
        await storage.close();
      });
      await storage.tenants.create({
        id: A.tenantId,
        name: 'one',
        createdAt: T0,
        plan: 'pilot',
        freeCredits,
      });
      return { url, storage, db };
    }

    describe('audit sealing (pending rows chained after commit)', () => {
      async function fresh() {
        const t = await freshTenant();
        const count = async (table: 'audit_pending' | 'audit_entries') =>
          Number(
            (
              await t.db
                .selectFrom(table)
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          );
        return { ...t, count };
      }
      /** Rows as a process that committed and then died before sealing leaves them. */
      async function writePending(db: Awaited<ReturnType<typeof fresh>>['db'], n: number) {
        for (let from = 0; from < n; from += 500)
          await db
            .insertInto('audit_pending')
            .values(
              Array.from({ length: Math.min(500, n - from) }, (_, k) => ({
                id: `aud_${from + k}`,
                tenant_id: A.tenantId,
                type: 'challenge.created',
                environment: 'sandbox' as const,
                actor: 'key_1',
                subject: `chl_${from + k}`,
                data: JSON.stringify({ i: from + k }),
                occurred_at: T0 + from + k,
              })),
            )
            .execute();
      }

      it('seals committed entries by itself, without a reader asking', async () => {
        const t = await fresh();
        await t.storage.transaction((tx) =>
          appendAudit(tx, A, { type: 'challenge.created', subject: 'chl_1' }, T0),
        );
        await appendAudit(t.storage, A, { type: 'challenge.created', subject: 'chl_2' }, T0);
        for (let i = 0; i < 400 && (await t.count('audit_entries')) < 2; i += 1)
          await new Promise((resolve) => setTimeout(resolve, 5));
        expect(await t.count('audit_entries')).toBe(2);
        expect(await t.count('audit_pending')).toBe(0);
        const chain = await t.storage.audit.list(A.tenantId, {}, 10);
        expect(chain.map((e) => e.subject).sort()).toEqual(['chl_1', 'chl_2']);
        expect(verifyAuditChain(chain).intact).toBe(true);
      });

      it("does not make a tenant's transactions wait for each other's commit", async () => {
        const t = await fresh();
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let appended!: () => void;
        const inFirst = new Promise<void>((resolve) => (appended = resolve));
        const first = t.storage.transaction(async (tx) => {
          await appendAudit(tx, A, { type: 'challenge.created', subject: 'chl_slow' }, T0);
          appended();
          await held;
        });
        await inFirst;
        // With a head row locked until commit, this append would wait for `first` (forever here).
        const second = t.storage.transaction((tx) =>
          appendAudit(tx, A, { type: 'challenge.created', subject: 'chl_fast' }, T0 + 1),
        );
        const outcome = await Promise.race([
          second.then(() => 'committed'),
          new Promise((resolve) => setTimeout(() => resolve('blocked'), 2000)),
        ]);
        expect(outcome).toBe('committed');
        // The committed entry is sealed while the other transaction is still open.
        for (let i = 0; i < 400 && (await t.count('audit_entries')) < 1; i += 1)
          await new Promise((resolve) => setTimeout(resolve, 5));
        expect(await t.count('audit_entries')).toBe(1);
        release();
        await first;
        const chain = await t.storage.audit.list(A.tenantId, {}, 10);
        // Chain order is seal order: what committed and was sealed first comes first.
        expect(chain.map((e) => [e.seq, e.subject])).toEqual([
          [1, 'chl_fast'],
          [2, 'chl_slow'],
        ]);
        expect(verifyAuditChain(chain).intact).toBe(true);
      });

      it("seals a dead process's backlog in batches, in append order, once, whoever reads", async () => {
        const t = await fresh();
        const n = 2 * SEAL_BATCH + 37;
        await writePending(t.db, n);
        // Three processes read at once: each flushes; the head lock lets each row be sealed once.
        const readers = await Promise.all([openStorage(t.url), openStorage(t.url)]);
        try {
          const [heads] = await Promise.all([
            Promise.all(readers.map((r) => r.audit.head(A.tenantId))),
            t.storage.audit.tenantsWithChains(),
          ]);
          for (const head of heads) expect(head.seq).toBe(n);
        } finally {
          await Promise.all(readers.map((r) => r.close()));
        }
        expect(await t.count('audit_pending')).toBe(0);
        const chain = await t.storage.audit.list(A.tenantId, {}, n + 10);
        expect(chain.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, k) => k + 1));
        expect(chain.map((e) => e.subject)).toEqual(
          Array.from({ length: n }, (_, k) => `chl_${k}`),
        );
        expect(verifyAuditChain(chain).intact).toBe(true);
      });

      it('keeps rows pending, not lost, while sealing fails, and seals them once it can', async () => {
        const t = await fresh();
        // The head's tenant row is gone from under the sealer's foreign key: sealing fails.
        await t.db
          .insertInto('audit_pending')
          .values({
            id: 'aud_orphan',
            tenant_id: 'tnt_missing',
            type: 'challenge.created',
            environment: 'sandbox',
            actor: 'key_1',
            subject: 'chl_x',
            data: '{}',
            occurred_at: T0,
          })
          .execute();
        await expect(t.storage.audit.list('tnt_missing', {}, 10)).rejects.toThrow();
        expect(await t.count('audit_pending')).toBe(1);
        await t.storage.tenants.create({
          id: 'tnt_missing',
          name: 'late',
          createdAt: T0,
          plan: 'pilot',
          freeCredits: 0,
        });
        expect((await t.storage.audit.list('tnt_missing', {}, 10)).map((e) => e.id)).toEqual([
          'aud_orphan',
        ]);
        expect(await t.count('audit_pending')).toBe(0);
      });
    });

    describe('usage billing (pending records billed after commit)', () => {
      const record = (subjectId: string, at = T0) => ({
        id: `use_${subjectId}`,
        tenantId: A.tenantId,
        environment: A.environment,
        subjectId,
        method: 'device' as const,
        day: '2023-11-14',
        createdAt: at,
      });
      const fresh = freshTenant;

      it("does not make a tenant's verifications wait for each other's metering", async () => {
        const t = await fresh(1);
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        let metered!: () => void;
        const inFirst = new Promise<void>((resolve) => (metered = resolve));
        const first = t.storage.transaction(async (tx) => {
          expect(await tx.usage.record(record('chl_slow', T0))).toBe(true);
          metered();
          await held;
        });
        await inFirst;
        // With the tenant row locked until commit, this would wait for `first` (forever here).
        const second = t.storage.transaction((tx) => tx.usage.record(record('chl_fast', T0 + 1)));
        const outcome = await Promise.race([
          second.then(() => 'committed'),
          new Promise((resolve) => setTimeout(() => resolve('blocked'), 2000)),
        ]);
        expect(outcome).toBe('committed');
        // Billed while the other is still open: it takes the one free credit.
        expect(await t.storage.usage.findBySubject(A, 'chl_fast')).toMatchObject({
          billing: 'credit',
          plan: 'pilot',
        });
        release();
        await first;
        expect(await t.storage.usage.findBySubject(A, 'chl_slow')).toMatchObject({
          billing: 'overage',
        });
        expect(await t.storage.usage.meteredCount(A.tenantId)).toBe(2);
      });

      it("bills a dead process's backlog in batches, exactly at the credit boundary, once", async () => {
        const n = 2 * SEAL_BATCH + 37;
        const credits = SEAL_BATCH + 100;
        const t = await fresh(credits);
        for (let from = 0; from < n; from += 500)
          await t.db
            .insertInto('usage_records')
            .values(
              Array.from({ length: Math.min(500, n - from) }, (_, k) => ({
                id: `use_${String(from + k).padStart(5, '0')}`,
                tenant_id: A.tenantId,
                environment: A.environment,
                subject_id: `chl_${from + k}`,
                method: 'device' as const,
                billing: 'pending' as const,
                plan: 'pilot' as const,
                day: '2023-11-14',
                created_at: T0 + from + k,
              })),
            )
            .execute();
        const others = await Promise.all([openStorage(t.url), openStorage(t.url)]);
        try {
          const counts = await Promise.all([
            ...others.map((o) => o.usage.meteredCount(A.tenantId)),
            t.storage.usage.billPending().then(() => t.storage.usage.meteredCount(A.tenantId)),
          ]);
          expect(counts).toEqual([n, n, n]);
        } finally {
          await Promise.all(others.map((o) => o.close()));
        }
        const rows = await t.db
          .selectFrom('usage_records')
          .select(['id', 'billing'])
          .orderBy('created_at')
          .execute();
        // Oldest first: the first `credits` records are credits, every later one overage.
        expect(rows.map((r) => r.billing)).toEqual([
          ...Array<string>(credits).fill('credit'),
          ...Array<string>(n - credits).fill('overage'),
        ]);
      });
    });

    it('fails clearly when the server is unreachable', async () => {
      await expect(openStorage('postgres://postgres@127.0.0.1:1/none')).rejects.toThrow();
    });
  });
});
