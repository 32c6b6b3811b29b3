import { afterEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('rate limits (in-process store)', () => {
  let t: TestApp;
  afterEach(async () => t.close());

  it('limits per key with X-RateLimit-* on every authenticated response and 429 + Retry-After', async () => {
    t = await createTestApp({
      env: { KEYRA_RATE_LIMIT_PER_KEY: '3', KEYRA_RATE_LIMIT_WINDOW_SECONDS: '60' },
    });
    const key = await t.key();
    const other = await t.key('globex');
    const get = (k: string) =>
      t.app.inject({ method: 'GET', url: '/v1/challenges', headers: bearer(k) });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await get(key);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      expect(Number(res.headers['x-ratelimit-reset'])).toBe(
        Math.ceil((Math.floor(t.clock.now() / 60_000) + 1) * 60),
      );
      remaining.push(String(res.headers['x-ratelimit-remaining']));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await get(key);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limit_exceeded');
    expect(limited.headers['retry-after']).toBe('60');
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    // Another key has its own budget.
    expect((await get(other)).statusCode).toBe(200);
    // The next window starts fresh.
    t.clock.advance(60_000);
    expect((await get(key)).statusCode).toBe(200);
  });

  it('limits per IP before authentication, so key guessing is throttled too', async () => {
    t = await createTestApp({ env: { KEYRA_RATE_LIMIT_PER_IP: '2' } });
    const wrong = bearer(`sk_test_${'B'.repeat(32)}`);
    const codes: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      codes.push(
        (await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: wrong })).statusCode,
      );
    }
    expect(codes).toEqual([401, 401, 429]);
    const fromElsewhere = await t.app.inject({
      method: 'GET',
      url: '/v1/challenges',
      headers: wrong,
      remoteAddress: '203.0.113.7',
    });
    expect(fromElsewhere.statusCode).toBe(401);
  });

  it('does not write when the limit refuses a POST', async () => {
    t = await createTestApp({ env: { KEYRA_RATE_LIMIT_PER_KEY: '1' } });
    const key = await t.key();
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: '/v1/challenges',
        headers: bearer(key),
        payload: { action: 'a.b', userId: 'u' },
      });
    expect((await post()).statusCode).toBe(201);
    expect((await post()).statusCode).toBe(429);
    t.clock.advance(60_000);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: bearer(key) })).json()
        .data,
    ).toHaveLength(1);
  });
});
