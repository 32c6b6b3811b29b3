import { challengeDigest } from '@keyra/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('challenges API', () => {
  let t: TestApp;
  let key: string;
  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
  });
  afterEach(async () => t.close());

  const create = (body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: { ...bearer(key), ...headers },
      payload: body as object,
    });

  it('creates a pending challenge exactly as the API reference shows', async () => {
    const res = await create({
      action: 'transfer.approve',
      userId: 'usr_8f2a',
      payload: { amount: 12500, currency: 'USD', memo: 'Wire to Acme Corp' },
      expiresIn: 120,
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'id', 'status']);
    expect(body.id).toMatch(/^chl_[0-9A-Za-z]{24}$/);
    expect(body.status).toBe('pending');
    expect(body.expiresAt).toBe('2026-05-29T18:42:00Z');
  });

  it('returns the full challenge with a digest over the canonical document', async () => {
    const created = (
      await create({ action: 'deploy.production', userId: 'usr_1', payload: { b: [1, 2], a: 'x' } })
    ).json();
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/challenges/${created.id}`,
      headers: bearer(key),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      id: created.id,
      status: 'pending',
      action: 'deploy.production',
      userId: 'usr_1',
      payload: { a: 'x', b: [1, 2] },
      createdAt: '2026-05-29T18:40:00Z',
      expiresAt: '2026-05-29T18:42:00Z',
      decidedAt: null,
    });
    expect(body.digest).toBe(
      challengeDigest({
        id: created.id,
        action: 'deploy.production',
        userId: 'usr_1',
        payload: { a: 'x', b: [1, 2] },
        expiresAt: Date.parse(body.expiresAt),
      }),
    );
  });

  it('refuses an audience or metadata outside their limits, naming the field, and stores nothing', async () => {
    const base = { action: 'transfer.approve', userId: 'usr_1' };
    const bad: [string, unknown][] = [
      ['audience', ''],
      ['audience', 'a'.repeat(201)],
      ['audience', 'line\nbreak'],
      ['metadata', { 'bad key': 'x' }],
      ['metadata', { k: 'v'.repeat(501) }],
      ['metadata', { k: 1 }],
      ['metadata', Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']))],
      ['metadata', { ['k'.repeat(41)]: 'v' }],
    ];
    for (const [field, value] of bad) {
      const res = await create({ ...base, [field]: value });
      expect(res.statusCode, `${field}=${JSON.stringify(value).slice(0, 40)}`).toBe(400);
      expect(res.json().code).toBe('validation_failed');
      expect(res.body).toContain(field);
    }
    const listed = await t.app.inject({
      method: 'GET',
      url: '/v1/challenges',
      headers: bearer(key),
    });
    expect(listed.json().data).toEqual([]);
    const good = await create({
      ...base,
      audience: 'https://bank.example/payments',
      metadata: Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(500)]),
      ),
    });
    expect(good.statusCode).toBe(201);
  });

  it('defaults expiresIn to 120 s and the payload to {}', async () => {
    const created = (await create({ action: 'agent.tool_call', userId: 'u' })).json();
    const body = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/challenges/${created.id}`,
        headers: bearer(key),
      })
    ).json();
    expect(body.payload).toEqual({});
    expect(Date.parse(body.expiresAt) - Date.parse(body.createdAt)).toBe(120_000);
  });

  it('shows a challenge past its TTL as expired, and the expiry sweep records it', async () => {
    const created = (await create({ action: 'a.b', userId: 'u', expiresIn: 10 })).json();
    t.clock.advance(10_000);
    const seen = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/challenges/${created.id}`,
        headers: bearer(key),
      })
    ).json();
    expect(seen.status).toBe('expired');
    expect(seen.decidedAt).toBe(seen.expiresAt);
    const swept = await t.storage.challenges.expireDue(t.clock.now(), 100);
    expect(swept.map((c) => c.id)).toEqual([created.id]);
    expect((await t.storage.challenges.find(await scopeOf(), created.id))?.status).toBe('expired');
  });

  async function scopeOf(): Promise<{ tenantId: string; environment: 'sandbox' }> {
    const tenant = await t.storage.tenants.findByName('acme');
    return { tenantId: tenant!.id, environment: 'sandbox' };
  }

  it('lists newest first with filters and cursor pagination that neither skips nor repeats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      ids.push(
        (
          await create({ action: i % 2 ? 'transfer.approve' : 'deploy.run', userId: `u${i % 3}` })
        ).json().id,
      );
      t.clock.advance(i % 3 === 0 ? 0 : 1000); // some share a createdAt
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/challenges?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await t.app.inject({ method: 'GET', url, headers: bearer(key) })).json();
      seen.push(...page.data.map((c: { id: string }) => c.id));
      cursor = page.nextCursor;
      expect(page.hasMore).toBe(cursor !== null);
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect(seen.sort()).toEqual([...ids].sort());

    const filtered = (
      await t.app.inject({
        method: 'GET',
        url: '/v1/challenges?action=transfer.approve&userId=u1',
        headers: bearer(key),
      })
    ).json();
    expect(filtered.data.length).toBeGreaterThan(0);
    for (const c of filtered.data)
      expect(c).toMatchObject({ action: 'transfer.approve', userId: 'u1' });
  });

  it('filters by status consistently with the statuses it shows', async () => {
    await create({ action: 'a.b', userId: 'u', expiresIn: 10 });
    t.clock.advance(11_000);
    await create({ action: 'a.b', userId: 'u', expiresIn: 60 });
    const pending = (
      await t.app.inject({
        method: 'GET',
        url: '/v1/challenges?status=pending',
        headers: bearer(key),
      })
    ).json();
    const expired = (
      await t.app.inject({
        method: 'GET',
        url: '/v1/challenges?status=expired',
        headers: bearer(key),
      })
    ).json();
    expect(pending.data.map((c: { status: string }) => c.status)).toEqual(['pending']);
    expect(expired.data.map((c: { status: string }) => c.status)).toEqual(['expired']);
  });

  it('filters by creation time', async () => {
    await create({ action: 'a.b', userId: 'u' });
    t.clock.advance(60_000);
    const later = (await create({ action: 'a.b', userId: 'u' })).json();
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/challenges?createdFrom=2026-05-29T18:40:30Z',
      headers: bearer(key),
    });
    expect(res.json().data.map((c: { id: string }) => c.id)).toEqual([later.id]);
  });
});
