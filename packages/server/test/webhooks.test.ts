import http from 'node:http';
import { verifyKeyraSignature } from '@keyra/core';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWebhookWorker, type WebhookWorker } from '../src/webhooks/startWebhookWorker.js';
import { createWebhookSecretBox } from '../src/webhooks/webhookSecrets.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';
import { approve, pairSimulator } from './helpers/simulator.js';

interface Received {
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on loopback that answers with the queued statuses (then 200). */
async function startReceiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ url: req.url ?? '', headers: req.headers, body });
      const status = statuses.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : `failure ${'x'.repeat(2000)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('webhook endpoints API', () => {
  let t: TestApp;
  let key: string;
  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
  });
  afterEach(async () => t.close());

  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, headers: bearer(key), payload });

  it('returns the whsec_ secret once, never on reads', async () => {
    const created = await post('/v1/webhook_endpoints', {
      url: 'https://93.184.216.34/hook',
      events: ['challenge.approved'],
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      id: expect.stringMatching(/^we_/),
      enabled: true,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const read = await t.app.inject({
      method: 'GET',
      url: `/v1/webhook_endpoints/${created.json().id}`,
      headers: bearer(key),
    });
    expect(read.json()).not.toHaveProperty('secret');
    const list = await t.app.inject({
      method: 'GET',
      url: '/v1/webhook_endpoints',
      headers: bearer(key),
    });
    expect(JSON.stringify(list.json())).not.toContain(created.json().secret);
  });

  it('refuses http, credentials and private, loopback or link-local targets outside --dev', async () => {
    for (const url of [
      'http://93.184.216.34/hook',
      'https://127.0.0.1/hook',
      'https://10.1.2.3/hook',
      'https://169.254.169.254/latest',
      'https://[::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      'https://2130706433/hook',
      'https://user:pass@93.184.216.34/hook',
      'ftp://93.184.216.34/hook',
      'not a url',
    ]) {
      const res = await post('/v1/webhook_endpoints', { url, events: ['*'] });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().code, url).toBe('invalid_webhook_url');
    }
    const unknownType = await post('/v1/webhook_endpoints', {
      url: 'https://93.184.216.34/',
      events: ['challenge.exploded'],
    });
    expect(unknownType.json().code).toBe('validation_failed');
    expect(
      (
        await t.app.inject({ method: 'GET', url: '/v1/webhook_endpoints', headers: bearer(key) })
      ).json().data,
    ).toEqual([]);
  });

  it('updates, rotates and deletes endpoints within the tenant only', async () => {
    const created = (
      await post('/v1/webhook_endpoints', { url: 'https://93.184.216.34/a', events: ['*'] })
    ).json();
    const other = await t.key('globex');
    const foreign = await t.app.inject({
      method: 'GET',
      url: `/v1/webhook_endpoints/${created.id}`,
      headers: bearer(other),
    });
    expect(foreign.json().code).toBe('webhook_endpoint_not_found');
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/webhook_endpoints/${created.id}`,
      headers: bearer(key),
      payload: { events: ['device.paired'], enabled: false, description: 'ops' },
    });
    expect(patched.json()).toMatchObject({
      events: ['device.paired'],
      enabled: false,
      description: 'ops',
    });
    const badUrl = await t.app.inject({
      method: 'PATCH',
      url: `/v1/webhook_endpoints/${created.id}`,
      headers: bearer(key),
      payload: { url: 'https://192.168.1.1/' },
    });
    expect(badUrl.json().code).toBe('invalid_webhook_url');
    const empty = await t.app.inject({
      method: 'PATCH',
      url: `/v1/webhook_endpoints/${created.id}`,
      headers: bearer(key),
      payload: {},
    });
    expect(empty.statusCode).toBe(400);
    const rotated = await post(`/v1/webhook_endpoints/${created.id}/rotate_secret`, {});
    expect(rotated.json().secret).not.toBe(created.secret);
    expect(Date.parse(rotated.json().previousSecretExpiresAt) - t.clock.now()).toBe(24 * 3600_000);
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/webhook_endpoints/${created.id}`,
      headers: bearer(key),
    });
    expect(deleted.statusCode).toBe(200);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/v1/webhook_endpoints/${created.id}`,
          headers: bearer(key),
        })
      ).statusCode,
    ).toBe(404);
  });
});

