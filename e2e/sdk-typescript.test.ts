import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  approveChallenge,
  createAuthenticator,
  getAssertion,
  getAttestationPublicKey,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
  type AuthenticatorState,
} from '@keyra/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttestationInvalidError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  GoneError,
  InvalidRequestError,
  Keyra,
  NotFoundError,
  ProofVerificationError,
} from '@keyra/sdk';
import { startKeyra, waitFor, type KeyraServer, createKey } from './helpers/keyraProcess.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhookReceiver.js';

/*
 * @keyra/sdk against a real `keyra serve --dev` process on SQLite: a simulated KEYRA ONE paired
 * through `keyra.credentials.*`, approvals verified with `keyra.challenges.verify`, proofs checked
 * offline with `keyra.proofs.verify`, stamps retrieved without a key and checked offline with
 * `keyra.stamps.verify`, usage read with `keyra.usage.retrieve`, errors mapped to their classes,
 * and real webhook deliveries verified with `keyra.webhooks.verify`.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-sdk-ts-'));
const database = `sqlite:${path.join(dir, 'keyra.db')}`;
let server: KeyraServer;
let receiver: WebhookReceiver;
let keyra: Keyra;
let apiKey: string;

/** Pairs a simulator with `userId`: the sandbox factory and the ceremony through the SDK. */
async function pair(userId: string): Promise<{ deviceId: string; state: AuthenticatorState }> {
  let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
  const { certificateChain } = await keyra.simulator.createAttestationCertificate({
    publicKey: getAttestationPublicKey(state),
    aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
  });
  expect(certificateChain).toHaveLength(2);
  state = provisionAttestationCertificate(state, certificateChain);
  const options = await keyra.credentials.registrationOptions({
    userId,
    displayName: 'SDK Tester',
  });
  const made = makeCredential(state, options as never, { origin: KEYRA_ONE_ORIGIN });
  const device = await keyra.credentials.verifyRegistration({ userId, response: made.response });
  expect(device).toMatchObject({ userId, kind: 'keyra_one', status: 'active' });
  return { deviceId: device.deviceId, state: made.state };
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  apiKey = await createKey(database);
  server = await startKeyra([
    '--dev',
    '--database',
    database,
    '--data-dir',
    path.join(dir, 'data'),
  ]);
  keyra = new Keyra({ apiKey, baseUrl: server.url });
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('@keyra/sdk against a live server', () => {
  it('creates, retrieves and lists a challenge', async () => {
    const created = await keyra.challenges.create({
      action: 'transfer.approve',
      userId: 'usr_sdk1',
      payload: { amount: 12500, currency: 'USD' },
      expiresIn: 120,
    });
    expect(created).toMatchObject({ id: expect.stringMatching(/^chl_/), status: 'pending' });
    const challenge = await keyra.challenges.retrieve(created.id);
    expect(challenge).toMatchObject({
      id: created.id,
      action: 'transfer.approve',
      userId: 'usr_sdk1',
      payload: { amount: 12500, currency: 'USD' },
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const list = await keyra.challenges.list({ userId: 'usr_sdk1', limit: 10 });
    expect(list.data.map((c) => c.id)).toContain(created.id);
    expect(list.hasMore).toBe(false);
  });

  it('pairs the simulator, verifies an approval and checks its proof offline', async () => {
    const userId = 'usr_sdk2';
    const device = await pair(userId);
    const created = await keyra.challenges.create({
      action: 'wire.send',
      userId,
      payload: { amount: 42 },
    });
    const { digest } = await keyra.challenges.retrieve(created.id);
    const answer = approveChallenge(device.state, { digestHex: digest, rpId: 'localhost' });
    device.state = answer.state;
    const result = await keyra.challenges.verify(created.id, {
      deviceId: device.deviceId,
      attestation: answer.response,
    });
    expect(result).toMatchObject({ id: created.id, status: 'approved', deviceId: device.deviceId });
    const claims = await keyra.proofs.verify(result.proof!, { env: 'sandbox' });
    expect(claims).toMatchObject({
      sub: userId,
      challengeId: created.id,
      action: 'wire.send',
      deviceId: device.deviceId,
      env: 'sandbox',
    });
    // A second verify of the same challenge: already used.
    await expect(
      keyra.challenges.verify(created.id, {
        deviceId: device.deviceId,
        attestation: answer.response,
      }),
    ).rejects.toBeInstanceOf(ConflictError);

    const devices = await keyra.devices.list({ userId });
    expect(devices.data.map((d) => d.deviceId)).toEqual([device.deviceId]);
    expect((await keyra.devices.update(device.deviceId, { name: 'Desk' })).name).toBe('Desk');
  });

  it('runs the device API: sign in, long-poll, retrieve, respond, all without the API key', async () => {
    const userId = 'usr_sdk_device';
    const device = await pair(userId);
    // What a KEYRA ONE holds: the server's address, no API key.
    const one = new Keyra({ baseUrl: server.url, apiKey: undefined });
    const options = await one.deviceApi.sessionOptions({ deviceId: device.deviceId });
    const signedIn = getAssertion(device.state, options as never, { origin: KEYRA_ONE_ORIGIN });
    device.state = signedIn.state;
    const session = await one.deviceApi.createSession({
      deviceId: device.deviceId,
      response: signedIn.response,
    });
    expect(session.token).toMatch(/^dst_/);
    expect((await one.deviceApi.listChallenges(session.token)).data).toEqual([]);

    // The long-poll answers as soon as the backend creates a challenge.
    const polled = one.deviceApi.listChallenges(session.token, { wait: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const created = await keyra.challenges.create({
      action: 'door.open',
      userId,
      payload: { door: 'lab' },
    });
    const { data } = await polled;
    expect(data.map((c) => c.id)).toEqual([created.id]);
    expect(data[0]).not.toHaveProperty('digest');
    const shown = await one.deviceApi.retrieveChallenge(session.token, created.id);
    expect(shown).toMatchObject({ id: created.id, action: 'door.open', status: 'pending' });

    const { digest } = await keyra.challenges.retrieve(created.id);
    const answer = approveChallenge(device.state, { digestHex: digest, rpId: 'localhost' });
    device.state = answer.state;
    const result = await one.deviceApi.respond(session.token, created.id, {
      attestation: answer.response,
    });
    expect(result).toMatchObject({ id: created.id, status: 'approved', deviceId: device.deviceId });
    expect((await keyra.proofs.verify(result.proof!)).method).toBe('device');

    await expect(one.deviceApi.listChallenges('dst_forged.token')).rejects.toMatchObject({
      constructor: AuthenticationError,
      code: 'invalid_api_key',
    });
    await expect(
      one.deviceApi.retrieveChallenge(session.token, 'chl_doesNotExist0000'),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      one.deviceApi.respond(session.token, created.id, { attestation: answer.response }),
    ).rejects.toBeInstanceOf(ConflictError);
    const offline = new Keyra({ baseUrl: 'http://127.0.0.1:9', maxRetries: 0 });
    await expect(
      offline.deviceApi.sessionOptions({ deviceId: device.deviceId }),
    ).rejects.toBeInstanceOf(ConnectionError);
  });

  it('stamps an approval, retrieves the stamp without a key and verifies it offline', async () => {
    const userId = 'usr_sdk_stamp';
    const device = await pair(userId);
    const created = await keyra.challenges.create({
      action: 'wire.send',
      userId,
      payload: { amount: 7 },
      stamp: true,
    });
    const pending = await keyra.challenges.retrieve(created.id);
    expect(pending).toMatchObject({ stampRequested: true, stampId: null });
    const answer = approveChallenge(device.state, { digestHex: pending.digest, rpId: 'localhost' });
    const result = await keyra.challenges.verify(created.id, {
      deviceId: device.deviceId,
      attestation: answer.response,
    });
    expect(result.status).toBe('approved');
    const proof = result.proof!;
    expect(result.stamp).toMatchObject({
      object: 'stamp',
      stamp_id: expect.stringMatching(/^stp_/),
      method: 'device',
      environment: 'sandbox',
    });
    const stampId = result.stamp!.stamp_id;
    expect((await keyra.challenges.retrieve(created.id)).stampId).toBe(stampId);

    // Public: a client with no key reads it, and so does one with a key.
    const anonymous = new Keyra({ baseUrl: server.url, apiKey: undefined });
    const stamp = await anonymous.stamps.retrieve(stampId);
    expect(stamp).toEqual(await keyra.stamps.retrieve(stampId));
    expect(stamp).toEqual(result.stamp);

    // Offline: only the JWKS is fetched (on first use) to check the signature.
    const verifier = new Keyra({ baseUrl: server.url, apiKey: undefined });
    const claims = await verifier.stamps.verify(stamp, {
      proof,
      env: 'sandbox',
      issuer: server.url,
    });
    expect(claims).toMatchObject({
      iss: server.url,
      jti: stampId,
      stamp_id: stampId,
      proof_sha256: stamp.proof_sha256,
      issued_at: stamp.issued_at,
      method: 'device',
      env: 'sandbox',
    });
    expect(claims.iat).toBe(Date.parse(stamp.issued_at) / 1000);
    await expect(verifier.stamps.verify(result.stamp!)).resolves.toBeDefined();

    // Another proof, a changed field, and a stamp passed off as a proof are all refused.
    const other = await keyra.challenges.create({ action: 'wire.send', userId });
    const otherDigest = (await keyra.challenges.retrieve(other.id)).digest;
    const second = approveChallenge(answer.state, { digestHex: otherDigest, rpId: 'localhost' });
    const otherResult = await keyra.challenges.verify(other.id, {
      deviceId: device.deviceId,
      attestation: second.response,
    });
    expect(otherResult.stamp).toBeNull();
    await expect(verifier.stamps.verify(stamp, { proof: otherResult.proof! })).rejects.toThrow(
      ProofVerificationError,
    );
    await expect(verifier.stamps.verify({ ...stamp, method: 'passkey' })).rejects.toThrow(
      ProofVerificationError,
    );
    await expect(verifier.proofs.verify(stamp.signature)).rejects.toThrow(ProofVerificationError);
    await expect(anonymous.stamps.retrieve('stp_doesNotExist0000')).rejects.toMatchObject({
      constructor: NotFoundError,
      code: 'stamp_not_found',
    });
  });

  it('reports usage: the approvals are metered, one bucket per day', async () => {
    const report = await keyra.usage.retrieve();
    const today = new Date().toISOString().slice(0, 10);
    expect(report).toMatchObject({
      object: 'usage',
      environment: 'sandbox',
      from: `${today.slice(0, 8)}01`,
      to: today,
      plan: 'pilot',
    });
    expect(report.totals.verifications).toBeGreaterThanOrEqual(1);
    expect(report.totals.byMethod.device).toBe(report.totals.verifications);
    expect(report.credits.used).toBeGreaterThanOrEqual(report.totals.verifications);
    expect(report.days.at(-1)).toMatchObject({ date: today });
    expect(report.days).toHaveLength(Number(today.slice(8)));

    const one = await keyra.usage.retrieve({ from: today, to: today });
    expect(one.days).toEqual([expect.objectContaining({ date: today })]);
    expect(one.totals.verifications).toBe(one.days[0]!.verifications);
    await expect(keyra.usage.retrieve({ from: today, to: '2000-01-01' })).rejects.toMatchObject({
      constructor: InvalidRequestError,
      code: 'invalid_usage_range',
    });
  });

  it('maps 401, 404, 409, 410 and 422 to their error classes', async () => {
    const bad = new Keyra({ apiKey: 'sk_test_nope', baseUrl: server.url });
    const unauthorized = await bad.challenges.list().catch((e: unknown) => e);
    expect(unauthorized).toBeInstanceOf(AuthenticationError);
    expect(unauthorized).toMatchObject({
      status: 401,
      code: 'invalid_api_key',
      requestId: expect.any(String),
    });

    await expect(keyra.challenges.retrieve('chl_doesnotexist1')).rejects.toMatchObject({
      constructor: NotFoundError,
      status: 404,
      code: 'challenge_not_found',
    });

    const validation = await keyra.challenges
      .create({ action: 'x.y', userId: 'u', expiresIn: 1 })
      .catch((e: unknown) => e);
    expect(validation).toBeInstanceOf(InvalidRequestError);
    expect(validation).toMatchObject({ status: 400, code: 'validation_failed' });

    const userId = 'usr_sdk3';
    const device = await pair(userId);
    const created = await keyra.challenges.create({ action: 'wire.send', userId });
    const { digest } = await keyra.challenges.retrieve(created.id);
    // Signed over another digest: the server refuses the attestation.
    const wrong = approveChallenge(device.state, { digestHex: 'ab'.repeat(32), rpId: 'localhost' });
    const invalid = await keyra.challenges
      .verify(created.id, { deviceId: device.deviceId, attestation: wrong.response })
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(AttestationInvalidError);
    expect(invalid).toMatchObject({ status: 422, code: 'attestation_invalid' });
    expect(digest).toMatch(/^[0-9a-f]{64}$/);

    // 410: a challenge that expired (the shortest TTL is 10 s).
    const short = await keyra.challenges.create({ action: 'wire.send', userId, expiresIn: 10 });
    const shortDigest = (await keyra.challenges.retrieve(short.id)).digest;
    const late = approveChallenge(wrong.state, { digestHex: shortDigest, rpId: 'localhost' });
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    await expect(
      keyra.challenges.verify(short.id, { deviceId: device.deviceId, attestation: late.response }),
    ).rejects.toMatchObject({ constructor: GoneError, status: 410, code: 'challenge_expired' });
  }, 30_000);

  it('receives webhooks that keyra.webhooks.verify accepts, and refuses tampered ones', async () => {
    const endpoint = await keyra.webhookEndpoints.create({
      url: `${receiver.origin}/sdk`,
      events: ['device.paired'],
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const secret = endpoint.secret!;
    await pair('usr_sdk4');
    await waitFor(() => receiver.received.some((r) => r.path === '/sdk'), 10_000);
    const delivery = receiver.received.find((r) => r.path === '/sdk')!;
    const header = delivery.headers['keyra-signature'];
    expect(keyra.webhooks.verify(delivery.rawBody, header, secret)).toBe(true);
    expect(
      keyra.webhooks.verify(delivery.rawBody.replace('usr_sdk4', 'usr_evil'), header, secret),
    ).toBe(false);
    expect(keyra.webhooks.verify(delivery.rawBody, header, 'whsec_wrong')).toBe(false);
    const event = keyra.webhooks.constructEvent<{ userId: string }>(
      delivery.rawBody,
      header,
      secret,
    );
    expect(event).toMatchObject({ type: 'device.paired', data: { userId: 'usr_sdk4' } });
    expect((await keyra.events.retrieve(event.id)).id).toBe(event.id);
    const attempts = await keyra.webhookEndpoints.deliveries(endpoint.id);
    expect(attempts.data[0]).toMatchObject({ eventId: event.id, statusCode: 200 });
    const removed = await keyra.webhookEndpoints.del(endpoint.id);
    expect(removed.id).toBe(endpoint.id);
    await expect(keyra.webhookEndpoints.retrieve(endpoint.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});
