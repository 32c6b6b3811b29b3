import { getAssertion, KEYRA_ONE_ORIGIN, type AuthenticatorState } from '@keyra/device';
import { formatTimestamp } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';
import { approve, pairSimulator } from './helpers/simulator.js';

describe('device API', () => {
  let t: TestApp;
  let key: string;
  let device: Awaited<ReturnType<typeof pairSimulator>>;

  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
    device = await pairSimulator(t.app, key, 'usr_8f2a');
  });
  afterEach(async () => t.close());

  async function signIn(
    state: AuthenticatorState,
    deviceId = device.deviceId,
  ): Promise<{ token: string; state: AuthenticatorState }> {
    const options = await t.app.inject({
      method: 'POST',
      url: '/v1/device-api/sessions/options',
      payload: { deviceId },
    });
    expect(options.statusCode, options.body).toBe(200);
    const signed = getAssertion(state, options.json(), { origin: KEYRA_ONE_ORIGIN });
    const session = await t.app.inject({
      method: 'POST',
      url: '/v1/device-api/sessions',
      payload: { deviceId, response: signed.response },
    });
    expect(session.statusCode, session.body).toBe(201);
    return { token: session.json().token, state: signed.state };
  }

  const createChallenge = (userId = 'usr_8f2a') =>
    t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: bearer(key),
      payload: { action: 'deploy.production', userId, payload: { service: 'api', sha: 'abc123' } },
    });

  it('signs in with the device credential, lists what to show, and answers directly', async () => {
    const { token, state } = await signIn(device.state);
    expect(token).toMatch(/^dst_/);
    const created = (await createChallenge()).json();
    await createChallenge('usr_other');
    const list = await t.app.inject({
      method: 'GET',
      url: '/v1/device-api/challenges',
      headers: bearer(token),
    });
    expect(list.json().data).toEqual([
      {
        id: created.id,
        status: 'pending',
        action: 'deploy.production',
        userId: 'usr_8f2a',
        payload: { service: 'api', sha: 'abc123' },
        createdAt: expect.any(String),
        expiresAt: created.expiresAt,
      },
    ]);
    const full = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/challenges/${created.id}`,
        headers: bearer(key),
      })
    ).json();
    const answer = await t.app.inject({
      method: 'POST',
      url: `/v1/device-api/challenges/${created.id}/respond`,
      headers: bearer(token),
      payload: { attestation: approve(state, full.digest).response },
    });
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({
      status: 'approved',
      deviceId: device.deviceId,
      method: 'device',
    });
  });

  it('records when a device first fetched a pending challenge, once (shownAt)', async () => {
    const { token } = await signIn(device.state);
    const created = (await createChallenge()).json();
    const other = (await createChallenge('usr_other')).json();
    const read = async (id: string) =>
      (
        await t.app.inject({ method: 'GET', url: `/v1/challenges/${id}`, headers: bearer(key) })
      ).json();
    expect(created).not.toHaveProperty('shownAt');
    // Reading it with the API key is not showing it on a device.
    expect(await read(created.id)).not.toHaveProperty('shownAt');

    const shownAt = formatTimestamp(t.clock.now());
    const list = () =>
      t.app.inject({ method: 'GET', url: '/v1/device-api/challenges', headers: bearer(token) });
    expect((await list()).statusCode).toBe(200);
    expect((await read(created.id)).shownAt).toBe(shownAt);
    expect(await read(other.id)).not.toHaveProperty('shownAt');

    // Later fetches, listed or one by one, keep the first time.
    t.clock.advance(5000);
    expect((await list()).statusCode).toBe(200);
    const one = await t.app.inject({
      method: 'GET',
      url: `/v1/device-api/challenges/${created.id}`,
      headers: bearer(token),
    });
    expect(one.statusCode).toBe(200);
    expect((await read(created.id)).shownAt).toBe(shownAt);

    // Fetching one by id marks it too.
    const second = (await createChallenge()).json();
    await t.app.inject({
      method: 'GET',
      url: `/v1/device-api/challenges/${second.id}`,
      headers: bearer(token),
    });
    expect((await read(second.id)).shownAt).toBe(formatTimestamp(t.clock.now()));
  });

  it('long-polls until a challenge for the user appears', async () => {
    const { token } = await signIn(device.state);
    const started = Date.now();
    const poll = t.app.inject({
      method: 'GET',
      url: '/v1/device-api/challenges?wait=10',
      headers: bearer(token),
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const created = (await createChallenge()).json();
    const res = await poll;
    expect(res.json().data.map((c: { id: string }) => c.id)).toEqual([created.id]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('answers a waiting long-poll at once when the server shuts down', async () => {
    const { token } = await signIn(device.state);
    const poll = t.app.inject({
      method: 'GET',
      url: '/v1/device-api/challenges?wait=25',
      headers: bearer(token),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await t.app.close();
    const res = await poll;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: [] });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('returns an empty list when the wait elapses', async () => {
    const { token } = await signIn(device.state);
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/device-api/challenges?wait=1',
      headers: bearer(token),
    });
    expect(res.json()).toEqual({ data: [] });
  });

  it('refuses forged, tampered and missing session tokens, and the tenant key', async () => {
    const { token } = await signIn(device.state);
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    for (const header of [{}, bearer('dst_abc.def'), bearer(tampered), bearer(key)]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/device-api/challenges',
        headers: header,
      });
      expect(res.statusCode).toBe(401);
    }
  });

  it('ends a revoked device’s session and refuses a new one', async () => {
    const { token, state } = await signIn(device.state);
    await t.app.inject({
      method: 'DELETE',
      url: `/v1/devices/${device.deviceId}`,
      headers: bearer(key),
    });
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/v1/device-api/challenges',
          headers: bearer(token),
        })
      ).statusCode,
    ).toBe(401);
    const options = await t.app.inject({
      method: 'POST',
      url: '/v1/device-api/sessions/options',
      payload: { deviceId: device.deviceId },
    });
    expect(options.json().code).toBe('device_not_found');
    expect(state).toBeDefined();
  });

  it('does not let a device sign in as another device', async () => {
    const other = await pairSimulator(t.app, key, 'usr_8f2a');
    const options = await t.app.inject({
      method: 'POST',
      url: '/v1/device-api/sessions/options',
      payload: { deviceId: device.deviceId },
    });
    const signed = getAssertion(
      other.state,
      { ...options.json(), allowCredentials: [] },
      { origin: KEYRA_ONE_ORIGIN },
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/device-api/sessions',
      payload: { deviceId: device.deviceId, response: signed.response },
    });
    expect(res.statusCode).toBe(422);
  });

  it('hides other users’ challenges', async () => {
    const { token } = await signIn(device.state);
    const other = (await createChallenge('usr_other')).json();
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/device-api/challenges/${other.id}`,
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(404);
  });
});
