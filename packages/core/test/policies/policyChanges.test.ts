import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPolicy,
  deleteApproverGroup,
  deletePolicy,
  dryRunPolicies,
  findPolicy,
  listPolicies,
  putApproverGroup,
  updatePolicy,
  verifyAuditChain,
  type PolicyInput,
  type Scope,
} from '../../src/index.js';
import { expectKeyraError } from '../support/expectKeyraError.js';
import { CLOCK_START } from '../support/manualClock.js';
import { openTestStorage, tenantScope, type TestStorage } from '../support/testStorage.js';

let db: TestStorage;
let scope: Scope;
const now = CLOCK_START;
const deps = () => ({ storage: db.storage, now });

const bigWires: PolicyInput = {
  name: 'Dual control on big wires',
  match: { action: 'wire.*', conditions: ['payload.amount >= 10000', 'payload.currency in [EUR]'] },
  require: { quorum: 2, groups: ['finance'], methods: ['device'] },
};

beforeEach(async () => {
  db = await openTestStorage();
  scope = await tenantScope(db.storage, 'acme', now);
  await putApproverGroup(scope, 'finance', ['usr_alice', 'usr_bob'], deps());
});
afterEach(async () => db.close());

async function auditTypes(): Promise<{ subject: string; data: Record<string, unknown> }[]> {
  const entries = await db.storage.audit.list(scope.tenantId, { type: 'policy.changed' }, 100);
  return entries.map((entry) => ({ subject: entry.subject, data: entry.data }));
}

