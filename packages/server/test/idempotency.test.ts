import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('Idempotency-Key', () => {
  let t: TestApp;
  let key: string;
  beforeEach(async () => {
    t = await createTestApp();
    key = await t.key();
  });
  afterEach(async () => t.close());

  const post = (body: object, idempotencyKey?: string, apiKey = key) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/challenges',
      headers: {
        ...bearer(apiKey),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      payload: body,
    });
  const count = async () =>
    (await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: bearer(key) })).json().data
      .length;

  it('replays the original response for a retry and creates one challenge', async () => {
    const body = { action: 'transfer.approve', userId: 'u', payload: { amount: 1 } };
    const first = await post(body, 'retry-1');
    const second = await post(
      { payload: { amount: 1 }, userId: 'u', action: 'transfer.approve' },
      'retry-1',
    );
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.body).toBe(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await count()).toBe(1);
  });

  it('stores a create’s answer in the challenge’s own write: a retry replays it even if a separate completion would fail', async () => {
    // The hook's completion, after the response, is what a create no longer depends on.
    t.storage.idempotency.complete = () => Promise.reject(new Error('database went away'));
    const body = { action: 'transfer.approve', userId: 'u', payload: { amount: 2 } };
    const first = await post(body, 'in-write-1');
    const retry = await post(body, 'in-write-1');
    expect(first.statusCode).toBe(201);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.json()).toEqual({
      id: expect.stringMatching(/^chl_/),
      status: 'pending',
      expiresAt: expect.any(String),
    });
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toBe(first.body);
    expect(await count()).toBe(1);
  });

  it('refuses the same key with a different body with 422 idempotency_key_reused', async () => {
    await post({ action: 'a.b', userId: 'u' }, 'k-2');
    const res = await post({ action: 'a.b', userId: 'someone-else' }, 'k-2');
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('idempotency_key_reused');
    expect(await count()).toBe(1);
  });

  it('keeps keys apart per tenant', async () => {
    const otherKey = await t.key('globex');
    const a = await post({ action: 'a.b', userId: 'u' }, 'shared');
    const b = await post({ action: 'a.b', userId: 'u' }, 'shared', otherKey);
    expect(b.statusCode).toBe(201);
    expect(b.json().id).not.toBe(a.json().id);
  });

  it('replays 4xx outcomes of the handler too, but stores nothing for schema failures', async () => {
    // Refused by the schema (action must be a string): nothing stored, the key stays free.
    const invalid = await post({ action: 5, userId: 'u' }, 'k-3');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().code).toBe('validation_failed');
    const valid = await post({ action: 'a.b', userId: 'u' }, 'k-3');
    expect(valid.statusCode).toBe(201);
    // Refused by the handler (no userId and no approvers): stored, and a retry replays it.
    const refused = await post({ action: 'a.b' }, 'k-3b');
    expect(refused.statusCode).toBe(400);
    const retried = await post({ action: 'a.b' }, 'k-3b');
    expect(retried.statusCode).toBe(400);
    expect(retried.body).toBe(refused.body);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(await count()).toBe(1);
  });

  it('expires after 24 h: the key can then be used again', async () => {
    const first = await post({ action: 'a.b', userId: 'u' }, 'k-4');
    t.clock.advance(24 * 3600_000 + 1);
    const again = await post({ action: 'a.b', userId: 'u' }, 'k-4');
    expect(again.statusCode).toBe(201);
    expect(again.json().id).not.toBe(first.json().id);
  });

  it('does not apply to GET', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/v1/challenges',
      headers: { ...bearer(key), 'idempotency-key': 'x' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('answers a committed request as it is when storing its key fails, and stores it once the database answers', async () => {
    // The database drops out between the work's commit and the key's write (a real outage in
    // e2e/topology/faults.test.ts); here the first write fails the way pg does then.
    const store = t.storage.idempotency;
    const complete = store.complete.bind(store);
    let failures = 1;
    store.complete = async (...args) => {
      if (failures-- > 0) throw new Error('Connection terminated unexpectedly');
      return complete(...args);
    };
    const body = { action: 'transfer.approve', userId: 'u', payload: { amount: 2 } };
    const first = await post(body, 'outage-1');
    expect(first.statusCode).toBe(201);
    // Retried in the background every 500 ms: the retry of the client then replays.
    let second = await post(body, 'outage-1');
    for (let i = 0; i < 40 && second.statusCode === 409; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      second = await post(body, 'outage-1');
    }
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    expect(await count()).toBe(1);
  });
});
