import type { NewUsageRecord, Scope, StampRecord } from '@keyra/core';
import { expect, it } from 'vitest';
import type { DatabaseStorage, OpenStorageOptions } from '../src/index.js';

const T0 = 1_700_000_000_000;
const DAY = 86_400_000;
const A: Scope = { tenantId: 'tnt_a', environment: 'sandbox' };
const A_LIVE: Scope = { tenantId: 'tnt_a', environment: 'production' };
const B: Scope = { tenantId: 'tnt_b', environment: 'sandbox' };

function stamp(overrides: Partial<StampRecord> & { id: string }): StampRecord {
  return {
    tenantId: A.tenantId,
    environment: A.environment,
    subjectId: `chl_${overrides.id}`,
    method: 'device',
    proofSha256: 'cd'.repeat(32),
    issuedAt: T0,
    signature: 'eyJ.h.s',
    offchain: '{"sig":{},"signer":"0x0"}',
    chainStatus: 'none',
    chainAttempts: 0,
    chainNextAttemptAt: null,
    chainLeaseUntil: null,
    chainId: null,
    chainTxHash: null,
    chainUid: null,
    chainError: null,
    chainConfirmedAt: null,
    ...overrides,
  };
}

function usage(scope: Scope, subjectId: string, at = T0): NewUsageRecord {
  return {
    id: `use_${subjectId}_${Math.random().toString(36).slice(2)}`,
    tenantId: scope.tenantId,
    environment: scope.environment,
    subjectId,
    method: 'voice',
    day: new Date(at).toISOString().slice(0, 10),
    createdAt: at,
  };
}

type Setup = () => Promise<{ url: string; storage: DatabaseStorage }>;
type Open = (url: string, options?: OpenStorageOptions) => Promise<DatabaseStorage>;

