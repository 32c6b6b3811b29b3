import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

/** One test per class of bad input: a specific 4xx code each, never a 500, never a write. */
describe('bad input', () => {
  let t: TestApp;
  let key: string;
  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
  });
  afterEach(async () => t.close());

  const valid = { action: 'transfer.approve', userId: 'usr_8f2a', payload: { amount: 1 } };

  async function countChallenges(): Promise<number> {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/challenges?limit=100',
      headers: bearer(key),
    });
    return res.json().data.length;
  }

  async function expectRefused(
    request: {
      payload?: string | object;
      headers?: Record<string, string>;
      url?: string;
      method?: 'POST' | 'GET';
    },
    status: number,
    code: string,
  ): Promise<Record<string, unknown>> {
    const res = await t.app.inject({
      method: request.method ?? 'POST',
      url: request.url ?? '/v1/challenges',
      headers: { ...bearer(key), 'content-type': 'application/json', ...request.headers },
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
    });
    expect(res.statusCode, res.body).toBe(status);
    const body = res.json();
    expect(body.code).toBe(code);
    expect(typeof body.message).toBe('string');
    expect(await countChallenges()).toBe(0);
    return body;
  }

  it('malformed JSON → 400 invalid_json', async () => {
    await expectRefused({ payload: '{"action": "transfer.approve",' }, 400, 'invalid_json');
  });

  it('an empty JSON body → 400 invalid_json', async () => {
    await expectRefused({ payload: '' }, 400, 'invalid_json');
  });

  it('a prototype-poisoning body → 400 invalid_json', async () => {
    await expectRefused(
      { payload: '{"action":"a.b","userId":"u","__proto__":{"x":1}}' },
      400,
      'invalid_json',
    );
  });

  it('a non-JSON content type → 415 unsupported_media_type', async () => {
    await expectRefused(
      { payload: 'action=a.b', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
      'unsupported_media_type',
    );
  });

  it('wrong types → 400 validation_failed naming each field (no coercion of "120")', async () => {
    const body = await expectRefused(
      { payload: { ...valid, expiresIn: '120', userId: 42 } },
      400,
      'validation_failed',
    );
    const fields = (body.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['expiresIn', 'userId']);
  });

  it('a value outside a list names the allowed values once, not once per branch', async () => {
    const body = await expectRefused(
      { method: 'GET', url: '/v1/challenges?status=done' },
      400,
      'validation_failed',
    );
    expect(body.message).toBe(
      'Invalid request: querystring.status must be one of: pending, approved, rejected, expired, canceled.',
    );
    expect(body.details).toEqual([
      {
        field: 'querystring.status',
        issue: 'enum',
        message: 'must be one of: pending, approved, rejected, expired, canceled',
        allowed: ['pending', 'approved', 'rejected', 'expired', 'canceled'],
      },
    ]);
  });

  it('a missing required field → 400 validation_failed', async () => {
    const body = await expectRefused({ payload: { action: 'a.b' } }, 400, 'validation_failed');
    expect(body.details).toEqual([expect.objectContaining({ field: 'userId', issue: 'required' })]);
  });

  it('a payload that is not an object → 400 validation_failed', async () => {
    await expectRefused({ payload: { ...valid, payload: [1, 2] } }, 400, 'validation_failed');
    await expectRefused({ payload: '[]' }, 400, 'validation_failed');
  });

  it('out-of-range values → 400 validation_failed', async () => {
    await expectRefused({ payload: { ...valid, expiresIn: 9 } }, 400, 'validation_failed');
    await expectRefused({ payload: { ...valid, expiresIn: 601 } }, 400, 'validation_failed');
    await expectRefused({ payload: { ...valid, expiresIn: 12.5 } }, 400, 'validation_failed');
    await expectRefused(
      { payload: { ...valid, action: 'Transfer Approve' } },
      400,
      'validation_failed',
    );
    await expectRefused(
      { payload: { ...valid, action: `a.${'b'.repeat(100)}` } },
      400,
      'validation_failed',
    );
    await expectRefused({ payload: { ...valid, userId: '' } }, 400, 'validation_failed');
  });

  it('unknown fields in the body → 400 unknown_field naming them', async () => {
    const body = await expectRefused({ payload: { ...valid, amount: 5 } }, 400, 'unknown_field');
    expect(body.details).toEqual([{ field: 'amount', issue: 'unknown_field' }]);
  });

  it('unknown query parameters → 400 unknown_field', async () => {
    const body = await expectRefused(
      { method: 'GET', url: '/v1/challenges?colour=red' },
      400,
      'unknown_field',
    );
    expect(body.details).toEqual([{ field: 'querystring.colour', issue: 'unknown_field' }]);
  });

  it('a payload over 16 KiB (canonical) → 400 validation_failed', async () => {
    const body = await expectRefused(
      { payload: { ...valid, payload: { blob: 'x'.repeat(16 * 1024) } } },
      400,
      'validation_failed',
    );
    expect(body.details).toEqual([
      expect.objectContaining({ field: 'payload', issue: 'too_large' }),
    ]);
  });

  it('a payload nested deeper than 16 → 400 validation_failed', async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 16; i += 1) deep = { d: deep };
    const body = await expectRefused(
      { payload: { ...valid, payload: deep } },
      400,
      'validation_failed',
    );
    expect(body.details).toEqual([
      expect.objectContaining({ field: 'payload', issue: 'too_deep' }),
    ]);
  });

  it('accepts a payload at exactly the depth limit', async () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 15; i += 1) deep = { d: deep };
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: bearer(key),
      payload: { ...valid, payload: deep },
    });
    expect(res.statusCode).toBe(201);
  });

  it('a body over the body limit → 413 payload_too_large', async () => {
    await expectRefused(
      { payload: JSON.stringify({ ...valid, payload: { blob: 'x'.repeat(70 * 1024) } }) },
      413,
      'payload_too_large',
    );
  });

  it('a malformed id → 400 invalid_id; a well-formed unknown id → 404 challenge_not_found', async () => {
    await expectRefused({ method: 'GET', url: '/v1/challenges/not-an-id' }, 400, 'invalid_id');
    await expectRefused(
      { method: 'GET', url: "/v1/challenges/chl_x'%20OR%201=1" },
      400,
      'invalid_id',
    );
    await expectRefused(
      { method: 'GET', url: '/v1/challenges/chl_9k2m' },
      404,
      'challenge_not_found',
    );
  });

  it('a forged cursor → 400 invalid_cursor', async () => {
    await expectRefused(
      { method: 'GET', url: '/v1/challenges?cursor=bm90LWEtY3Vyc29y' },
      400,
      'invalid_cursor',
    );
    await expectRefused(
      { method: 'GET', url: '/v1/challenges?cursor=%7B%7D' },
      400,
      'invalid_cursor',
    );
  });

  it('bad query values → 400 validation_failed', async () => {
    await expectRefused({ method: 'GET', url: '/v1/challenges?limit=0' }, 400, 'validation_failed');
    await expectRefused(
      { method: 'GET', url: '/v1/challenges?limit=abc' },
      400,
      'validation_failed',
    );
    await expectRefused(
      { method: 'GET', url: '/v1/challenges?status=done' },
      400,
      'validation_failed',
    );
    await expectRefused(
      { method: 'GET', url: '/v1/challenges?createdFrom=yesterday' },
      400,
      'validation_failed',
    );
  });

  it('a well-formed timestamp that names no instant → 400 validation_failed naming the parameter', async () => {
    // A leap second passes the date-time format but has no epoch value, on both API styles.
    for (const [url, name] of [
      ['/v1/challenges?createdTo=2026-12-31T23:59:60Z', 'createdTo'],
      ['/api/v1/verify_logs?created_from=2026-12-31T23:59:60Z', 'created_from'],
    ] as const) {
      const body = await expectRefused({ method: 'GET', url }, 400, 'validation_failed');
      expect(body).toEqual({
        code: 'validation_failed',
        message: `${name} is not a valid RFC 3339 timestamp.`,
        details: [{ field: `querystring.${name}`, issue: 'format' }],
      });
    }
  });

  it('an unknown route → 404 route_not_found', async () => {
    await expectRefused({ method: 'GET', url: '/v1/nothing-here' }, 404, 'route_not_found');
  });

  it('a bad Idempotency-Key → 400 idempotency_key_invalid', async () => {
    await expectRefused(
      { payload: valid, headers: { 'idempotency-key': 'x'.repeat(256) } },
      400,
      'idempotency_key_invalid',
    );
  });
});

describe('wrong method', () => {
  it('→ 405 method_not_allowed with an Allow header', async () => {
    const t = await createTestApp();
    const res = await t.app.inject({ method: 'DELETE', url: '/v1/challenges' });
    expect(res.statusCode).toBe(405);
    expect(res.json().code).toBe('method_not_allowed');
    expect(res.headers.allow).toBe('POST, GET');
    await t.close();
  });
});
