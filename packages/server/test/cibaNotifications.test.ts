import http from 'node:http';
import { createOAuthClient, ensureTenant, type Scope } from '@keyra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createProofSigner } from '../src/approval/createProofSigner.js';
import { startWebhookWorker, type WebhookWorker } from '../src/webhooks/startWebhookWorker.js';
import { createWebhookSecretBox } from '../src/webhooks/webhookSecrets.js';
import { createWebhookUrlGuard } from '../src/webhooks/webhookUrlGuard.js';
import { createSecretBox } from '@keyra/core';
import { approve, pairSimulator } from './helpers/simulator.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

interface Received {
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
      received.push({ headers: req.headers, body });
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

/*
 * CIBA ping notifications through the webhook worker: the same lease, retry schedule, attempt log
 * and SSRF guard as webhooks (docs/ciba.md, "Delivery modes").
 */
describe('CIBA notifications through the webhook worker', () => {
  let t: TestApp;
  let worker: WebhookWorker;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  afterEach(async () => {
    await worker?.stop();
    await receiver?.close();
    await t?.close();
  });

  async function setup(statuses: number[], workerDev: boolean) {
    t = await createTestApp({ env: { KEYRA_DEV: 'true' }, clockStart: Date.now() });
    const key = await t.key();
    receiver = await startReceiver(statuses);
    const signer = createProofSigner(
      t.storage.signingKeys,
      createSecretBox(t.serverSecret, 'signing-keys'),
      () => t.config.publicUrl,
    );
    worker = startWebhookWorker({
      storage: t.storage,
      clock: t.clock,
      box: createWebhookSecretBox(t.serverSecret),
      log: t.app.log,
      dev: workerDev,
      pollMs: 3_600_000,
      wake: false,
      idTokens: { issuer: () => t.config.publicUrl, sign: (c, now) => signer.signIdToken(c, now) },
    });
    const { tenant } = await ensureTenant(t.storage.tenants, 'acme', t.clock.now());
    const scope: Scope = { tenantId: tenant.id, environment: 'sandbox' };
    const client = await createOAuthClient(
      scope,
      { name: 'Agent', deliveryMode: 'ping', notifyUrl: receiver.url },
      {
        store: t.storage.oauthClients,
        urlGuard: createWebhookUrlGuard({ dev: true }),
        now: t.clock.now(),
      },
    );
    const device = await pairSimulator(t.app, key, 'usr_alice');
    const started = await t.app.inject({
      method: 'POST',
      url: '/oauth/bc-authorize',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.record.id}:${client.secret}`).toString('base64')}`,
      },
      payload: new URLSearchParams({
        scope: 'openid',
        login_hint: 'usr_alice',
        client_notification_token: 'tok-ping',
        authorization_details: '[{"type":"keyra_action","action":"a.b"}]',
      }).toString(),
    });
    const authReqId = started.json().auth_req_id as string;
    const list = await t.app.inject({
      method: 'GET',
      url: '/v1/challenges?userId=usr_alice',
      headers: bearer(key),
    });
    const challenge = list.json().data[0];
    const signed = approve(device.state, challenge.digest);
    const verified = await t.app.inject({
      method: 'POST',
      url: `/v1/challenges/${challenge.id}/verify`,
      headers: bearer(key),
      payload: { deviceId: device.deviceId, attestation: signed.response },
    });
    expect(verified.statusCode, verified.body).toBe(200);
    return { scope, clientId: client.record.id, authReqId };
  }

  it('retries a failing client endpoint on the webhook schedule and logs each attempt', async () => {
    const { scope, clientId, authReqId } = await setup([500], true);
    expect(await worker.runOnce()).toBe(1);
    expect(await worker.runOnce()).toBe(0);
    t.clock.advance(6_001);
    expect(await worker.runOnce()).toBe(1);
    expect(receiver.received).toHaveLength(2);
    for (const ping of receiver.received) {
      expect(ping.headers.authorization).toBe('Bearer tok-ping');
      expect(JSON.parse(ping.body)).toEqual({ auth_req_id: authReqId });
    }
    const attempts = await t.storage.webhookDeliveries.listAttempts(scope, clientId, 10);
    expect(attempts.map((a) => [a.attempt, a.statusCode])).toEqual([
      [2, 200],
      [1, 500],
    ]);
    expect(await t.storage.webhookDeliveries.countByStatus(scope)).toMatchObject({
      delivered: 1,
      pending: 0,
    });
  });

  it('applies the SSRF guard when sending: a loopback URL is refused outside --dev', async () => {
    const { scope, clientId } = await setup([], false);
    expect(await worker.runOnce()).toBe(1);
    expect(receiver.received).toHaveLength(0);
    const [attempt] = await t.storage.webhookDeliveries.listAttempts(scope, clientId, 10);
    expect(attempt?.statusCode).toBeNull();
    expect(attempt?.error).toMatch(/http|loopback|blocked|private/i);
  });
});
