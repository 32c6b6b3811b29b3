import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decideChallenge, keyraApi, pairDevice, type Api } from './helpers/keyraApi.js';
import { runKeyra, startKeyra, waitFor, type KeyraServer } from './helpers/keyraProcess.js';
import {
  startWebhookReceiver,
  verifyKeyraSignatureIndependently,
  verifyStandardWebhook,
  type ReceivedWebhook,
  type WebhookReceiver,
} from './helpers/webhookReceiver.js';

/*
 * Webhooks as a user meets them: a real `keyra serve --dev` process on SQLite, a real receiver
 * (node:http on 127.0.0.1) and a simulated KEYRA ONE paired over the API. Every event type is
 * produced by the flow that really emits it, and every delivery is verified with code that owes
 * nothing to the server: a few lines of node:crypto, and the `standardwebhooks` package.
 * A second server without --dev checks the SSRF rules.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-webhooks-'));
const devDatabase = `sqlite:${path.join(dir, 'dev.db')}`;
const prodDatabase = `sqlite:${path.join(dir, 'prod.db')}`;
/** Answered 500 (with a 2 KiB body) the first time each event arrives, then 200. */
const FLAKY = '/flaky';
const ALL = '/all';
const FAILURE_BODY = `receiver is down: ${'x'.repeat(2048)}`;

let receiver: WebhookReceiver;
let dev: KeyraServer;
let prod: KeyraServer;
let api: Api;
let prodApi: Api;
let endpoint: { id: string; secret: string };

async function createKey(database: string): Promise<string> {
  const created = await runKeyra([
    'keys',
    'create',
    '--env',
    'sandbox',
    '--tenant',
    'webhooks',
    '--database',
    database,
    '--json',
  ]);
  if (created.code !== 0) throw new Error(created.stderr);
  return String(JSON.parse(created.stdout).key);
}

const onPath = (p: string, eventId?: string): ReceivedWebhook[] =>
  receiver.received.filter(
    (r) => r.path === p && (eventId === undefined || r.headers['webhook-id'] === eventId),
  );

/** Waits until `path` has received an event matching `match`, and returns that delivery. */
async function waitForDelivery(
  p: string,
  match: (event: { id: string; type: string; data: Record<string, unknown> }) => boolean,
  timeoutMs = 10_000,
): Promise<ReceivedWebhook> {
  const find = () => onPath(p).find((r) => match(JSON.parse(r.rawBody)));
  await waitFor(() => find() !== undefined, timeoutMs);
  return find()!;
}

function expectVerified(delivery: ReceivedWebhook, secret: string): void {
  expect(
    verifyKeyraSignatureIndependently(
      delivery.headers['keyra-signature'],
      delivery.rawBody,
      secret,
    ),
    'keyra-signature',
  ).toBe(true);
  expect(
    verifyStandardWebhook(delivery.headers, delivery.rawBody, secret),
    'webhook-signature',
  ).toBe(true);
}

beforeAll(async () => {
  const firstSeen = new Set<string>();
  receiver = await startWebhookReceiver((request) => {
    if (request.path !== FLAKY) return { status: 200 };
    const id = String(request.headers['webhook-id']);
    if (firstSeen.has(id)) return { status: 200 };
    firstSeen.add(id);
    return { status: 500, body: FAILURE_BODY };
  });
  const [devKey, prodKey] = await Promise.all([createKey(devDatabase), createKey(prodDatabase)]);
  [dev, prod] = await Promise.all([
    startKeyra(['--dev', '--database', devDatabase, '--data-dir', path.join(dir, 'dev')]),
    startKeyra(['--database', prodDatabase, '--data-dir', path.join(dir, 'prod')]),
  ]);
  api = keyraApi(dev.url, devKey);
  prodApi = keyraApi(prod.url, prodKey);
});

