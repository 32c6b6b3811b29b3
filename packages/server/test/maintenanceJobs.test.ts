import { createChallenge, ensureTenant } from '@keyra/core';
import { migrateToLatest, openStorage } from '@keyra/storage';
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
} from '../../storage/test/postgresTestDatabase.js';
import { startMaintenanceJobs } from '../src/jobs/startMaintenanceJobs.js';
import { createTestApp, type TestApp } from './helpers/testApp.js';

// Skips loudly only on a developer's machine without PostgreSQL; under CI=true it fails instead.
const skipPostgres = await shouldSkipPostgres();

describe('maintenance jobs', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => t.close());

  it('mark overdue challenges expired and purge idempotency records past retention', async () => {
    const { tenant } = await ensureTenant(t.storage.tenants, 'acme', t.clock.now());
    const scope = { tenantId: tenant.id, environment: 'sandbox' as const };
    const due = await createChallenge(
      scope,
      { action: 'a.b', userId: 'u', expiresIn: 10, audience: 'acme' },
      { storage: t.storage, now: t.clock.now() },
    );
    const live = await createChallenge(
      scope,
      { action: 'a.b', userId: 'u', expiresIn: 600, audience: 'acme' },
      { storage: t.storage, now: t.clock.now() },
    );
    const claim = {
      scope,
      key: 'old',
      fingerprint: 'f',
      method: 'POST',
      path: '/v1/challenges',
      now: t.clock.now(),
      retentionMs: 1000,
      lockMs: 1000,
    };
    await t.storage.idempotency.claim(claim);
    t.clock.advance(60_000);

    const job = startMaintenanceJobs(
      t.storage,
      t.clock,
      { expirySweepIntervalMs: 10, idempotencyRetentionMs: 1000 },
      t.app.log,
    );
    const deadline = Date.now() + 5000;
    while ((await t.storage.challenges.find(scope, due.id))?.status !== 'expired') {
      if (Date.now() > deadline) throw new Error('the expiry job did not run');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await job.stop();
    expect((await t.storage.challenges.find(scope, live.id))?.status).toBe('pending');
    expect((await t.storage.challenges.find(scope, due.id))?.decidedAt).toBe(due.expiresAt);
    // Purged: the same key claims afresh.
    expect(
      await t.storage.idempotency.claim({
        ...claim,
        now: t.clock.now(),
        retentionMs: 24 * 3600_000,
      }),
    ).toMatchObject({
      outcome: 'claimed',
    });
  });
});

describe.skipIf(skipPostgres)('maintenance jobs on PostgreSQL', () => {
  it('seal audit entries and bill usage that a stopped process committed but never sealed', async () => {
    const database = await createTestPostgresDatabase();
    await migrateToLatest(database.url);
    const storage = await openStorage(database.url);
    const raw = new pg.Client({ connectionString: database.url });
    await raw.connect();
    const errors: unknown[] = [];
    const log = {
      info() {},
      error(entry: unknown) {
        errors.push(entry);
      },
    } as unknown as FastifyBaseLogger;
    try {
      const { tenant } = await ensureTenant(storage.tenants, 'acme', Date.now());
      // What a process leaves when it dies between its commit and its seal.
      await raw.query(
        `insert into audit_pending (id, tenant_id, type, environment, actor, subject, data, occurred_at)
         values ('aud_left_1', $1, 'challenge.created', 'sandbox', 'key_1', 'chl_1', '{}', 1),
                ('aud_left_2', $1, 'challenge.created', 'sandbox', 'key_1', 'chl_2', '{}', 2)`,
        [tenant.id],
      );
      await raw.query(
        `insert into usage_records (id, tenant_id, environment, subject_id, method, billing, plan, day, created_at)
         values ('use_left_1', $1, 'sandbox', 'chl_1', 'device', 'pending', 'pilot', '2026-12-07', 1)`,
        [tenant.id],
      );
      const job = startMaintenanceJobs(
        storage,
        { now: () => Date.now() },
        { expirySweepIntervalMs: 10, idempotencyRetentionMs: 1000 },
        log,
      );
      const sealed = async () =>
        (await raw.query('select id, seq from audit_entries order by seq')).rows as unknown[];
      const deadline = Date.now() + 5000;
      const billed = async () =>
        (await raw.query("select billing from usage_records where billing <> 'pending'"))
          .rows as unknown[];
      while ((await sealed()).length < 2 || (await billed()).length < 1) {
        if (Date.now() > deadline) throw new Error('the sealing sweep did not run');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await job.stop();
      expect(await sealed()).toEqual([
        { id: 'aud_left_1', seq: '1' },
        { id: 'aud_left_2', seq: '2' },
      ]);
      expect((await raw.query('select count(*)::int as n from audit_pending')).rows).toEqual([
        { n: 0 },
      ]);
      expect(await billed()).toEqual([{ billing: 'credit' }]);
      expect(
        (await raw.query('select metered_count from tenants where id = $1', [tenant.id])).rows,
      ).toEqual([{ metered_count: 1 }]);
      expect(errors).toEqual([]);
    } finally {
      await raw.end();
      await storage.close();
      await database.drop();
    }
  });
});
