import { getAssertion, KEYRA_ONE_ORIGIN } from '@keyra/device';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOfShownChallenge } from '../../device/src/cli/signAnswer.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';
import { approve, pairSimulator, reject, type PairedSimulator } from './helpers/simulator.js';

describe('quorum challenges over the API', () => {
  let t: TestApp;
  let key: string;
  let alice: PairedSimulator;
  let bob: PairedSimulator;
  let carol: PairedSimulator;
  let mallory: PairedSimulator;

  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
    alice = await pairSimulator(t.app, key, 'usr_alice');
    bob = await pairSimulator(t.app, key, 'usr_bob');
    carol = await pairSimulator(t.app, key, 'usr_carol');
    mallory = await pairSimulator(t.app, key, 'usr_mallory');
  });
  afterEach(async () => t.close());

  const create = (fields: Record<string, unknown>) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: bearer(key),
      payload: { action: 'wire.send', payload: { amount: 250_000, currency: 'EUR' }, ...fields },
    });
  const get = async (id: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/challenges/${id}`, headers: bearer(key) })
    ).json();
  const vote = (id: string, device: PairedSimulator, digest: string, decide = approve) => {
    const signed = decide(device.state, digest);
    device.state = signed.state;
    return t.app.inject({
      method: 'POST',
      url: `/v1/challenges/${id}/verify`,
      headers: bearer(key),
      payload: { deviceId: device.deviceId, attestation: signed.response },
    });
  };
  const quorum = { approvers: ['usr_alice', 'usr_bob', 'usr_carol'], quorum: 2 };

  it('shows the rule and the votes; a counting vote is 200 pending, the completing one approves', async () => {
    const created = await create(quorum);
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    const pending = await get(id);
    expect(pending).toMatchObject({
      status: 'pending',
      userId: null,
      approvers: ['usr_alice', 'usr_bob', 'usr_carol'],
      quorum: 2,
      rejectOn: 'impossible',
      approvals: [],
      rejections: [],
      remaining: 2,
    });

    t.clock.advance(1000);
    const first = await vote(id, alice, pending.digest);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      id,
      status: 'pending',
      proof: null,
      deviceId: alice.deviceId,
      method: 'device',
      remaining: 1,
      approvals: [
        {
          userId: 'usr_alice',
          deviceId: alice.deviceId,
          method: 'device',
          decidedAt: '2026-05-29T18:40:01Z',
        },
      ],
      stamp: null,
    });
    expect(await get(id)).toMatchObject({ status: 'pending', remaining: 1, decidedAt: null });

    const twice = await vote(id, alice, pending.digest);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('duplicate_vote');
    const stranger = await vote(id, mallory, pending.digest);
    expect(stranger.statusCode).toBe(403);
    expect(stranger.json().code).toBe('not_an_approver');

    t.clock.advance(1000);
    const second = await vote(id, bob, pending.digest);
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json()).toMatchObject({ status: 'approved', remaining: 0 });
    const claims = decodeJwt(second.json().proof);
    expect(claims).toMatchObject({
      sub: id,
      approvers: [
        { sub: 'usr_alice', method: 'device', deviceId: alice.deviceId },
        { sub: 'usr_bob', method: 'device', deviceId: bob.deviceId },
      ],
    });
    const approved = await get(id);
    expect(approved).toMatchObject({
      status: 'approved',
      decidedAt: '2026-05-29T18:40:02Z',
      deviceId: bob.deviceId,
      proof: second.json().proof,
      remaining: 0,
    });
    expect(approved.approvals.map((a: { userId: string }) => a.userId)).toEqual([
      'usr_alice',
      'usr_bob',
    ]);
    const late = await vote(id, carol, pending.digest);
    expect(late.statusCode).toBe(409);
    expect(late.json().code).toBe('challenge_already_used');

    const events = (
      await t.app.inject({ method: 'GET', url: '/v1/events?limit=100', headers: bearer(key) })
    ).json().data as { type: string }[];
    expect(
      events
        .map((event) => event.type)
        .filter((type) => type.startsWith('challenge.'))
        .sort(),
    ).toEqual(['challenge.approval_recorded', 'challenge.approval_recorded', 'challenge.approved']);
    const usage = await t.storage.usage.meteredCount((await t.storage.tenants.list())[0]!.id);
    expect(usage).toBe(1);
  });

  it('rejectOn any: one rejection rejects the challenge', async () => {
    const { id } = (await create({ ...quorum, rejectOn: 'any' })).json();
    const { digest } = await get(id);
    const rejected = await vote(id, carol, digest, reject);
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'rejected', proof: null, remaining: 2 });
    expect(await get(id)).toMatchObject({
      status: 'rejected',
      rejections: [{ userId: 'usr_carol' }],
    });
  });

  it.each([
    ['userId and approvers', { userId: 'usr_alice', ...quorum }, 'approvers'],
    ['neither', {}, 'userId'],
    ['a quorum above the approvers', { approvers: ['usr_a', 'usr_b'], quorum: 3 }, 'quorum'],
    ['a repeated approver', { approvers: ['usr_a', 'usr_a'], quorum: 1 }, 'approvers'],
    ['a quorum without approvers', { userId: 'usr_alice', quorum: 1 }, 'quorum'],
  ])('refuses %s with 400 validation_failed naming the field', async (_name, fields, field) => {
    const response = await create(fields);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().code).toBe('validation_failed');
    expect(response.json().details).toMatchObject([{ field }]);
    expect(await t.storage.challenges.list((await scopeOf()).scope, {}, 10)).toEqual([]);
  });

  it('refuses a malformed approvers list or rejectOn at the schema', async () => {
    for (const fields of [
      { approvers: ['bad id!'], quorum: 1 },
      { approvers: 'usr_alice', quorum: 1 },
      { ...quorum, rejectOn: 'sometimes' },
      { ...quorum, quorum: 0 },
    ]) {
      const response = await create(fields);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().code).toBe('validation_failed');
    }
  });

  async function scopeOf() {
    const [tenant] = await t.storage.tenants.list();
    return { scope: { tenantId: tenant!.id, environment: 'sandbox' as const } };
  }

  async function session(device: PairedSimulator): Promise<string> {
    const options = await t.app.inject({
      method: 'POST',
      url: '/v1/device-api/sessions/options',
      payload: { deviceId: device.deviceId },
    });
    const signed = getAssertion(device.state, options.json(), { origin: KEYRA_ONE_ORIGIN });
    device.state = signed.state;
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/device-api/sessions',
      payload: { deviceId: device.deviceId, response: signed.response },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json().token as string;
  }

  it('the device API shows a quorum to each approver until they vote, with what the digest needs', async () => {
    const { id } = (await create(quorum)).json();
    const { digest } = await get(id);
    const listed = async (device: PairedSimulator, token: string): Promise<string[]> =>
      (
        await t.app.inject({
          method: 'GET',
          url: '/v1/device-api/challenges',
          headers: bearer(token),
        })
      )
        .json()
        .data.map((c: { id: string }) => c.id);
    const tokens = {
      alice: await session(alice),
      bob: await session(bob),
      mallory: await session(mallory),
    };
    const shown = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/device-api/challenges/${id}`,
        headers: bearer(tokens.bob),
      })
    ).json();
    expect(shown).toMatchObject({ userId: null, approvers: quorum.approvers, quorum: 2 });
    // The device recomputes the digest from what it shows: it must be the one approvals sign.
    expect(digestOfShownChallenge(shown)).toBe(digest);
    expect(await listed(alice, tokens.alice)).toEqual([id]);
    expect(await listed(mallory, tokens.mallory)).toEqual([]);
    const hidden = await t.app.inject({
      method: 'GET',
      url: `/v1/device-api/challenges/${id}`,
      headers: bearer(tokens.mallory),
    });
    expect(hidden.statusCode).toBe(404);

    const signed = approve(bob.state, digest);
    bob.state = signed.state;
    const responded = await t.app.inject({
      method: 'POST',
      url: `/v1/device-api/challenges/${id}/respond`,
      headers: bearer(tokens.bob),
      payload: { attestation: signed.response },
    });
    expect(responded.statusCode, responded.body).toBe(200);
    expect(responded.json()).toMatchObject({ status: 'pending', remaining: 1 });
    expect(await listed(bob, tokens.bob)).toEqual([]);
    expect(await listed(alice, tokens.alice)).toEqual([id]);
  });
});
