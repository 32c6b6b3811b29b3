import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

const bigWires = {
  name: 'Dual control on big wires',
  match: { action: 'wire.*', conditions: ['payload.amount >= 10000', 'payload.currency in [EUR]'] },
  require: { quorum: 2, groups: ['finance'], methods: ['device'] },
};

describe('policies API', () => {
  let t: TestApp;
  let live: string;
  let sandbox: string;
  let other: string;
  beforeAll(async () => {
    t = await createTestApp();
    live = await t.key('acme', 'production');
    sandbox = await t.key('acme', 'sandbox');
    other = await t.key('globex', 'production');
  });
  afterAll(async () => t.close());

  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    key = live,
  ) =>
    t.app.inject({
      method,
      url,
      headers: bearer(key),
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const auditCount = async (key = live) =>
    ((await call('GET', '/v1/audit?type=policy.changed', undefined, key)).json().data as unknown[])
      .length;

  it('groups and policies: create, read by version, change, list, evaluate, delete; each change audited', async () => {
    const group = await call('PUT', '/v1/approver_groups/finance', {
      members: ['usr_alice', 'usr_bob'],
    });
    expect(group.statusCode, group.body).toBe(200);
    expect(group.json()).toMatchObject({ name: 'finance', members: ['usr_alice', 'usr_bob'] });

    const created = await call('POST', '/v1/policies', bigWires);
    expect(created.statusCode, created.body).toBe(201);
    const policy = created.json();
    expect(policy).toMatchObject({
      id: expect.stringMatching(/^pol_/),
      version: 1,
      priority: 100,
      deletedAt: null,
      match: {
        action: 'wire.*',
        conditions: [
          { field: 'payload.amount', op: '>=', value: 10000 },
          { field: 'payload.currency', op: 'in', value: ['EUR'] },
        ],
      },
    });

    const changed = await call('PATCH', `/v1/policies/${policy.id}`, {
      require: { quorum: 2, groups: ['finance'] },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({
      version: 2,
      name: bigWires.name,
      require: { quorum: 2, groups: ['finance'] },
    });
    expect((await call('GET', `/v1/policies/${policy.id}?version=1`)).json().require).toEqual(
      bigWires.require,
    );
    expect((await call('GET', `/v1/policies/${policy.id}`)).json().version).toBe(2);
    expect((await call('GET', `/v1/policies/${policy.id}?version=3`)).statusCode).toBe(404);

    const evaluated = await call('POST', '/v1/policies/evaluate', {
      action: 'wire.send',
      payload: { amount: 25000, currency: 'EUR' },
      userId: 'usr_alice',
    });
    expect(evaluated.statusCode, evaluated.body).toBe(200);
    expect(evaluated.json()).toMatchObject({
      policy: { id: policy.id, version: 2 },
      requirement: { quorum: 2 },
      refusal: { code: 'policy_quorum_required' },
    });
    expect(evaluated.json().reasons[0]).toContain('matches');
    const miss = (
      await call('POST', '/v1/policies/evaluate', { action: 'wire.send', payload: { amount: 5 } })
    ).json();
    expect(miss).toMatchObject({ policy: null, requirement: null, refusal: null });
    expect(miss.reasons[0]).toContain('payload.amount is 5');

    // The group is in use: it cannot go while the policy names it.
    const inUse = await call('DELETE', '/v1/approver_groups/finance');
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json()).toMatchObject({
      code: 'approver_group_in_use',
      details: { policies: [policy.id] },
    });

    const deleted = await call('DELETE', `/v1/policies/${policy.id}`);
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().deletedAt).not.toBeNull();
    expect((await call('GET', `/v1/policies/${policy.id}`)).statusCode).toBe(404);
    expect((await call('GET', `/v1/policies/${policy.id}?version=2`)).statusCode).toBe(200);
    expect((await call('DELETE', '/v1/approver_groups/finance')).statusCode).toBe(200);
    expect((await call('GET', '/v1/approver_groups/finance')).statusCode).toBe(404);
    expect(await auditCount()).toBe(5);
  });

  it('challenges show the policy they were created under, or null; a refused create stores nothing', async () => {
    await call('PUT', '/v1/approver_groups/ops', { members: ['usr_ops1', 'usr_ops2'] });
    const rule = (
      await call('POST', '/v1/policies', {
        name: 'prod deploys',
        match: { action: 'deploy.production' },
        require: { quorum: 2, groups: ['ops'], maxExpiresIn: 300, stamp: true },
      })
    ).json();
    const refused = await call('POST', '/v1/challenges', {
      action: 'deploy.production',
      userId: 'usr_ops1',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      code: 'policy_quorum_required',
      details: { policy: { id: rule.id, name: 'prod deploys', version: 1 } },
    });
    const tooLong = await call('POST', '/v1/challenges', {
      action: 'deploy.production',
      approvers: ['usr_ops1', 'usr_ops2'],
      quorum: 2,
      expiresIn: 600,
    });
    expect(tooLong.json()).toMatchObject({ code: 'policy_expires_in_too_long' });
    const before = (await call('GET', '/v1/challenges?action=deploy.production')).json().data;
    expect(before).toEqual([]);

    const ok = await call('POST', '/v1/challenges', {
      action: 'deploy.production',
      approvers: ['usr_ops1', 'usr_ops2'],
      quorum: 2,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const shown = (await call('GET', `/v1/challenges/${ok.json().id}`)).json();
    expect(shown.policy).toEqual({
      id: rule.id,
      name: 'prod deploys',
      version: 1,
      requirement: { quorum: 2, groups: ['ops'], maxExpiresIn: 300, stamp: true },
    });
    expect(shown.stampRequested).toBe(true);
    const plain = await call('POST', '/v1/challenges', {
      action: 'payment.approve',
      userId: 'usr_1',
    });
    expect((await call('GET', `/v1/challenges/${plain.json().id}`)).json().policy).toBeNull();
  });

  it('lists with a cursor', async () => {
    const ids: string[] = [];
    for (const name of ['p1', 'p2', 'p3'])
      ids.push(
        (
          await call(
            'POST',
            '/v1/policies',
            { name, match: { action: 'list.test' }, require: {} },
            other,
          )
        ).json().id,
      );
    const first = (await call('GET', '/v1/policies?limit=2', undefined, other)).json();
    expect(first.data).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const second = (
      await call('GET', `/v1/policies?limit=2&cursor=${first.nextCursor}`, undefined, other)
    ).json();
    expect([...first.data, ...second.data].map((p: { id: string }) => p.id).sort()).toEqual(
      ids.sort(),
    );
    expect((await call('GET', '/v1/policies?cursor=forged', undefined, other)).statusCode).toBe(
      400,
    );
  });

  describe('attacks', () => {
    it("another tenant's policy is invisible and untouchable", async () => {
      const mine = (
        await call('POST', '/v1/policies', { name: 'mine', match: { action: 'x.y' }, require: {} })
      ).json();
      for (const [method, url, body] of [
        ['GET', `/v1/policies/${mine.id}`, undefined],
        ['PATCH', `/v1/policies/${mine.id}`, { name: 'stolen' }],
        ['DELETE', `/v1/policies/${mine.id}`, undefined],
      ] as const) {
        const answer = await call(method, url, body, other);
        expect(answer.statusCode, `${method} ${url}`).toBe(404);
        expect(answer.json().code).toBe('policy_not_found');
      }
      const theirs = (await call('GET', '/v1/policies', undefined, other)).json().data;
      expect(theirs.map((p: { id: string }) => p.id)).not.toContain(mine.id);
      expect((await call('GET', `/v1/policies/${mine.id}`)).json()).toMatchObject({
        name: 'mine',
        version: 1,
      });
    });

    it('a sandbox key cannot read or change production policies or groups', async () => {
      const prod = (
        await call('POST', '/v1/policies', {
          name: 'prod only',
          match: { action: 'a.b' },
          require: {},
        })
      ).json();
      await call('PUT', '/v1/approver_groups/prodgroup', { members: ['usr_x'] });
      expect((await call('GET', `/v1/policies/${prod.id}`, undefined, sandbox)).statusCode).toBe(
        404,
      );
      expect(
        (await call('PATCH', `/v1/policies/${prod.id}`, { name: 'x' }, sandbox)).statusCode,
      ).toBe(404);
      expect((await call('DELETE', `/v1/policies/${prod.id}`, undefined, sandbox)).statusCode).toBe(
        404,
      );
      expect(
        (await call('GET', '/v1/approver_groups/prodgroup', undefined, sandbox)).statusCode,
      ).toBe(404);
      expect(
        (await call('DELETE', '/v1/approver_groups/prodgroup', undefined, sandbox)).statusCode,
      ).toBe(404);
      // A sandbox policy does not apply to production challenges either.
      await call(
        'POST',
        '/v1/policies',
        { name: 'sandbox', match: { action: 'sbx.*' }, require: { quorum: 2 } },
        sandbox,
      );
      expect(
        (await call('POST', '/v1/challenges', { action: 'sbx.one', userId: 'usr_1' })).statusCode,
      ).toBe(201);
      expect((await call('GET', `/v1/policies/${prod.id}`)).json().version).toBe(1);
    });

    it('malformed conditions and requirements answer 400 and change nothing', async () => {
      const audited = await auditCount();
      const listed = (await call('GET', '/v1/policies?limit=100')).json().data.length;
      for (const body of [
        { ...bigWires, match: { action: 'wire.*', conditions: ['payload.amount >>= 1'] } },
        {
          ...bigWires,
          match: { action: 'wire.*', conditions: [{ field: 'userId', op: '==', value: 'x' }] },
        },
        {
          ...bigWires,
          match: { action: 'wire.*', conditions: [{ field: 'payload.a', op: 'like', value: 'x' }] },
        },
        { ...bigWires, match: { action: 'wire.*', conditions: ['payload.a in []'] } },
        { ...bigWires, require: { groups: ['nobody'] } },
        {
          ...bigWires,
          require: {
            windows: [{ timeZone: 'Nowhere/City', days: ['mon'], from: '09:00', to: '17:00' }],
          },
        },
        { ...bigWires, require: { methods: ['telepathy'] } },
        { ...bigWires, unexpected: true },
      ]) {
        const answer = await call('POST', '/v1/policies', body);
        expect(answer.statusCode, JSON.stringify(body)).toBe(400);
        expect(['validation_failed', 'unknown_field']).toContain(answer.json().code);
      }
      const existing = (
        await call('POST', '/v1/policies', { name: 'keep', match: { action: 'k.k' }, require: {} })
      ).json();
      const patched = await call('PATCH', `/v1/policies/${existing.id}`, {
        match: { action: 'k.k', conditions: ['nonsense'] },
      });
      expect(patched.statusCode).toBe(400);
      expect((await call('GET', `/v1/policies/${existing.id}`)).json().version).toBe(1);
      expect(await auditCount()).toBe(audited + 1);
      expect((await call('GET', '/v1/policies?limit=100')).json().data.length).toBe(listed + 1);
      expect((await call('GET', '/v1/policies/not-an-id')).json().code).toBe('invalid_id');
    });
  });
});
