import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  meterVerification,
  utcDay,
  type Scope,
  type Storage,
  type Tenant,
} from '../../src/index.js';
import { manualClock, type ManualClock } from '../support/manualClock.js';
import { openTestStorage, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let storage: Storage;
let clock: ManualClock;
let scope: Scope;

/** A tenant with a small free allowance, so overage is reachable. */
async function tenantWithCredits(freeCredits: number): Promise<Scope> {
  const tenant: Tenant = {
    id: `ten_credits${freeCredits}aaaaaaaaaaaaaa`,
    name: `credits-${freeCredits}`,
    createdAt: clock.now(),
    plan: 'production',
    freeCredits,
  };
  await storage.tenants.create(tenant);
  return { tenantId: tenant.id, environment: 'sandbox' };
}

beforeEach(async () => {
  db = await openTestStorage();
  storage = db.storage;
  clock = manualClock();
  scope = await tenantWithCredits(2);
});
afterEach(async () => db.close());

const meter = (subjectId: string, at: Scope = scope) =>
  meterVerification(storage, at, subjectId, 'device', clock.now());

describe('meterVerification', () => {
  it('meters a subject exactly once, however often it is called', async () => {
    expect(await meter('chl_once0000')).toBe(true);
    const first = await storage.usage.findBySubject(scope, 'chl_once0000');
    expect(first).toMatchObject({
      id: expect.stringMatching(/^use_/),
      subjectId: 'chl_once0000',
      method: 'device',
      billing: 'credit',
      plan: 'production',
      day: '2027-01-15',
      createdAt: clock.now(),
    });
    clock.advance(60_000);
    expect(await meter('chl_once0000')).toBe(false);
    expect(await storage.usage.findBySubject(scope, 'chl_once0000')).toEqual(first);
    expect(await storage.usage.meteredCount(scope.tenantId)).toBe(1);
  });

  it('meters once when racing callers meter the same subject', async () => {
    const results = await Promise.all([1, 2, 3].map(() => meter('chl_race0000')));
    expect(results.filter((r) => r)).toHaveLength(1);
    expect(await storage.usage.meteredCount(scope.tenantId)).toBe(1);
  });

  it('bills free credits first, then overage on the current plan', async () => {
    const billing = [];
    for (const id of ['chl_a0000000', 'chl_b0000000', 'chl_c0000000']) {
      expect(await meter(id)).toBe(true);
      billing.push((await storage.usage.findBySubject(scope, id))?.billing);
    }
    expect(billing).toEqual(['credit', 'credit', 'overage']);
    const production: Scope = { tenantId: scope.tenantId, environment: 'production' };
    expect(await meter('chl_d0000000', production)).toBe(true);
    expect(await storage.usage.findBySubject(production, 'chl_d0000000')).toMatchObject({
      billing: 'overage',
    });
    expect(await storage.usage.meteredCount(scope.tenantId)).toBe(4);
  });

  it('rolls back with the transaction that records the verification', async () => {
    await expect(
      storage.transaction(async (tx) => {
        await meterVerification(tx, scope, 'chl_undone00', 'device', clock.now());
        throw new Error('the verification failed after metering');
      }),
    ).rejects.toThrow('the verification failed');
    expect(await storage.usage.findBySubject(scope, 'chl_undone00')).toBeNull();
    expect(await meter('chl_undone00')).toBe(true);
  });

  it('buckets by UTC day', async () => {
    clock.set(Date.UTC(2027, 0, 15, 23, 59, 59, 999));
    await meter('chl_late0000');
    clock.advance(1);
    await meter('chl_early000');
    expect(utcDay(Date.UTC(2027, 0, 15, 23, 59, 59, 999))).toBe('2027-01-15');
    expect(await storage.usage.buckets(scope, '2027-01-15', '2027-01-16')).toEqual([
      { day: '2027-01-15', environment: 'sandbox', method: 'device', billing: 'credit', count: 1 },
      { day: '2027-01-16', environment: 'sandbox', method: 'device', billing: 'credit', count: 1 },
    ]);
  });
});
