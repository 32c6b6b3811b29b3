// API keys from the console: admins list them, owners create (the secret once), rotate with a
// grace period and revoke, through the session with CSRF; each change is audited; other tenants'
// keys and bad input are refused without changing anything.
import { authenticateApiKey, createApiKey, ensureTenant, formatTimestamp } from '@keyra/core';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  enrolMember,
  inviteMember,
  sessionHeaders,
  type ConsoleBrowser,
} from './helpers/consoleSession.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

const ORIGIN = 'https://console.example.com';
let t: TestApp;
let owner: ConsoleBrowser;

beforeEach(async () => {
  t = await createTestApp({ env: { KEYRA_ORIGINS: ORIGIN } });
  owner = await enrolMember(t, ORIGIN, await inviteMember(t, 'owner@example.com', 'owner'));
});

afterEach(async () => {
  await t.close();
});

const send = (
  browser: ConsoleBrowser,
  method: 'GET' | 'POST',
  url: string,
  payload?: Record<string, unknown>,
  extra: Record<string, string> = {},
): Promise<LightMyRequestResponse> =>
  t.app.inject({
    method,
    url,
    headers: sessionHeaders(browser, ORIGIN, extra),
    ...(payload !== undefined ? { payload } : {}),
  });

describe('console API keys', () => {
  it('creates a key shown once, lists it without its secret, rotates with grace, revokes', async () => {
    const created = await send(owner, 'POST', '/console/api/keys', { environment: 'production' });
    expect(created.statusCode, created.body).toBe(201);
    const { key, secret } = created.json();
    expect(secret).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(key).toMatchObject({ environment: 'production', state: 'active', audience: 'acme' });
    expect(await authenticateApiKey(t.storage.apiKeys, secret, t.clock.now())).toMatchObject({
      environment: 'production',
      keyId: key.id,
    });

    const listed = await send(owner, 'GET', '/console/api/keys?environment=production');
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data.map((k: { id: string }) => k.id)).toEqual([key.id]);
    expect(listed.body).not.toContain(secret);
    const sandbox = await send(owner, 'GET', '/console/api/keys?environment=sandbox');
    expect(sandbox.json().data).toEqual([]);

    const rotated = await send(owner, 'POST', `/console/api/keys/${key.id}/rotate`, {
      graceSeconds: 60,
    });
    expect(rotated.statusCode, rotated.body).toBe(201);
    expect(rotated.json().previous).toMatchObject({ id: key.id, state: 'rotating' });
    expect(rotated.json().key.id).not.toBe(key.id);
    // The old secret still works during the grace period, the new one too.
    await authenticateApiKey(t.storage.apiKeys, secret, t.clock.now());
    await authenticateApiKey(t.storage.apiKeys, rotated.json().secret, t.clock.now());
    t.clock.advance(60_000);
    await expect(authenticateApiKey(t.storage.apiKeys, secret, t.clock.now())).rejects.toThrow();

    const again = await send(owner, 'POST', `/console/api/keys/${key.id}/rotate`, {
      graceSeconds: 0,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('console_api_key_inactive');

    const newId = rotated.json().key.id as string;
    // Through HTTP, where the server caches keys: revoking from the console holds at once.
    const probe = async (key: string): Promise<number> =>
      (await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: bearer(key) }))
        .statusCode;
    expect(await probe(rotated.json().secret)).toBe(200);
    // That use is recorded (to the minute, after the answer) and listed.
    const lastUsed = async (): Promise<string | null> =>
      (await send(owner, 'GET', '/console/api/keys?environment=production'))
        .json()
        .data.find((k: { id: string }) => k.id === newId).lastUsedAt;
    await expect.poll(lastUsed).toBe(formatTimestamp(t.clock.now()));
    const revoked = await send(owner, 'POST', `/console/api/keys/${newId}/revoke`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json().state).toBe('revoked');
    await expect(
      authenticateApiKey(t.storage.apiKeys, rotated.json().secret, t.clock.now()),
    ).rejects.toThrow();
    expect(await probe(rotated.json().secret)).toBe(401);
    expect((await send(owner, 'POST', `/console/api/keys/${newId}/revoke`)).statusCode).toBe(409);

    // Each change is in the audit chain, by this console user.
    const { tenant } = await ensureTenant(t.storage.tenants, 'acme', t.clock.now());
    const audit = await t.app.inject({
      method: 'GET',
      url: '/v1/audit?limit=50',
      headers: sessionHeaders(owner, ORIGIN, { 'keyra-environment': 'production' }),
    });
    expect(audit.statusCode, audit.body).toBe(200);
    const types = audit.json().data.map((e: { type: string; actor: string }) => [e.type, e.actor]);
    for (const type of ['api_key.created', 'api_key.rotated', 'api_key.revoked'])
      expect(types).toContainEqual([type, `console:${owner.userId}`]);
    expect(tenant.name).toBe('acme');
  });

  it('admins list but cannot change; developers cannot list; CSRF is required', async () => {
    const admin = await enrolMember(t, ORIGIN, await inviteMember(t, 'admin@example.com', 'admin'));
    const dev = await enrolMember(t, ORIGIN, await inviteMember(t, 'dev@example.com', 'developer'));
    expect((await send(admin, 'GET', '/console/api/keys?environment=sandbox')).statusCode).toBe(
      200,
    );
    const refused = await send(admin, 'POST', '/console/api/keys', { environment: 'sandbox' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      code: 'console_role_insufficient',
      details: { required: 'owner' },
    });
    expect((await send(dev, 'GET', '/console/api/keys?environment=sandbox')).statusCode).toBe(403);
    const noCsrf = await send(
      owner,
      'POST',
      '/console/api/keys',
      { environment: 'sandbox' },
      {
        'x-csrf-token': 'nope',
      },
    );
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().code).toBe('console_csrf_failed');
    const { tenant } = await ensureTenant(t.storage.tenants, 'acme', t.clock.now());
    expect(await t.storage.apiKeys.listForTenant(tenant.id)).toEqual([]);
  });

  it("refuses bad input and another tenant's key with a 4xx, changing nothing", async () => {
    const { tenant } = await ensureTenant(t.storage.tenants, 'other', t.clock.now());
    const theirs = await createApiKey(t.storage, {
      tenantId: tenant.id,
      environment: 'sandbox',
      audience: 'other',
      now: t.clock.now(),
    });
    for (const url of [
      `/console/api/keys/${theirs.record.id}/revoke`,
      '/console/api/keys/key_doesnotexist/revoke',
    ]) {
      const res = await send(owner, 'POST', url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('console_api_key_not_found');
    }
    const rotate = await send(owner, 'POST', `/console/api/keys/${theirs.record.id}/rotate`, {
      graceSeconds: 0,
    });
    expect(rotate.statusCode).toBe(404);
    expect((await t.storage.apiKeys.findById(theirs.record.id))?.revokedAt).toBeNull();
    expect((await t.storage.apiKeys.findById(theirs.record.id))?.replacedBy).toBeNull();

    for (const [url, payload] of [
      ['/console/api/keys', { environment: 'staging' }],
      ['/console/api/keys', {}],
      [`/console/api/keys/${theirs.record.id}/rotate`, { graceSeconds: -1 }],
      [`/console/api/keys/${theirs.record.id}/rotate`, { graceSeconds: 31 * 24 * 3600 }],
      ['/console/api/keys/not-a-key/revoke', undefined],
    ] as const) {
      const res = await send(owner, 'POST', url, payload);
      expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    }
    expect((await send(owner, 'GET', '/console/api/keys?environment=moon')).statusCode).toBe(400);
    const own = await t.storage.tenants.findByName('acme');
    expect(await t.storage.apiKeys.listForTenant(own?.id ?? '')).toEqual([]);
  });
});