describe('policy changes', () => {
  it('create, update, delete: versions kept, each change audited in the chain', async () => {
    const created = await createPolicy(scope, bigWires, deps());
    expect(created).toMatchObject({ version: 1, priority: 100, deletedAt: null });
    expect(created.match.conditions).toEqual([
      { field: 'payload.amount', op: '>=', value: 10_000 },
      { field: 'payload.currency', op: 'in', value: ['EUR'] },
    ]);
    const updated = await updatePolicy(scope, created.id, { require: { quorum: 3 } }, deps());
    expect(updated).toMatchObject({ version: 2, name: bigWires.name, require: { quorum: 3 } });
    expect((await findPolicy(scope, created.id, db.storage.policies, 1)).require.quorum).toBe(2);
    await deletePolicy(scope, created.id, deps());
    await expectKeyraError(findPolicy(scope, created.id, db.storage.policies), 'policy_not_found');
    // History stays readable by version.
    expect((await findPolicy(scope, created.id, db.storage.policies, 2)).deletedAt).toBe(now);
    await expectKeyraError(updatePolicy(scope, created.id, {}, deps()), 'policy_not_found');

    const changes = (await auditTypes()).map((entry) => [entry.subject, entry.data['change']]);
    expect(changes).toEqual([
      ['approver_group:finance', 'group_put'],
      [created.id, 'created'],
      [created.id, 'updated'],
      [created.id, 'deleted'],
    ]);
    expect(
      (await verifyAuditChain(await db.storage.audit.list(scope.tenantId, {}, 100))).intact,
    ).toBe(true);
  });

  it.each<[string, Partial<PolicyInput>, string]>([
    [
      'a condition that does not parse',
      { match: { action: 'wire.*', conditions: ['amount > 5'] } },
      'match.conditions[0]',
    ],
    [
      'an ordering against a list',
      { match: { action: 'x', conditions: [{ field: 'payload.a', op: '>', value: [1] }] } },
      'match.conditions[0]',
    ],
    [
      'in without a list',
      { match: { action: 'x', conditions: [{ field: 'payload.a', op: 'in', value: 1 }] } },
      'match.conditions[0]',
    ],
    [
      'exists with a value',
      { match: { action: 'x', conditions: [{ field: 'payload.a', op: 'exists', value: 1 }] } },
      'match.conditions[0]',
    ],
    ['a bad glob', { match: { action: 'Wire send', conditions: [] } }, 'match.action'],
    ['a quorum of 0', { require: { quorum: 0 } }, 'require.quorum'],
    ['an unknown group', { require: { groups: ['nobody'] } }, 'require.groups'],
    [
      'maxExpiresIn above the challenge limit',
      { require: { maxExpiresIn: 601 } },
      'require.maxExpiresIn',
    ],
    [
      'a fake time zone',
      {
        require: {
          windows: [{ timeZone: 'Mars/Olympus', days: ['mon'], from: '09:00', to: '17:00' }],
        },
      },
      'require.windows[0].timeZone',
    ],
    [
      'a bad time',
      { require: { windows: [{ timeZone: 'UTC', days: ['mon'], from: '9:00', to: '17:00' }] } },
      'require.windows[0].from',
    ],
    [
      'a repeated day',
      {
        require: {
          windows: [{ timeZone: 'UTC', days: ['mon', 'mon'], from: '09:00', to: '17:00' }],
        },
      },
      'require.windows[0].days',
    ],
    [
      'an empty window',
      { require: { windows: [{ timeZone: 'UTC', days: ['mon'], from: '09:00', to: '09:00' }] } },
      'require.windows[0].to',
    ],
    ['repeated methods', { require: { methods: ['device', 'device'] } }, 'require.methods'],
    ['a blank name', { name: '  ' }, 'name'],
  ])(
    'refuses %s with validation_failed naming the field, writing nothing',
    async (_, change, field) => {
      const error = await expectKeyraError(
        createPolicy(scope, { ...bigWires, ...change }, deps()),
        'validation_failed',
      );
      expect(error.details).toEqual([expect.objectContaining({ field })]);
      expect((await listPolicies(db.storage.policies, scope, 10)).data).toEqual([]);
      expect(await auditTypes()).toHaveLength(1);
    },
  );

  it('a malformed update changes nothing', async () => {
    const created = await createPolicy(scope, bigWires, deps());
    await expectKeyraError(
      updatePolicy(
        scope,
        created.id,
        { match: { action: 'wire.*', conditions: ['nope'] } },
        deps(),
      ),
      'validation_failed',
    );
    expect(await findPolicy(scope, created.id, db.storage.policies)).toEqual(created);
  });

  it('lists with a cursor, and another scope sees nothing', async () => {
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c'])
      ids.push((await createPolicy(scope, { ...bigWires, name }, deps())).id);
    const first = await listPolicies(db.storage.policies, scope, 2);
    expect(first.hasMore).toBe(true);
    const second = await listPolicies(db.storage.policies, scope, 2, first.nextCursor ?? '');
    expect([...first.data, ...second.data].map((p) => p.id).sort()).toEqual([...ids].sort());
    const production = { ...scope, environment: 'production' as const };
    expect((await listPolicies(db.storage.policies, production, 10)).data).toEqual([]);
    await expectKeyraError(
      findPolicy(production, ids[0] ?? '', db.storage.policies),
      'policy_not_found',
    );
    await expectKeyraError(
      listPolicies(db.storage.policies, scope, 2, 'garbage!'),
      'invalid_cursor',
    );
  });

  it('a group named by a live policy cannot be deleted; once the policy is gone it can', async () => {
    const created = await createPolicy(scope, bigWires, deps());
    const error = await expectKeyraError(
      deleteApproverGroup(scope, 'finance', deps()),
      'approver_group_in_use',
    );
    expect(error.details).toEqual({ policies: [created.id] });
    await deletePolicy(scope, created.id, deps());
    await deleteApproverGroup(scope, 'finance', deps());
    await expectKeyraError(
      deleteApproverGroup(scope, 'finance', deps()),
      'approver_group_not_found',
    );
    expect((await auditTypes()).at(-1)?.data).toEqual({
      change: 'group_deleted',
      group: 'finance',
    });
  });

  it('validates group names and members', async () => {
    await expectKeyraError(
      putApproverGroup(scope, 'Finance Team', [], deps()),
      'validation_failed',
    );
    await expectKeyraError(
      putApproverGroup(scope, 'ops', ['usr_a', 'usr_a'], deps()),
      'validation_failed',
    );
    await expectKeyraError(
      putApproverGroup(scope, 'ops', ['not a user'], deps()),
      'validation_failed',
    );
    expect(await db.storage.approverGroups.find(scope, 'ops')).toBeNull();
  });

  it('dry run: the first matching rule by priority, reasons for every rule tried, and the refusal a create would get', async () => {
    const low = await createPolicy(
      scope,
      {
        ...bigWires,
        name: 'catch-all',
        priority: 500,
        match: { action: '*' },
        require: { methods: ['device', 'passkey'] },
      },
      deps(),
    );
    const big = await createPolicy(scope, bigWires, deps());
    const small = await dryRunPolicies(
      scope,
      { action: 'wire.send', payload: { amount: 5, currency: 'EUR' } },
      db.storage,
    );
    expect(small.policy).toEqual({ id: low.id, name: 'catch-all', version: 1 });
    expect(small.reasons[0]).toContain('payload.amount >= 10000: payload.amount is 5');
    expect(small.refusal).toBeNull();

    const large = await dryRunPolicies(
      scope,
      { action: 'wire.send', payload: { amount: 20_000, currency: 'EUR' }, userId: 'usr_alice' },
      db.storage,
    );
    expect(large.policy).toEqual({ id: big.id, name: bigWires.name, version: 1 });
    expect(large.requirement).toEqual(bigWires.require);
    expect(large.refusal).toMatchObject({
      code: 'policy_quorum_required',
      details: { policy: { id: big.id, version: 1 }, quorum: 1, requiredQuorum: 2 },
    });
    const outsider = await dryRunPolicies(
      scope,
      {
        action: 'wire.send',
        payload: { amount: 20_000, currency: 'EUR' },
        approvers: ['usr_alice', 'usr_eve'],
        quorum: 2,
      },
      db.storage,
    );
    expect(outsider.refusal).toMatchObject({
      code: 'policy_approver_not_in_group',
      details: { userId: 'usr_eve' },
    });
    const none = await dryRunPolicies(
      scope,
      { action: 'deploy.production' },
      {
        ...db.storage,
        policies: { ...db.storage.policies, listActive: () => Promise.resolve([]) },
      },
    );
    expect(none).toEqual({ policy: null, requirement: null, reasons: [], refusal: null });
  });
});
