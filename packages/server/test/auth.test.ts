import { createApiKey, rotateApiKey } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('authentication', () => {
  let t: TestApp;
  let key: string;
  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
  });
  afterEach(async () => t.close());

  const list = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/v1/challenges', headers });

  async function expectRefused(headers: Record<string, string>): Promise<void> {
    const res = await list(headers);
    expect(res.statusCode).toBe(401);
    // Every failure looks the same from outside.
    expect(res.json()).toEqual({ code: 'invalid_api_key', message: 'Missing or invalid API key.' });
  }

  it('accepts Authorization: Bearer and x-api-key', async () => {
    expect((await list(bearer(key))).statusCode).toBe(200);
    expect((await list({ 'x-api-key': key })).statusCode).toBe(200);
    expect((await list({ authorization: `bearer ${key}`, 'x-api-key': key })).statusCode).toBe(200);
  });

  it('refuses a missing key', async () => expectRefused({}));
  it('refuses a malformed key', async () => expectRefused(bearer('sk_test_short')));
  it('refuses a non-Bearer scheme', async () => expectRefused({ authorization: `Basic ${key}` }));
  it('refuses a well-formed unknown key', async () =>
    expectRefused(bearer(`sk_test_${'A'.repeat(32)}`)));
  it('refuses a sandbox key body with the live prefix', async () =>
    expectRefused(bearer(key.replace('sk_test_', 'sk_live_'))));
  it('refuses two different keys in one request', async () => {
    const other = await t.key('acme');
    await expectRefused({ authorization: `Bearer ${key}`, 'x-api-key': other });
  });

  it('refuses a revoked key', async () => {
    const tenant = await t.storage.tenants.findByName('acme');
    const issued = await createApiKey(t.storage, {
      tenantId: tenant!.id,
      environment: 'sandbox',
      audience: 'acme',
      now: t.clock.now(),
    });
    expect((await list(bearer(issued.secret))).statusCode).toBe(200);
    await t.storage.apiKeys.revoke(issued.record.id, t.clock.now());
    // The stated bound: an instance that looked the key up trusts it for at most apiKeyCacheMs.
    expect(t.config.apiKeyCacheMs).toBe(5000);
    t.clock.advance(t.config.apiKeyCacheMs - 1);
    expect((await list(bearer(issued.secret))).statusCode).toBe(200);
    t.clock.advance(1);
    await expectRefused(bearer(issued.secret));
  });

  it('refuses a revoked key at once when the key cache is off', async () => {
    await t.close();
    t = await createTestApp({ env: { KEYRA_API_KEY_CACHE_MS: '0' } });
    key = await t.key();
    const tenant = await t.storage.tenants.findByName('acme');
    const issued = await createApiKey(t.storage, {
      tenantId: tenant!.id,
      environment: 'sandbox',
      audience: 'acme',
      now: t.clock.now(),
    });
    expect((await list(bearer(issued.secret))).statusCode).toBe(200);
    await t.storage.apiKeys.revoke(issued.record.id, t.clock.now());
    await expectRefused(bearer(issued.secret));
  });

  it('never caches an unknown key: a key created after a refused lookup works at once', async () => {
    const tenant = await t.storage.tenants.findByName('acme');
    await expectRefused(bearer(`sk_test_${'B'.repeat(32)}`));
    const issued = await createApiKey(t.storage, {
      tenantId: tenant!.id,
      environment: 'sandbox',
      audience: 'acme',
      now: t.clock.now(),
    });
    expect((await list(bearer(issued.secret))).statusCode).toBe(200);
  });

  it('keeps a rotated key valid for the grace period, then refuses it', async () => {
    const tenant = await t.storage.tenants.findByName('acme');
    const issued = await createApiKey(t.storage, {
      tenantId: tenant!.id,
      environment: 'sandbox',
      audience: 'acme',
      now: t.clock.now(),
    });
    const rotated = await rotateApiKey(t.storage, {
      keyId: issued.record.id,
      now: t.clock.now(),
      graceMs: 60_000,
    });
    if (rotated.outcome !== 'rotated') throw new Error('rotation failed');
    expect((await list(bearer(issued.secret))).statusCode).toBe(200);
    expect((await list(bearer(rotated.replacement.secret))).statusCode).toBe(200);
    t.clock.advance(60_000);
    await expectRefused(bearer(issued.secret));
    expect((await list(bearer(rotated.replacement.secret))).statusCode).toBe(200);
    // A rotated key cannot be rotated again.
    expect(
      (
        await rotateApiKey(t.storage, {
          keyId: issued.record.id,
          now: t.clock.now(),
          graceMs: 0,
        })
      ).outcome,
    ).toBe('inactive');
  });

  it('never needs a key for health, readiness, metrics and docs', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBeLessThan(400);
    }
  });
});

describe('tenant and environment isolation', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => t.close());

  it('a key never sees another tenant’s or environment’s challenges', async () => {
    const keys = {
      acmeSandbox: await t.key('acme', 'sandbox'),
      acmeLive: await t.key('acme', 'production'),
      globexSandbox: await t.key('globex', 'sandbox'),
    };
    expect(keys.acmeLive).toMatch(/^sk_live_/);
    const created: Record<string, string> = {};
    for (const [name, key] of Object.entries(keys)) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/v1/challenges',
        headers: bearer(key),
        payload: { action: 'transfer.approve', userId: 'usr_shared' },
      });
      created[name] = res.json().id;
    }
    for (const [name, key] of Object.entries(keys)) {
      const listed = (
        await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: bearer(key) })
      ).json();
      expect(listed.data.map((c: { id: string }) => c.id)).toEqual([created[name]]);
      const filtered = (
        await t.app.inject({
          method: 'GET',
          url: '/v1/challenges?userId=usr_shared',
          headers: bearer(key),
        })
      ).json();
      expect(filtered.data).toHaveLength(1);
      for (const [otherName, otherId] of Object.entries(created)) {
        const res = await t.app.inject({
          method: 'GET',
          url: `/v1/challenges/${otherId}`,
          headers: bearer(key),
        });
        expect(res.statusCode, `${name} reading ${otherName}`).toBe(otherName === name ? 200 : 404);
      }
    }
  });
});
