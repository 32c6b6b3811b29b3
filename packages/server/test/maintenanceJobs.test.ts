import { createChallenge, ensureTenant } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startMaintenanceJobs } from '../src/jobs/startMaintenanceJobs.js';
import { createTestApp, type TestApp } from './helpers/testApp.js';

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
