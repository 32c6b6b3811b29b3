import type { ChallengeRecord, PolicyRecord, Scope } from '@keyra/core';
import { expect, it } from 'vitest';
import type { DatabaseStorage } from '../src/index.js';

const T0 = 1_700_000_000_000;
const A: Scope = { tenantId: 'tnt_a', environment: 'sandbox' };
const LIVE_A: Scope = { tenantId: 'tnt_a', environment: 'production' };
const B: Scope = { tenantId: 'tnt_b', environment: 'sandbox' };

type Setup = () => Promise<{ url: string; storage: DatabaseStorage }>;

function policy(overrides: Partial<PolicyRecord> & { id: string }): PolicyRecord {
  return {
    ...A,
    name: `rule ${overrides.id}`,
    description: null,
    priority: 100,
    version: 1,
    match: { action: 'wire.*', conditions: [{ field: 'payload.amount', op: '>=', value: 10_000 }] },
    require: { quorum: 2, groups: ['finance'], methods: ['device'] },
    createdAt: T0,
    updatedAt: T0,
    deletedAt: null,
    ...overrides,
  };
}

function challenge(id: string, overrides: Partial<ChallengeRecord> = {}): ChallengeRecord {
  return {
    id,
    ...A,
    action: 'wire.send',
    userId: 'usr_a',
    payload: { amount: 25_000 },
    digest: 'ab'.repeat(32),
    status: 'pending',
    createdAt: T0,
    expiresAt: T0 + 60_000,
    decidedAt: null,
    deviceId: null,
    method: null,
    proof: null,
    stampRequested: false,
    stampId: null,
    audience: 'payments-api',
    metadata: {},
    ...overrides,
  };
}

/** Versioned policies, approver groups, and the policy a challenge was created under (0012). */
export function policyContract(setup: Setup): void {
  it('keeps every version: update appends, find reads the current or any version, delete keeps history', async () => {
    const { storage } = await setup();
    const v1 = policy({ id: 'pol_1' });
    await storage.policies.create(v1);
    expect(await storage.policies.find(A, 'pol_1')).toEqual(v1);

    const v2 = { ...v1, version: 2, name: 'renamed', require: { quorum: 3 }, updatedAt: T0 + 5 };
    expect(await storage.policies.update(A, v2)).toEqual(v2);
    // A change made from version 1 again lost the race: nothing is written.
    expect(await storage.policies.update(A, { ...v2, name: 'stale' })).toBeNull();
    expect(await storage.policies.find(A, 'pol_1')).toEqual(v2);
    expect(await storage.policies.find(A, 'pol_1', 1)).toEqual(v1);
    expect(await storage.policies.find(A, 'pol_1', 3)).toBeNull();

    expect(await storage.policies.delete(A, 'pol_1', T0 + 9)).toEqual({ ...v2, deletedAt: T0 + 9 });
    expect(await storage.policies.delete(A, 'pol_1', T0 + 10)).toBeNull();
    expect(await storage.policies.find(A, 'pol_1')).toBeNull();
    expect(await storage.policies.find(A, 'pol_1', 1)).toEqual({ ...v1, deletedAt: T0 + 9 });
    expect(await storage.policies.listActive(A)).toEqual([]);
    expect(await storage.policies.update(A, { ...v2, version: 3, updatedAt: T0 + 11 })).toBeNull();
  });

  it('lists live policies newest first with a keyset, and only in their scope', async () => {
    const { storage } = await setup();
    for (const [index, id] of ['pol_a', 'pol_b', 'pol_c'].entries())
      await storage.policies.create(policy({ id, createdAt: T0 + index }));
    await storage.policies.create(policy({ id: 'pol_live', ...LIVE_A }));
    await storage.policies.create(policy({ id: 'pol_other', ...B }));
    await storage.policies.delete(A, 'pol_b', T0 + 50);

    const first = await storage.policies.list(A, 1);
    expect(first.map((p) => p.id)).toEqual(['pol_c']);
    const rest = await storage.policies.list(A, 10, first[0]);
    expect(rest.map((p) => p.id)).toEqual(['pol_a']);
    expect((await storage.policies.listActive(A)).map((p) => p.id)).toEqual(['pol_a', 'pol_c']);
    expect((await storage.policies.listActive(LIVE_A)).map((p) => p.id)).toEqual(['pol_live']);
    // Another tenant's or environment's policy is invisible, whatever the version asked for.
    expect(await storage.policies.find(A, 'pol_other')).toBeNull();
    expect(await storage.policies.find(A, 'pol_live', 1)).toBeNull();
    expect(await storage.policies.delete(A, 'pol_other', T0)).toBeNull();
    expect(await storage.policies.update(A, policy({ id: 'pol_live', version: 2 }))).toBeNull();
    expect(await storage.policies.find(LIVE_A, 'pol_live')).toMatchObject({ version: 1 });
  });

  it('approver groups: put creates or replaces members, per scope, by name', async () => {
    const { storage } = await setup();
    const group = {
      ...A,
      name: 'finance',
      members: ['usr_b', 'usr_a'],
      createdAt: T0,
      updatedAt: T0,
    };
    expect(await storage.approverGroups.put(group)).toEqual(group);
    const replaced = await storage.approverGroups.put({
      ...group,
      members: ['usr_c'],
      createdAt: T0 + 7,
      updatedAt: T0 + 7,
    });
    expect(replaced).toEqual({ ...group, members: ['usr_c'], updatedAt: T0 + 7 });
    await storage.approverGroups.put({ ...group, ...B, name: 'finance', members: ['usr_x'] });
    await storage.approverGroups.put({ ...group, name: 'eng', members: [] });
    expect((await storage.approverGroups.list(A)).map((g) => g.name)).toEqual(['eng', 'finance']);
    expect(await storage.approverGroups.find(A, 'finance')).toEqual(replaced);
    expect(await storage.approverGroups.find(LIVE_A, 'finance')).toBeNull();
    expect(await storage.approverGroups.delete(A, 'finance')).toBe(true);
    expect(await storage.approverGroups.delete(A, 'finance')).toBe(false);
    expect(await storage.approverGroups.find(B, 'finance')).toMatchObject({ members: ['usr_x'] });
  });

  it('stores the policy a challenge was created under; a challenge without one keeps its shape', async () => {
    const { storage } = await setup();
    const under = challenge('chl_p', {
      policy: {
        id: 'pol_1',
        name: 'big wires',
        version: 4,
        requirement: {
          quorum: 2,
          windows: [{ timeZone: 'UTC', days: ['mon'], from: '09:00', to: '17:00' }],
        },
      },
    });
    await storage.challenges.insert(under);
    await storage.challenges.insert(challenge('chl_n'));
    expect(await storage.challenges.find(A, 'chl_p')).toEqual(under);
    const plain = await storage.challenges.find(A, 'chl_n');
    expect(plain).toEqual(challenge('chl_n'));
    expect(plain).not.toHaveProperty('policy');
  });
}