describe('webhook delivery', () => {
  let t: TestApp;
  let key: string;
  let worker: WebhookWorker;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  async function setup(
    statuses: number[] = [],
    disableAfterMs?: number,
  ): Promise<{ id: string; secret: string }> {
    // --dev lets the worker post to the loopback receiver; the clock starts at real time so
    // off-the-shelf verifiers accept the timestamps.
    t = await createTestApp({ env: { KEYRA_DEV: 'true' }, clockStart: Date.now() });
    key = await t.key();
    receiver = await startReceiver(statuses);
    worker = startWebhookWorker({
      storage: t.storage,
      clock: t.clock,
      box: createWebhookSecretBox(t.serverSecret),
      log: t.app.log,
      dev: true,
      // Deliveries happen only when a test calls runOnce.
      pollMs: 3_600_000,
      wake: false,
      ...(disableAfterMs ? { disableAfterMs } : {}),
    });
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: bearer(key),
      payload: { url: receiver.url, events: ['*'] },
    });
    return created.json();
  }
  afterEach(async () => {
    await worker?.stop();
    await receiver?.close();
    await t?.close();
  });

  it('delivers signed events that independent verifiers accept', async () => {
    const endpoint = await setup();
    const device = await pairSimulator(t.app, key, 'usr_1');
    const challenge = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/challenges',
        headers: bearer(key),
        payload: { action: 'a.b', userId: 'usr_1' },
      })
    ).json();
    const full = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/challenges/${challenge.id}`,
        headers: bearer(key),
      })
    ).json();
    await t.app.inject({
      method: 'POST',
      url: `/v1/challenges/${challenge.id}/verify`,
      headers: bearer(key),
      payload: {
        deviceId: device.deviceId,
        attestation: approve(device.state, full.digest).response,
      },
    });
    expect(await worker.runOnce()).toBe(2);
    expect(receiver.received.map((r) => JSON.parse(r.body).type).sort()).toEqual([
      'challenge.approved',
      'device.paired',
    ]);
    const standard = new Webhook(endpoint.secret);
    for (const { headers, body } of receiver.received) {
      const event = JSON.parse(body);
      expect(Object.keys(event).sort()).toEqual(['created', 'createdAt', 'data', 'id', 'type']);
      expect(Math.floor(Date.parse(event.createdAt) / 1000)).toBe(event.created);
      expect(event.id).toMatch(/^evt_/);
      expect(
        verifyKeyraSignature(
          String(headers['keyra-signature']),
          body,
          endpoint.secret,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(true);
      expect(standard.verify(body, headers as Record<string, string>)).toMatchObject({
        id: event.id,
      });
      expect(headers['webhook-id']).toBe(event.id);
      // Tampering is caught by both.
      const tampered = body.replace('"data":{', '"data":{"x":1,');
      expect(
        verifyKeyraSignature(
          String(headers['keyra-signature']),
          tampered,
          endpoint.secret,
          Math.floor(Date.now() / 1000),
        ),
      ).toBe(false);
      expect(() => standard.verify(tampered, headers as Record<string, string>)).toThrow();
    }
    const approved = JSON.parse(
      receiver.received.find((r) => r.body.includes('challenge.approved'))!.body,
    );
    expect(approved.data).toMatchObject({
      challengeId: challenge.id,
      deviceId: device.deviceId,
      userId: 'usr_1',
    });
  });

  it('retries a failing receiver with backoff and logs every attempt', async () => {
    await setup([500]);
    await pairSimulator(t.app, key, 'usr_1');
    expect(await worker.runOnce()).toBe(1);
    expect(await worker.runOnce()).toBe(0);
    t.clock.advance(6_001);
    expect(await worker.runOnce()).toBe(1);
    expect(receiver.received).toHaveLength(2);
    const endpointId = (
      await t.app.inject({ method: 'GET', url: '/v1/webhook_endpoints', headers: bearer(key) })
    ).json().data[0].id;
    const log = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/webhook_endpoints/${endpointId}/deliveries`,
        headers: bearer(key),
      })
    ).json();
    expect(
      log.data.map((a: { attempt: number; statusCode: number }) => [a.attempt, a.statusCode]),
    ).toEqual([
      [2, 200],
      [1, 500],
    ]);
    expect(log.data[1].responseExcerpt).toHaveLength(1024);
    expect(log.data[1].latencyMs).toBeGreaterThanOrEqual(0);
    // The same attempts from the event's side, naming the endpoint.
    const byEvent = await t.app.inject({
      method: 'GET',
      url: `/v1/events/${log.data[0].eventId}/deliveries`,
      headers: bearer(key),
    });
    expect(
      byEvent.json().data.map((a: { id: string; endpointId: string }) => [a.id, a.endpointId]),
    ).toEqual(log.data.map((a: { id: string }) => [a.id, endpointId]));
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/v1/events/evt_unknown0/deliveries',
      headers: bearer(key),
    });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'event_not_found']);
  });

  it('signs with both secrets during a rotation', async () => {
    const endpoint = await setup();
    const rotated = (
      await t.app.inject({
        method: 'POST',
        url: `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`,
        headers: bearer(key),
        payload: {},
      })
    ).json();
    await pairSimulator(t.app, key, 'usr_1');
    await worker.runOnce();
    const { headers, body } = receiver.received[0]!;
    expect(String(headers['keyra-signature']).match(/v1=/g)).toHaveLength(2);
    const now = Math.floor(Date.now() / 1000);
    expect(
      verifyKeyraSignature(String(headers['keyra-signature']), body, endpoint.secret, now),
    ).toBe(true);
    expect(
      verifyKeyraSignature(String(headers['keyra-signature']), body, rotated.secret, now),
    ).toBe(true);
    expect(
      new Webhook(rotated.secret).verify(body, headers as Record<string, string>),
    ).toBeTruthy();
  });

  it('sends a signed ping to one endpoint only, and refuses a disabled, unknown or foreign one', async () => {
    const endpoint = await setup();
    const other = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/webhook_endpoints',
        headers: bearer(key),
        payload: { url: `${receiver.url}?other`, events: ['*'] },
      })
    ).json();
    const test = (id: string, apiKey = key) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/webhook_endpoints/${id}/test`,
        headers: bearer(apiKey),
      });
    const res = await test(endpoint.id);
    expect(res.statusCode, res.body).toBe(202);
    const event = res.json();
    expect(event).toMatchObject({ type: 'ping', data: { endpointId: endpoint.id } });
    expect(await worker.runOnce()).toBe(1);
    expect(receiver.received).toHaveLength(1);
    const { headers, body } = receiver.received[0]!;
    expect(receiver.received[0]!.url).not.toContain('other');
    expect(
      new Webhook(endpoint.secret).verify(body, headers as Record<string, string>),
    ).toMatchObject({ id: event.id, type: 'ping' });
    const log = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/webhook_endpoints/${endpoint.id}/deliveries`,
        headers: bearer(key),
      })
    ).json();
    expect(log.data).toHaveLength(1);
    expect(log.data[0]).toMatchObject({ eventId: event.id, statusCode: 200 });

    await t.app.inject({
      method: 'PATCH',
      url: `/v1/webhook_endpoints/${other.id}`,
      headers: bearer(key),
      payload: { enabled: false },
    });
    const disabled = await test(other.id);
    expect(disabled.statusCode).toBe(400);
    expect(disabled.json().message).toMatch(/enable it/);
    expect((await test('we_doesnotexist')).json().code).toBe('webhook_endpoint_not_found');
    expect((await test('nope')).statusCode).toBe(400);
    const stranger = await t.key('globex');
    expect((await test(endpoint.id, stranger)).json().code).toBe('webhook_endpoint_not_found');
    expect(await worker.runOnce()).toBe(0);
  });

  it('redelivers an event on request', async () => {
    await setup();
    await pairSimulator(t.app, key, 'usr_1');
    await worker.runOnce();
    const eventId = JSON.parse(receiver.received[0]!.body).id;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/events/${eventId}/redeliver`,
      headers: bearer(key),
      payload: {},
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ eventId, deliveries: 1 });
    await worker.runOnce();
    expect(receiver.received.map((r) => JSON.parse(r.body).id)).toEqual([eventId, eventId]);
    const missing = await t.app.inject({
      method: 'POST',
      url: '/v1/events/evt_doesnotexist/redeliver',
      headers: bearer(key),
      payload: {},
    });
    expect(missing.json().code).toBe('event_not_found');
  });

  it('disables an endpoint that keeps failing, with a webhook_endpoint.disabled event', async () => {
    await setup([500, 500, 500], 10_000);
    await pairSimulator(t.app, key, 'usr_1');
    await worker.runOnce();
    t.clock.advance(7_000);
    await worker.runOnce();
    t.clock.advance(40_000);
    await worker.runOnce();
    const endpoint = (
      await t.app.inject({ method: 'GET', url: '/v1/webhook_endpoints', headers: bearer(key) })
    ).json().data[0];
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: 'failing' });
    const events = (
      await t.app.inject({ method: 'GET', url: '/v1/events', headers: bearer(key) })
    ).json().data;
    expect(events.map((e: { type: string }) => e.type)).toContain('webhook_endpoint.disabled');
  });
});

describe('GET /v1/events', () => {
  it('pages newest first with a cursor, filters by type, and refuses a forged cursor', async () => {
    const t = await createTestApp();
    try {
      const key = await t.key();
      const scope = {
        tenantId: (await t.storage.tenants.findByName('acme'))!.id,
        environment: 'sandbox' as const,
      };
      for (let i = 0; i < 5; i++) {
        await t.storage.events.insert({
          id: `evt_page${i}aaaaaaaaaaaaaaaaaaaa`,
          ...scope,
          type: i % 2 ? 'device.paired' : 'challenge.approved',
          data: { i },
          createdAt: t.clock.now() + i,
        });
      }
      const get = async (query: string) =>
        (
          await t.app.inject({ method: 'GET', url: `/v1/events${query}`, headers: bearer(key) })
        ).json();
      const first = await get('?limit=2');
      expect(first.data.map((e: { data: { i: number } }) => e.data.i)).toEqual([4, 3]);
      expect(first.hasMore).toBe(true);
      const second = await get(`?limit=2&cursor=${first.nextCursor}`);
      expect(second.data.map((e: { data: { i: number } }) => e.data.i)).toEqual([2, 1]);
      const last = await get(`?limit=2&cursor=${second.nextCursor}`);
      expect(last).toMatchObject({ hasMore: false, nextCursor: null });
      expect(last.data.map((e: { data: { i: number } }) => e.data.i)).toEqual([0]);
      const paired = await get('?type=device.paired');
      expect(paired.data.map((e: { data: { i: number } }) => e.data.i)).toEqual([3, 1]);
      expect((await get('?cursor=bm9wZQ')).code).toBe('invalid_cursor');
      // A creation range: since included, until excluded; a bad timestamp is a 400.
      const at = (i: number) => new Date(t.clock.now() + i).toISOString();
      const ranged = await get(`?since=${at(1)}&until=${at(3)}`);
      expect(ranged.data.map((e: { data: { i: number } }) => e.data.i)).toEqual([2, 1]);
      const both = await get(`?type=device.paired&since=${at(2)}`);
      expect(both.data.map((e: { data: { i: number } }) => e.data.i)).toEqual([3]);
      expect((await get('?since=yesterday')).code).toBe('validation_failed');
    } finally {
      await t.close();
    }
  });
});

describe('redelivery to a disabled endpoint', () => {
  it('is refused with the fix instead of queuing a delivery that would never be sent', async () => {
    const t = await createTestApp();
    const key = await t.key();
    const endpoint = (
      await t.app.inject({
        method: 'POST',
        url: '/v1/webhook_endpoints',
        headers: bearer(key),
        payload: { url: 'https://93.184.216.34/hook', events: ['*'], enabled: false },
      })
    ).json();
    await pairSimulator(t.app, key, 'usr_1');
    const [event] = (
      await t.app.inject({ method: 'GET', url: '/v1/events', headers: bearer(key) })
    ).json().data;
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/events/${event.id}/redeliver`,
      headers: bearer(key),
      payload: { endpointId: endpoint.id },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/enable it/);
    await t.close();
  });
});
