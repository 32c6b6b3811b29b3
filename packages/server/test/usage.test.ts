import { createApiKey } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  approve,
  pairSimulator,
  reject,
  signChallenge,
  type PairedSimulator,
} from './helpers/simulator.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('usage metering and GET /v1/usage', () => {
  let t: TestApp;
  let key: string;
  let device: PairedSimulator;

  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
    device = await pairSimulator(t.app, key, 'usr_1');
  });
  afterEach(async () => t.close());

  const usage = async (query = '', apiKey = key) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/usage${query}`,
      headers: bearer(apiKey),
    });
    return { status: res.statusCode, body: res.json() };
  };

  const signedChallenge = (apiKey = key, who = device, decide = approve) =>
    signChallenge(t.app, apiKey, who, { action: 'wire.send', userId: 'usr_1' }, decide);

  const verify = (id: string, body: object, headers: Record<string, string> = {}, apiKey = key) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/challenges/${id}/verify`,
      headers: { ...bearer(apiKey), ...headers },
      payload: body,
    });

  it('a new tenant has 1,000 free proofs and a dense month of empty days', async () => {
    const { status, body } = await usage();
    expect(status).toBe(200);
    expect(body).toMatchObject({
      object: 'usage',
      environment: 'sandbox',
      from: '2026-05-01',
      to: '2026-05-29',
      plan: 'pilot',
      credits: { granted: 1000, used: 0, remaining: 1000 },
      overage: 0,
      totals: {
        verifications: 0,
        credit: 0,
        overage: 0,
        byMethod: { device: 0, passkey: 0, voice: 0 },
      },
    });
    expect(body.days).toHaveLength(29);
    expect(body.days[0]).toEqual({
      date: '2026-05-01',
      verifications: 0,
      credit: 0,
      overage: 0,
      byMethod: { device: 0, passkey: 0, voice: 0 },
    });
  });

  it('meters each approval once: not rejections, not idempotent replays, not losing racers', async () => {
    const first = await signedChallenge();
    const replayKey = { 'idempotency-key': 'verify-1' };
    const original = await verify(first.id, first.body, replayKey);
    expect(original.statusCode).toBe(200);
    const replay = await verify(first.id, first.body, replayKey);
    expect(replay.json()).toEqual(original.json());
    expect((await verify(first.id, first.body)).json().code).toBe('challenge_already_used');

    const raced = await signedChallenge();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => verify(raced.id, raced.body)),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);

    const rejected = await signedChallenge(key, device, reject);
    expect((await verify(rejected.id, rejected.body)).json().status).toBe('rejected');

    const { body } = await usage('?from=2026-05-29&to=2026-05-29');
    expect(body.totals).toEqual({
      verifications: 2,
      credit: 2,
      overage: 0,
      byMethod: { device: 2, passkey: 0, voice: 0 },
    });
    expect(body.days).toEqual([{ date: '2026-05-29', ...body.totals }]);
    expect(body.credits).toEqual({ granted: 1000, used: 2, remaining: 998 });
  });

  it('keeps serving when the free credits run out and reports overage', async () => {
    await t.storage.tenants.create({
      id: 'ten_small',
      name: 'small',
      createdAt: t.clock.now(),
      plan: 'production',
      freeCredits: 2,
    });
    const small = (
      await createApiKey(t.storage, {
        tenantId: 'ten_small',
        environment: 'sandbox',
        audience: 'small',
        now: t.clock.now(),
      })
    ).secret;
    const smallDevice = await pairSimulator(t.app, small, 'usr_1');
    for (let i = 0; i < 3; i++) {
      const c = await signedChallenge(small, smallDevice);
      expect((await verify(c.id, c.body, {}, small)).statusCode).toBe(200);
      t.clock.advance(24 * 3600 * 1000);
    }
    const { body } = await usage('?from=2026-05-29&to=2026-05-31', small);
    expect(body).toMatchObject({
      environment: 'sandbox',
      plan: 'production',
      credits: { granted: 2, used: 2, remaining: 0 },
      overage: 1,
      totals: { verifications: 3, credit: 2, overage: 1 },
    });
    expect(
      body.days.map((d: { credit: number; overage: number }) => [d.credit, d.overage]),
    ).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
    // The other tenant's usage is its own.
    expect((await usage('?from=2026-05-29&to=2026-05-31')).body.totals.verifications).toBe(0);
  });

  it("days are per environment; credits are the tenant's", async () => {
    const c = await signedChallenge();
    await verify(c.id, c.body);
    const live = await t.key('acme', 'production');
    const { body } = await usage('', live);
    expect(body).toMatchObject({
      environment: 'production',
      totals: { verifications: 0 },
      credits: { used: 1, remaining: 999 },
    });
  });

  it.each([
    ['?from=2026-05-30&to=2026-05-01', 'invalid_usage_range'],
    ['?from=2026-02-30', 'validation_failed'],
    ['?from=2024-01-01&to=2026-01-01', 'invalid_usage_range'],
    ['?from=yesterday', 'validation_failed'],
    ['?since=2026-05-01', 'unknown_field'],
  ])('refuses %s with %s', async (query, code) => {
    const { status, body } = await usage(query);
    expect(status).toBe(400);
    expect(body.code).toBe(code);
    expect(body.message).toBeTruthy();
  });

  it('with only `to`, reports from the first of its month; details name the field to change', async () => {
    const { body } = await usage('?to=2026-04-15');
    expect([body.from, body.to, body.days.length]).toEqual(['2026-04-01', '2026-04-15', 15]);
    expect((await usage('?from=2026-05-30&to=2026-05-01')).body.details).toEqual([
      { field: 'from', issue: 'invalid' },
    ]);
  });

  it('needs a key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/usage' });
    expect(res.statusCode).toBe(401);
  });
});