/** Stamps (public lookup, on-chain queue) and exactly-once metering with free credits. */
export function stampsUsageContract(setup: Setup, open: Open): void {
  it('stores a stamp and finds it by id alone', async () => {
    const { storage } = await setup();
    const record = stamp({ id: 'stp_1', chainId: null });
    await storage.stamps.insert(record);
    expect(await storage.stamps.findById('stp_1')).toEqual(record);
    expect(await storage.stamps.findById('stp_missing')).toBeNull();
  });

  it('refuses a second stamp for the same subject', async () => {
    const { storage } = await setup();
    await storage.stamps.insert(stamp({ id: 'stp_1', subjectId: 'chl_x' }));
    await expect(
      storage.stamps.insert(stamp({ id: 'stp_2', subjectId: 'chl_x' })),
    ).rejects.toThrow();
  });

  it('a challenge decision records its stamp id', async () => {
    const { storage } = await setup();
    await storage.challenges.insert({
      id: 'chl_s',
      tenantId: A.tenantId,
      environment: A.environment,
      action: 'payment.approve',
      userId: 'u1',
      payload: {},
      digest: 'ab'.repeat(32),
      status: 'pending',
      createdAt: T0,
      expiresAt: T0 + 60_000,
      decidedAt: null,
      deviceId: null,
      method: null,
      proof: null,
      stampRequested: true,
      stampId: null,
      audience: 'payments-api',
      metadata: {},
    });
    expect(await storage.challenges.find(A, 'chl_s')).toMatchObject({
      stampRequested: true,
      stampId: null,
    });
    const decided = await storage.challenges.decide(A, 'chl_s', 'approved', T0 + 1, {
      deviceId: 'dev_1',
      method: 'device',
      proof: 'jws',
      stampId: 'stp_9',
    });
    expect(decided).toMatchObject({ stampRequested: true, stampId: 'stp_9' });
  });

  it('leases due pending stamps to one worker at a time and records outcomes', async () => {
    const { url, storage } = await setup();
    await storage.stamps.insert(
      stamp({ id: 'stp_due', chainStatus: 'pending', chainNextAttemptAt: T0 }),
    );
    await storage.stamps.insert(
      stamp({ id: 'stp_later', chainStatus: 'pending', chainNextAttemptAt: T0 + DAY }),
    );
    await storage.stamps.insert(stamp({ id: 'stp_none' }));
    expect(await storage.stamps.countChainPending()).toBe(2);
    const other = await open(url);
    const [a, b] = await Promise.all([
      storage.stamps.claimChainDue(T0, 10, 60_000),
      other.stamps.claimChainDue(T0, 10, 60_000),
    ]);
    expect([...a, ...b].map((s) => s.id)).toEqual(['stp_due']);
    expect([...a, ...b][0]!.chainLeaseUntil).toBe(T0 + 60_000);
    // Leased: not handed out again until the lease ends.
    expect(await storage.stamps.claimChainDue(T0 + 1, 10, 60_000)).toEqual([]);

    await storage.stamps.recordChainSubmission('stp_due', 31337, '0xabc');
    expect(await storage.stamps.findById('stp_due')).toMatchObject({
      chainId: 31337,
      chainTxHash: '0xabc',
    });
    await storage.stamps.completeChain('stp_due', {
      status: 'pending',
      uid: null,
      txHash: null,
      error: 'rpc down',
      nextAttemptAt: T0 + 5_000,
      now: T0 + 1,
    });
    expect(await storage.stamps.findById('stp_due')).toMatchObject({
      chainStatus: 'pending',
      chainAttempts: 1,
      chainLeaseUntil: null,
      chainTxHash: null,
      chainError: 'rpc down',
      chainNextAttemptAt: T0 + 5_000,
    });
    expect(await storage.stamps.claimChainDue(T0 + 4_999, 10, 60_000)).toEqual([]);
    const [again] = await storage.stamps.claimChainDue(T0 + 5_000, 10, 60_000);
    expect(again?.id).toBe('stp_due');
    await storage.stamps.completeChain('stp_due', {
      status: 'confirmed',
      uid: '0xuid',
      txHash: '0xdef',
      error: null,
      nextAttemptAt: null,
      now: T0 + 6_000,
    });
    expect(await storage.stamps.countChainPending()).toBe(1);
    expect(await storage.stamps.findById('stp_due')).toMatchObject({
      chainStatus: 'confirmed',
      chainAttempts: 2,
      chainUid: '0xuid',
      chainTxHash: '0xdef',
      chainError: null,
      chainConfirmedAt: T0 + 6_000,
    });
    expect(await storage.stamps.claimChainDue(T0 + DAY, 10, 60_000)).toMatchObject([
      { id: 'stp_later' },
    ]);
  });

  it('meters a subject once, whatever the retries', async () => {
    const { storage } = await setup();
    expect(await storage.usage.record(usage(A, 'ph_1'))).toBe(true);
    const first = await storage.usage.findBySubject(A, 'ph_1');
    expect(first).toMatchObject({
      subjectId: 'ph_1',
      billing: 'credit',
      plan: 'pilot',
      day: '2023-11-14',
      method: 'voice',
    });
    expect(await storage.usage.record(usage(A, 'ph_1'))).toBe(false);
    expect(await storage.usage.meteredCount('tnt_a')).toBe(1);
    expect(await storage.usage.findBySubject(A, 'ph_1')).toEqual(first);
    expect(await storage.usage.findBySubject(B, 'ph_1')).toBeNull();
  });

  it('racing instances meter a subject exactly once', async () => {
    const { url, storage } = await setup();
    const others = await Promise.all([open(url), open(url), open(url)]);
    const stores = [storage, ...others];
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        stores[i % stores.length]!.usage.record(usage(A, 'chl_race')),
      ),
    );
    expect(results.filter((r) => r)).toHaveLength(1);
    expect(await storage.usage.meteredCount('tnt_a')).toBe(1);
  });

  it('bills free credits first, then overage on the current plan, exactly at the boundary', async () => {
    const { url, storage } = await setup();
    await storage.tenants.create({
      id: 'tnt_small',
      name: 'Small',
      createdAt: T0,
      plan: 'pilot',
      freeCredits: 5,
    });
    const scope: Scope = { tenantId: 'tnt_small', environment: 'production' };
    const other = await open(url);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 ? storage : other).usage.record(usage(scope, `chl_${i}`)),
      ),
    );
    expect(results.every((r) => r)).toBe(true);
    const billed = await Promise.all(
      Array.from({ length: 12 }, (_, i) => other.usage.findBySubject(scope, `chl_${i}`)),
    );
    expect(billed.filter((r) => r?.billing === 'credit')).toHaveLength(5);
    expect(billed.filter((r) => r?.billing === 'overage')).toHaveLength(7);
    await storage.tenants.setPlan('tnt_small', 'scale');
    expect(await storage.usage.record(usage(scope, 'chl_after'))).toBe(true);
    expect(await storage.usage.findBySubject(scope, 'chl_after')).toMatchObject({
      billing: 'overage',
      plan: 'scale',
    });
    expect(await storage.usage.meteredCount('tnt_small')).toBe(13);
  });

  it('a rolled-back transaction meters nothing', async () => {
    const { storage } = await setup();
    await expect(
      storage.transaction(async (tx) => {
        expect(await tx.usage.record(usage(A, 'chl_rb'))).toBe(true);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await storage.usage.meteredCount('tnt_a')).toBe(0);
    expect(await storage.usage.record(usage(A, 'chl_rb'))).toBe(true);
    expect(await storage.usage.findBySubject(A, 'chl_rb')).toMatchObject({ billing: 'credit' });
  });

  it('counts daily buckets per scope and day range', async () => {
    const { storage } = await setup();
    await storage.usage.record(usage(A, 'a1', T0));
    await storage.usage.record({ ...usage(A, 'a2', T0), method: 'device' });
    await storage.usage.record(usage(A, 'a3', T0 + DAY));
    await storage.usage.record(usage(A, 'a4', T0 + 3 * DAY));
    await storage.usage.record(usage(A_LIVE, 'l1', T0));
    await storage.usage.record(usage(B, 'b1', T0));
    expect(await storage.usage.buckets(A, '2023-11-14', '2023-11-15')).toEqual([
      { day: '2023-11-14', environment: 'sandbox', method: 'device', billing: 'credit', count: 1 },
      { day: '2023-11-14', environment: 'sandbox', method: 'voice', billing: 'credit', count: 1 },
      { day: '2023-11-15', environment: 'sandbox', method: 'voice', billing: 'credit', count: 1 },
    ]);
    expect(await storage.usage.buckets(A_LIVE, '2023-11-01', '2023-11-30')).toEqual([
      {
        day: '2023-11-14',
        environment: 'production',
        method: 'voice',
        billing: 'credit',
        count: 1,
      },
    ]);
    // Credits are the tenant's, across environments.
    expect(await storage.usage.meteredCount('tnt_a')).toBe(5);
    expect(await storage.usage.meteredCount('tnt_b')).toBe(1);
  });
}
