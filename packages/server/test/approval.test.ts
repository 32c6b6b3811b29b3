import { createLocalJWKSet, jwtVerify } from 'jose';
import { challengeDigest, payloadDigest, verifyChallenge } from '@keyra/core';
import { loadApprovalServices } from '../src/approval/loadApprovalServices.js';
import { setSignCount } from '@keyra/device';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';
import { approve, pairSimulator, reject } from './helpers/simulator.js';

describe('human approval with a KEYRA ONE simulator', () => {
  let t: TestApp;
  let key: string;
  let device: Awaited<ReturnType<typeof pairSimulator>>;

  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
    device = await pairSimulator(t.app, key, 'usr_8f2a');
    expect(device.status).toBe(201);
  });
  afterEach(async () => t.close());

  async function newChallenge(body: Record<string, unknown> = {}) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: bearer(key),
      payload: {
        action: 'transfer.approve',
        userId: 'usr_8f2a',
        payload: { amount: 12500, currency: 'USD' },
        ...body,
      },
    });
    const id = res.json().id as string;
    const full = (
      await t.app.inject({ method: 'GET', url: `/v1/challenges/${id}`, headers: bearer(key) })
    ).json();
    return { id, digest: full.digest as string, full };
  }

  const verify = (id: string, body: unknown, apiKey = key) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/challenges/${id}/verify`,
      headers: bearer(apiKey),
      payload: body as object,
    });

  it('pairs a trusted KEYRA ONE and records device.paired', async () => {
    expect(device.body).toMatchObject({
      deviceId: expect.stringMatching(/^dev_/),
      userId: 'usr_8f2a',
      kind: 'keyra_one',
      status: 'active',
      attestation: {
        format: 'packed',
        trusted: true,
        rootFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    const tenant = await t.storage.tenants.findByName('acme');
    const events = await t.storage.events.list(
      { tenantId: tenant!.id, environment: 'sandbox' },
      10,
    );
    expect(events.map((e) => e.type)).toEqual(['device.paired']);
    expect(events[0]!.data).toMatchObject({ deviceId: device.deviceId, userId: 'usr_8f2a' });
    const listed = (
      await t.app.inject({
        method: 'GET',
        url: '/v1/devices?userId=usr_8f2a',
        headers: bearer(key),
      })
    ).json();
    expect(listed.data.map((d: { deviceId: string }) => d.deviceId)).toEqual([device.deviceId]);
  });

  it('approves a payload-bound challenge and returns a proof verifiable with the JWKS', async () => {
    const { id, digest } = await newChallenge();
    const signed = approve(device.state, digest);
    const res = await verify(id, { deviceId: device.deviceId, attestation: signed.response });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id,
      status: 'approved',
      deviceId: device.deviceId,
      method: 'device',
    });
    const jwks = (await t.app.inject('/.well-known/jwks.json')).json();
    const { payload, protectedHeader } = await jwtVerify(body.proof, createLocalJWKSet(jwks), {
      algorithms: ['ES256'],
      audience: 'acme',
      currentDate: new Date(t.clock.now()),
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'keyra-proof+jwt' });
    expect(payload).toMatchObject({
      iss: t.config.publicUrl,
      sub: 'usr_8f2a',
      challengeId: id,
      action: 'transfer.approve',
      challengeDigest: digest,
      payloadDigest: payloadDigest({ amount: 12500, currency: 'USD' }),
      method: 'device',
      deviceId: device.deviceId,
      env: 'sandbox',
      // The key's audience defaults to its tenant's name; a proof lives a day by default.
      aud: 'acme',
      iat: t.clock.now() / 1000,
      exp: t.clock.now() / 1000 + 86_400,
    });
    expect(payload.jti).toMatch(/^prf_/);
    const after = (
      await t.app.inject({ method: 'GET', url: `/v1/challenges/${id}`, headers: bearer(key) })
    ).json();
    expect(after).toMatchObject({
      status: 'approved',
      deviceId: device.deviceId,
      method: 'device',
      proof: body.proof,
    });
    const tenant = await t.storage.tenants.findByName('acme');
    const events = await t.storage.events.list(
      { tenantId: tenant!.id, environment: 'sandbox' },
      10,
    );
    expect(events.find((e) => e.type === 'challenge.approved')).toMatchObject({
      type: 'challenge.approved',
      data: { challengeId: id, deviceId: device.deviceId },
    });
  });

  it("binds the proof to the challenge's own audience and echoes metadata, never signing it", async () => {
    const metadata = { orderId: 'ord_1042', 'team.name': 'payments' };
    const { id, digest, full } = await newChallenge({ audience: 'https://bank.example', metadata });
    expect(full).toMatchObject({ audience: 'https://bank.example', metadata });
    // Metadata is not part of what the human signs.
    const plain = await newChallenge();
    expect(plain.full).toMatchObject({ audience: 'acme', metadata: {} });
    const signed = approve(device.state, digest);
    const body = (
      await verify(id, { deviceId: device.deviceId, attestation: signed.response })
    ).json();
    const jwks = (await t.app.inject('/.well-known/jwks.json')).json();
    const at = { currentDate: new Date(t.clock.now()) };
    await expect(
      jwtVerify(body.proof, createLocalJWKSet(jwks), { ...at, audience: 'https://bank.example' }),
    ).resolves.toBeTruthy();
    await expect(
      jwtVerify(body.proof, createLocalJWKSet(jwks), { ...at, audience: 'acme' }),
    ).rejects.toThrow(/aud/);
    const tenant = await t.storage.tenants.findByName('acme');
    const events = await t.storage.events.list(
      { tenantId: tenant!.id, environment: 'sandbox' },
      10,
    );
    expect(events.find((e) => e.type === 'challenge.approved')?.data).toMatchObject({ metadata });
  });

  it('records an explicit signed rejection as rejected, without a proof', async () => {
    const { id, digest } = await newChallenge();
    const res = await verify(id, {
      deviceId: device.deviceId,
      attestation: reject(device.state, digest).response,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'rejected', proof: null });
  });

  it('refuses a replay of the same approval with 409 challenge_already_used', async () => {
    const { id, digest } = await newChallenge();
    const signed = approve(device.state, digest);
    expect(
      (await verify(id, { deviceId: device.deviceId, attestation: signed.response })).statusCode,
    ).toBe(200);
    const again = await verify(id, { deviceId: device.deviceId, attestation: signed.response });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('challenge_already_used');
    // A fresh, valid signature cannot decide it twice either.
    const fresh = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(signed.state, digest).response,
    });
    expect(fresh.json().code).toBe('challenge_already_used');
  });

  it('refuses an approval signed for another challenge', async () => {
    const first = await newChallenge();
    const second = await newChallenge({ payload: { amount: 1, currency: 'USD' } });
    const res = await verify(second.id, {
      deviceId: device.deviceId,
      attestation: approve(device.state, first.digest).response,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('attestation_invalid');
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/v1/challenges/${second.id}`,
          headers: bearer(key),
        })
      ).json().status,
    ).toBe('pending');
  });

  it('refuses a signature over a tampered payload', async () => {
    const { id, full } = await newChallenge();
    // The device is shown a different amount than the server holds: its digest differs.
    const forged = challengeDigest({
      id,
      action: full.action,
      userId: full.userId,
      payload: { amount: 99, currency: 'USD' },
      expiresAt: Date.parse(full.expiresAt),
    });
    const res = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(device.state, forged).response,
    });
    expect(res.json().code).toBe('attestation_invalid');
  });

  it('refuses a tampered signature, authenticator data or client data', async () => {
    const { id, digest } = await newChallenge();
    const signed = approve(device.state, digest).response;
    const flip = (b64: string): string => {
      const bytes = Buffer.from(b64, 'base64url');
      bytes[bytes.length - 1]! ^= 0x01;
      return bytes.toString('base64url');
    };
    for (const field of ['signature', 'authenticatorData', 'clientDataJSON'] as const) {
      const tampered = {
        ...signed,
        response: { ...signed.response, [field]: flip(signed.response[field]) },
      };
      const res = await verify(id, { deviceId: device.deviceId, attestation: tampered });
      expect(res.statusCode, field).toBe(422);
    }
  });

  it('refuses a wrong origin or rpId', async () => {
    const { id, digest } = await newChallenge();
    const wrongOrigin = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(device.state, digest, { origin: 'https://evil.example' }).response,
    });
    expect(wrongOrigin.json().code).toBe('attestation_invalid');
    const passkeyOrigin = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(device.state, digest, { origin: 'http://localhost:3000' }).response,
    });
    expect(passkeyOrigin.json().code).toBe('attestation_invalid');
    // The device's own key, but signing for another relying party (as a cloned key used elsewhere would).
    const elsewhere = {
      ...device.state,
      credentials: device.state.credentials.map((credential) => ({
        ...credential,
        rpId: 'evil.example',
      })),
    };
    const wrongRp = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(elsewhere, digest, { rpId: 'evil.example' }).response,
    });
    expect(wrongRp.json().code).toBe('attestation_invalid');
  });

  it('requires user verification', async () => {
    const { id, digest } = await newChallenge();
    const res = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(device.state, digest, { userVerified: false }).response,
    });
    expect(res.json().code).toBe('attestation_invalid');
  });

  it('refuses another tenant’s or environment’s device as not found, another user’s device as invalid', async () => {
    const { id, digest } = await newChallenge();
    const otherKey = await t.key('globex');
    const other = await pairSimulator(t.app, otherKey, 'usr_8f2a');
    const res = await verify(id, {
      deviceId: other.deviceId,
      attestation: approve(other.state, digest).response,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('device_not_found');
    const mallory = await pairSimulator(t.app, key, 'usr_mallory');
    const stolen = await verify(id, {
      deviceId: mallory.deviceId,
      attestation: approve(mallory.state, digest).response,
    });
    expect(stolen.json().code).toBe('attestation_invalid');
    // Claiming the right device id with another credential's signature.
    const swapped = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(mallory.state, digest).response,
    });
    expect(swapped.json().code).toBe('attestation_invalid');
  });

  it('never accepts a revoked device again', async () => {
    const { id, digest } = await newChallenge();
    const revoked = await t.app.inject({
      method: 'DELETE',
      url: `/v1/devices/${device.deviceId}`,
      headers: bearer(key),
    });
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    const res = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(device.state, digest).response,
    });
    expect(res.json().code).toBe('attestation_invalid');
  });

  it('disables a device whose signature counter goes backwards (possible clone)', async () => {
    const first = await newChallenge();
    const signed = approve(device.state, first.digest);
    expect(
      (await verify(first.id, { deviceId: device.deviceId, attestation: signed.response }))
        .statusCode,
    ).toBe(200);
    const clone = setSignCount(device.state, device.credentialId, 0);
    const second = await newChallenge();
    const res = await verify(second.id, {
      deviceId: device.deviceId,
      attestation: approve(clone, second.digest).response,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toMatch(/cloned/);
    const status = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/devices/${device.deviceId}`,
        headers: bearer(key),
      })
    ).json();
    expect(status).toMatchObject({ status: 'disabled', disabledReason: 'counter_regression' });
    // Even the genuine device is refused from now on.
    const third = await newChallenge();
    expect(
      (
        await verify(third.id, {
          deviceId: device.deviceId,
          attestation: approve(signed.state, third.digest).response,
        })
      ).json().code,
    ).toBe('attestation_invalid');
  });

  it('a duplicate verify that read the challenge before the winner committed is a 409, not a clone', async () => {
    const { id, digest } = await newChallenge();
    const body = { deviceId: device.deviceId, attestation: approve(device.state, digest).response };
    const scope = {
      tenantId: (await t.storage.tenants.findByName('acme'))!.id,
      environment: 'sandbox' as const,
    };
    const stale = await t.storage.challenges.find(scope, id);
    expect((await verify(id, body)).statusCode).toBe(200);
    // The loser of the race: its first read of the challenge saw it still pending, its read of
    // the device saw the winner's counter. Replayed deterministically with a stale first read.
    let firstRead = true;
    const racing = {
      ...t.storage,
      challenges: {
        ...t.storage.challenges,
        find: async (...args: Parameters<typeof t.storage.challenges.find>) => {
          if (firstRead) {
            firstRead = false;
            return stale;
          }
          return t.storage.challenges.find(...args);
        },
      },
    };
    const approval = await loadApprovalServices(t.storage, t.serverSecret, t.config, t.clock.now());
    await expect(
      verifyChallenge(scope, id, body, {
        storage: racing,
        rp: approval.rp,
        trust: approval.trust,
        signer: approval.signer,
        stamps: approval.stamps,
        now: t.clock.now(),
      }),
    ).rejects.toMatchObject({ code: 'challenge_already_used' });
    const status = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/devices/${device.deviceId}`,
        headers: bearer(key),
      })
    ).json();
    expect(status).toMatchObject({ status: 'active' });
  });

  const cancel = (id: string, apiKey = key, payload?: object) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/challenges/${id}/cancel`,
      headers: bearer(apiKey),
      ...(payload ? { payload } : {}),
    });

  it('cancels a pending challenge: idempotent, then a device answer is 409 challenge_canceled', async () => {
    const { id, digest } = await newChallenge();
    const signed = approve(device.state, digest);
    t.clock.advance(3_000);
    const res = await cancel(id);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      id,
      status: 'canceled',
      decidedAt: '2026-05-29T18:40:03Z',
      proof: null,
    });
    // A retry (a lost response) answers the same challenge; the SDK sends an empty object.
    const again = await cancel(id, key, {});
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(res.json());
    const refused = await verify(id, { deviceId: device.deviceId, attestation: signed.response });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'challenge_canceled' });
    expect(
      (
        await t.app.inject({ method: 'GET', url: `/v1/challenges/${id}`, headers: bearer(key) })
      ).json(),
    ).toMatchObject({ status: 'canceled' });
    const listed = await t.app.inject({
      method: 'GET',
      url: '/v1/challenges?status=canceled',
      headers: bearer(key),
    });
    expect(listed.json().data.map((c: { id: string }) => c.id)).toEqual([id]);
    const tenant = await t.storage.tenants.findByName('acme');
    const events = await t.storage.events.list(
      { tenantId: tenant!.id, environment: 'sandbox' },
      10,
      { type: 'challenge.canceled' },
    );
    expect(events.map((e) => e.data)).toEqual([
      {
        challengeId: id,
        action: 'transfer.approve',
        userId: 'usr_8f2a',
        canceledAt: '2026-05-29T18:40:03Z',
        metadata: {},
      },
    ]);
  });

  it('refuses to cancel a decided or expired challenge (409 challenge_not_cancelable), or a foreign one', async () => {
    const decided = await newChallenge();
    await verify(decided.id, {
      deviceId: device.deviceId,
      attestation: reject(device.state, decided.digest).response,
    });
    const res = await cancel(decided.id);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      code: 'challenge_not_cancelable',
      details: { status: 'rejected' },
    });

    const foreign = await newChallenge();
    for (const other of [await t.key('globex'), await t.key('acme', 'production')]) {
      const denied = await cancel(foreign.id, other);
      expect(denied.statusCode).toBe(404);
      expect(denied.json().code).toBe('challenge_not_found');
    }
    expect((await cancel('not-an-id')).json().code).toBe('invalid_id');

    t.clock.advance(121_000);
    const late = await cancel(foreign.id);
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({
      code: 'challenge_not_cancelable',
      details: { status: 'expired' },
    });
  });

  it('answers 410 challenge_expired after the TTL', async () => {
    const { id, digest } = await newChallenge({ expiresIn: 10 });
    t.clock.advance(10_000);
    const res = await verify(id, {
      deviceId: device.deviceId,
      attestation: approve(device.state, digest).response,
    });
    expect(res.statusCode).toBe(410);
    expect(res.json()).toEqual({
      code: 'challenge_expired',
      message: expect.stringMatching(new RegExp(`^Challenge ${id} expired at `)),
    });
  });

  it('lets exactly one of many concurrent verifies win', async () => {
    const { id, digest } = await newChallenge();
    const signed = approve(device.state, digest).response;
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        verify(id, { deviceId: device.deviceId, attestation: signed }),
      ),
    );
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.statusCode !== 200))
      expect(r.json().code).toBe('challenge_already_used');
  });

  it('answers 404 device_not_found for a user with no paired device', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/authenticate',
      headers: bearer(key),
      payload: { userId: 'usr_nobody' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('device_not_found');
    const { id, digest } = await newChallenge();
    const unknown = await verify(id, {
      deviceId: 'dev_doesnotexist000',
      attestation: approve(device.state, digest).response,
    });
    expect(unknown.json().code).toBe('device_not_found');
  });

  it('gives authentication options whose challenge is the digest', async () => {
    const { id, digest } = await newChallenge();
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/credentials/authenticate',
      headers: bearer(key),
      payload: { userId: 'usr_8f2a', challengeId: id },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      challenge: Buffer.from(digest, 'hex').toString('base64url'),
      rpId: 'localhost',
      userVerification: 'required',
      allowCredentials: [expect.objectContaining({ id: device.credentialId })],
    });
  });
});

describe('trust model', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => t.close());

  it('production refuses simulator-attested devices and does not issue simulator certificates', async () => {
    const live = await t.key('acme', 'production');
    const sandbox = await t.key('acme', 'sandbox');
    const cert = await t.app.inject({
      method: 'POST',
      url: '/v1/simulator/attestation-certificates',
      headers: bearer(live),
      payload: { publicKey: 'x', aaguid: '5eb6de83-4471-405e-8286-94940cc5914d' },
    });
    expect(cert.statusCode).toBe(403);
    expect(cert.json().code).toBe('forbidden_environment');
    // A simulator certified in sandbox still cannot pair in production.
    const paired = await pairSimulator(t.app, live, 'usr_1', { provisionWith: sandbox });
    expect(paired.status).toBe(422);
    expect(paired.body.code).toBe('attestation_invalid');
  });

  it('refuses registration without user verification or from a foreign origin', async () => {
    const key = await t.key();
    expect((await pairSimulator(t.app, key, 'usr_1', { userVerified: false })).status).toBe(422);
    expect(
      (await pairSimulator(t.app, key, 'usr_1', { origin: 'https://evil.example' })).status,
    ).toBe(422);
  });
});
