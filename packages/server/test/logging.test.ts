import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createOAuthClient, ensureTenant } from '@keyra/core';
import { loggerOptions } from '../src/app.js';
import { createWebhookUrlGuard } from '../src/webhooks/webhookUrlGuard.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('logs', () => {
  let t: TestApp;
  afterEach(async () => t.close());

  it('are JSON lines that never contain API keys, payloads or bodies, even on errors', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        callback();
      },
    });
    const base = loggerOptions('trace') as object;
    t = await createTestApp({ logger: { ...base, stream } });
    const key = await t.key();
    const secretMemo = 'MEMO-7f3a9-should-not-be-logged';
    const inputs = [
      {
        method: 'POST' as const,
        url: '/v1/challenges',
        headers: bearer(key),
        payload: { action: 'a.b', userId: 'u', payload: { memo: secretMemo } },
      },
      {
        method: 'POST' as const,
        url: '/v1/challenges',
        headers: { 'x-api-key': key },
        payload: { action: 'a.b', userId: 'u', memo: secretMemo },
      },
      {
        method: 'POST' as const,
        url: '/v1/challenges',
        headers: { ...bearer(key), 'content-type': 'application/json' },
        payload: `{"memo":"${secretMemo}"`,
      },
      // A wrong key: the last character changed (to one it is not, or the key would be right).
      {
        method: 'GET' as const,
        url: '/v1/challenges',
        headers: bearer(`${key.slice(0, -1)}${key.endsWith('Z') ? 'Y' : 'Z'}`),
      },
    ];
    for (const input of inputs) await t.app.inject(input);
    expect(lines.length).toBeGreaterThan(4);
    for (const line of lines) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(parsed).toHaveProperty('level');
      expect(line).not.toContain(key);
      expect(line).not.toContain(key.slice(8));
      expect(line).not.toContain(secretMemo);
    }
    // The refusal reason is logged for operators.
    expect(lines.some((line) => line.includes('"reason":"unknown"'))).toBe(true);
  });

  it('never contain OAuth client secrets, auth_req_ids or notification tokens (/oauth/*)', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        callback();
      },
    });
    t = await createTestApp({ logger: { ...(loggerOptions('trace') as object), stream } });
    const { tenant } = await ensureTenant(t.storage.tenants, 'acme', t.clock.now());
    const { record, secret } = await createOAuthClient(
      { tenantId: tenant.id, environment: 'sandbox' },
      { name: 'Agent', deliveryMode: 'ping', notifyUrl: 'http://127.0.0.1:9/cb' },
      { store: t.storage.oauthClients, urlGuard: createWebhookUrlGuard({ dev: true }), now: 0 },
    );
    const notificationToken = 'NOTIFY-TOKEN-9c1e-should-not-be-logged';
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const basic = `Basic ${Buffer.from(`${record.id}:${secret}`).toString('base64')}`;
    const started = await t.app.inject({
      method: 'POST',
      url: '/oauth/bc-authorize',
      headers: { ...form, authorization: basic },
      payload: new URLSearchParams({
        scope: 'openid',
        login_hint: 'usr_alice',
        client_notification_token: notificationToken,
        authorization_details: '[{"type":"keyra_action","action":"a.b"}]',
      }).toString(),
    });
    expect(started.statusCode, started.body).toBe(200);
    const authReqId = started.json().auth_req_id as string;
    const grant = 'urn:openid:params:grant-type:ciba';
    const inputs: {
      headers: Record<string, string>;
      body: Record<string, string>;
      query?: string;
    }[] = [
      {
        headers: { ...form, authorization: basic },
        body: { grant_type: grant, auth_req_id: authReqId },
      },
      // client_secret_post, a wrong secret, and credentials (wrongly) in the query string.
      {
        headers: form,
        body: {
          grant_type: grant,
          auth_req_id: authReqId,
          client_id: record.id,
          client_secret: `${secret}x`,
        },
      },
      {
        headers: form,
        query: `?client_secret=${secret}&auth_req_id=${authReqId}`,
        body: { grant_type: grant },
      },
    ];
    for (const input of inputs)
      await t.app.inject({
        method: 'POST',
        url: `/oauth/token${input.query ?? ''}`,
        headers: input.headers,
        payload: new URLSearchParams(input.body).toString(),
      });
    expect(lines.filter((line) => line.includes('/oauth/token')).length).toBe(3);
    for (const line of lines) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(secret.slice(3));
      expect(line).not.toContain(authReqId);
      expect(line).not.toContain(notificationToken);
    }
    expect(lines.some((line) => line.includes('"reason":"wrong_secret"'))).toBe(true);
  });
});