afterAll(async () => {
  await Promise.all([dev?.stop(), prod?.stop()]);
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('webhooks end to end (keyra serve --dev, a real receiver)', () => {
  it('returns the endpoint secret once, at creation, never on reads', async () => {
    const created = await api('POST', '/v1/webhook_endpoints', {
      url: `${receiver.origin}${ALL}`,
      events: ['*'],
      description: 'every event',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^we_/),
      url: `${receiver.origin}${ALL}`,
      events: ['*'],
      enabled: true,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
    });
    endpoint = { id: created.body.id, secret: created.body.secret };

    const read = await api('GET', `/v1/webhook_endpoints/${endpoint.id}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('secret');
    expect(JSON.stringify(read.body)).not.toContain(endpoint.secret);
    const list = await api('GET', '/v1/webhook_endpoints');
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(endpoint.id);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
  });

  it('delivers every event type, produced for real, signed for both independent verifiers', async () => {
    // The expiring challenge goes first so its 10 s run out while the other flows happen.
    const expiring = await api('POST', '/v1/challenges', {
      action: 'deploy.production',
      userId: 'usr_events',
      payload: { service: 'api' },
      expiresIn: 10,
    });
    expect(expiring.status).toBe(201);

    const device = await pairDevice(api, 'usr_events');
    const approved = await decideChallenge(api, device, 'usr_events', 'approve');
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    const rejected = await decideChallenge(api, device, 'usr_events', 'reject');
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    const revoked = await api('DELETE', `/v1/devices/${device.deviceId}`);
    expect(revoked.status).toBe(200);

    const byType = {
      'device.paired': await waitForDelivery(
        ALL,
        (e) => e.type === 'device.paired' && e.data.deviceId === device.deviceId,
      ),
      'challenge.approved': await waitForDelivery(
        ALL,
        (e) => e.type === 'challenge.approved' && e.data.challengeId === approved.challengeId,
      ),
      'challenge.rejected': await waitForDelivery(
        ALL,
        (e) => e.type === 'challenge.rejected' && e.data.challengeId === rejected.challengeId,
      ),
      'device.revoked': await waitForDelivery(
        ALL,
        (e) => e.type === 'device.revoked' && e.data.deviceId === device.deviceId,
      ),
      // Expires 9–10 s after creation (whole seconds), swept within the next second.
      'challenge.expired': await waitForDelivery(
        ALL,
        (e) => e.type === 'challenge.expired' && e.data.challengeId === expiring.body.id,
        15_000,
      ),
    };

    const expectedData: Record<string, Record<string, unknown>> = {
      'device.paired': { deviceId: device.deviceId, userId: 'usr_events', kind: 'keyra_one' },
      'challenge.approved': {
        challengeId: approved.challengeId,
        action: 'wire.send',
        userId: 'usr_events',
        deviceId: device.deviceId,
        method: 'device',
      },
      'challenge.rejected': {
        challengeId: rejected.challengeId,
        userId: 'usr_events',
        deviceId: device.deviceId,
      },
      'challenge.expired': {
        challengeId: expiring.body.id,
        action: 'deploy.production',
        userId: 'usr_events',
        expiredAt: expiring.body.expiresAt,
      },
      'device.revoked': { deviceId: device.deviceId, userId: 'usr_events' },
    };
    for (const [type, delivery] of Object.entries(byType)) {
      expect(delivery.headers['content-type']).toBe('application/json');
      expectVerified(delivery, endpoint.secret);
      const body = JSON.parse(delivery.rawBody);
      expect(Object.keys(body).sort()).toEqual(['created', 'createdAt', 'data', 'id', 'type']);
      expect(body).toMatchObject({ id: expect.stringMatching(/^evt_/), type });
      expect(body.data).toMatchObject(expectedData[type]!);
      expect(delivery.headers['webhook-id']).toBe(body.id);
      expect(Math.abs(body.created - delivery.receivedAt / 1000)).toBeLessThan(5);
      // The same event, as the events API shows it.
      const fetched = await api('GET', `/v1/events/${body.id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(body);
    }
  }, 40_000);

  it('the independent verifiers refuse a tampered body, a wrong secret and a stale timestamp', async () => {
    const delivery = onPath(ALL).find((r) => JSON.parse(r.rawBody).type === 'challenge.approved')!;
    expectVerified(delivery, endpoint.secret);

    const tampered = delivery.rawBody.replace('"wire.send"', '"wire.sent"');
    expect(tampered).not.toBe(delivery.rawBody);
    expect(
      verifyKeyraSignatureIndependently(
        delivery.headers['keyra-signature'],
        tampered,
        endpoint.secret,
      ),
    ).toBe(false);
    expect(verifyStandardWebhook(delivery.headers, tampered, endpoint.secret)).toBe(false);

    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(
      verifyKeyraSignatureIndependently(
        delivery.headers['keyra-signature'],
        delivery.rawBody,
        otherSecret,
      ),
    ).toBe(false);
    expect(verifyStandardWebhook(delivery.headers, delivery.rawBody, otherSecret)).toBe(false);

    // A genuine delivery replayed 10 minutes later: outside both schemes' 5-minute window.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(delivery.receivedAt + 10 * 60_000);
      expect(
        verifyKeyraSignatureIndependently(
          delivery.headers['keyra-signature'],
          delivery.rawBody,
          endpoint.secret,
        ),
      ).toBe(false);
      expect(verifyStandardWebhook(delivery.headers, delivery.rawBody, endpoint.secret)).toBe(
        false,
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('retries a receiver that answers 500 (first retry within 10 s) and logs both attempts', async () => {
    const flaky = await api('POST', '/v1/webhook_endpoints', {
      url: `${receiver.origin}${FLAKY}`,
      events: ['challenge.approved'],
    });
    expect(flaky.status).toBe(201);
    const device = await pairDevice(api, 'usr_retry');
    const approved = await decideChallenge(api, device, 'usr_retry', 'approve');
    expect(approved.status).toBe(200);

    await waitForDelivery(FLAKY, (e) => e.data.challengeId === approved.challengeId);
    const eventId = String(onPath(FLAKY)[0]!.headers['webhook-id']);
    await waitFor(() => onPath(FLAKY, eventId).length >= 2, 12_000);
    const [first, second] = onPath(FLAKY, eventId);
    const gapMs = second!.receivedAt - first!.receivedAt;
    // Schedule: 5 s ± 20 % jitter, picked up by a worker polling every 200 ms.
    expect(gapMs).toBeGreaterThanOrEqual(3_900);
    expect(gapMs).toBeLessThan(10_000);
    expectVerified(first!, flaky.body.secret);
    expectVerified(second!, flaky.body.secret);
    expect(second!.rawBody).toBe(first!.rawBody);

    // The log is written after the response arrives: poll for the second row.
    let attempts: {
      attempt: number;
      eventId: string;
      statusCode: number | null;
      latencyMs: number;
      responseExcerpt: string | null;
      startedAt: string;
      error: string | null;
    }[] = [];
    for (let i = 0; i < 50 && attempts.length < 2; i++) {
      const log = await api('GET', `/v1/webhook_endpoints/${flaky.body.id}/deliveries`);
      expect(log.status).toBe(200);
      attempts = log.body.data.filter((a: { eventId: string }) => a.eventId === eventId);
      if (attempts.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    attempts.sort((a, b) => a.attempt - b.attempt);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]).toMatchObject({ attempt: 1, statusCode: 500, error: null });
    expect(attempts[0]!.responseExcerpt).toBe(FAILURE_BODY.slice(0, 1024));
    expect(attempts[1]).toMatchObject({ attempt: 2, statusCode: 200, responseExcerpt: 'ok' });
    for (const a of attempts) {
      expect(Number.isInteger(a.latencyMs) && a.latencyMs >= 0).toBe(true);
      expect(a.latencyMs).toBeLessThan(10_000);
      expect(Number.isNaN(Date.parse(a.startedAt))).toBe(false);
    }
    expect(Date.parse(attempts[1]!.startedAt) - Date.parse(attempts[0]!.startedAt)).toBeLessThan(
      10_000,
    );
  }, 30_000);

  it('redelivers an event on request, to its endpoints or to one', async () => {
    const paired = JSON.parse(
      onPath(ALL).find((r) => JSON.parse(r.rawBody).type === 'device.paired')!.rawBody,
    ) as { id: string };
    const before = onPath(ALL, paired.id).length;
    const again = await api('POST', `/v1/events/${paired.id}/redeliver`, {});
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    // Only the `*` endpoint subscribes to device.paired.
    expect(again.body).toEqual({ eventId: paired.id, deliveries: 1 });
    await waitFor(() => onPath(ALL, paired.id).length === before + 1, 5_000);
    const redelivered = onPath(ALL, paired.id).at(-1)!;
    expectVerified(redelivered, endpoint.secret);
    expect(redelivered.rawBody).toBe(onPath(ALL, paired.id)[0]!.rawBody);

    const one = await api('POST', `/v1/events/${paired.id}/redeliver`, { endpointId: endpoint.id });
    expect(one.body).toEqual({ eventId: paired.id, deliveries: 1 });
    await waitFor(() => onPath(ALL, paired.id).length === before + 2, 5_000);

    const missing = await api('POST', '/v1/events/evt_doesnotexist000000/redeliver', {});
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('event_not_found');
  });

  it('signs with both the old and the new secret during a rotation', async () => {
    const oldSecret = endpoint.secret;
    const rotated = await api('POST', `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    const newSecret = String(rotated.body.secret);
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(oldSecret);
    const overlapMs = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
    expect(overlapMs).toBeGreaterThan(23.9 * 3600_000);
    expect(overlapMs).toBeLessThanOrEqual(24 * 3600_000);

    const device = await pairDevice(api, 'usr_rotation');
    const delivery = await waitForDelivery(
      ALL,
      (e) => e.type === 'device.paired' && e.data.deviceId === device.deviceId,
    );
    expect(String(delivery.headers['keyra-signature']).match(/v1=/g)).toHaveLength(2);
    expect(String(delivery.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expectVerified(delivery, oldSecret);
    expectVerified(delivery, newSecret);
    endpoint.secret = newSecret;
  });

  it('refuses http:// and private, loopback or link-local URLs without --dev', async () => {
    const refused = [
      `${receiver.origin}${ALL}`, // http + loopback
      'https://127.0.0.1/hook',
      'https://localhost/hook', // resolves to loopback
      'https://[::1]/hook',
      'https://10.0.0.8/hook',
      'https://172.16.5.4/hook',
      'https://192.168.1.10/hook',
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://0x7f.1/hook', // 127.0.0.1 spelled oddly
      'https://2130706433/hook', // 127.0.0.1 as one number
      'http://93.184.216.34/hook', // public but not https
      'https://user:pass@93.184.216.34/hook',
    ];
    for (const url of refused) {
      const res = await prodApi('POST', '/v1/webhook_endpoints', { url, events: ['*'] });
      expect(res.status, url).toBe(400);
      expect(res.body.code, url).toBe('invalid_webhook_url');
    }

    const publicHttps = await prodApi('POST', '/v1/webhook_endpoints', {
      url: 'https://93.184.216.34/hook',
      events: ['challenge.approved'],
    });
    expect(publicHttps.status).toBe(201);
    const patched = await prodApi('PATCH', `/v1/webhook_endpoints/${publicHttps.body.id}`, {
      url: 'https://192.168.0.1/hook',
    });
    expect(patched.status).toBe(400);
    expect(patched.body.code).toBe('invalid_webhook_url');

    // The same loopback http URL is fine on the --dev server.
    const devOk = await api('POST', '/v1/webhook_endpoints', {
      url: `${receiver.origin}/dev-only`,
      events: ['device.revoked'],
    });
    expect(devOk.status).toBe(201);
  });
});
