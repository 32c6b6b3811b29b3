import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APIError,
  AttestationInvalidError,
  AuthenticationError,
  ConflictError,
  ConnectionError,
  GoneError,
  InvalidRequestError,
  Keyra,
  KeyraError,
  NotFoundError,
  RateLimitError,
} from '../src/index.js';

/*
 * The HTTP layer against a real local server that counts attempts and answers from a script:
 * which statuses are retried, how long the client waits, what it sends each time.
 */

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}
type Answer = { status: number; headers?: Record<string, string>; body?: unknown };

let server: http.Server;
let baseUrl: string;
let seen: Seen[] = [];
let script: Answer[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      const answer = script.shift() ?? { status: 200, body: { ok: true } };
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'request-id': `req_${seen.length}`,
        ...answer.headers,
      });
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen = [];
  script = [];
});

const client = (options: { maxRetries?: number; timeout?: number } = {}) =>
  new Keyra({ apiKey: 'sk_test_unit', baseUrl, ...options });
const errorBody = (code: string) => ({ code, message: `${code} happened`, details: [{ code }] });

describe('retries', () => {
  it('retries a 429 after the Retry-After seconds, with the same idempotency key', async () => {
    script = [
      { status: 429, headers: { 'retry-after': '1' }, body: errorBody('rate_limit_exceeded') },
      { status: 201, body: { id: 'chl_abcd', status: 'pending', expiresAt: 'x' } },
    ];
    const created = await client().challenges.create({ action: 'a.b', userId: 'u' });
    expect(created.id).toBe('chl_abcd');
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(950);
    const key = seen[0]!.headers['idempotency-key'];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]!.headers['idempotency-key']).toBe(key);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });

  it('retries 500 and 503 up to maxRetries, then throws APIError with the last answer', async () => {
    script = [
      { status: 500, body: errorBody('internal_error') },
      { status: 503, body: errorBody('service_unavailable') },
      { status: 502, body: errorBody('SPEECH_PROCESSING_FAILED') },
    ];
    const error = await client({ maxRetries: 2 })
      .challenges.create({ action: 'a.b', userId: 'u' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({
      status: 502,
      code: 'SPEECH_PROCESSING_FAILED',
      requestId: 'req_3',
    });
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.headers['idempotency-key'])).size).toBe(1);
  });

  it('returns the answer once a retried 500 succeeds', async () => {
    script = [{ status: 500, body: errorBody('internal_error') }];
    await expect(client().challenges.retrieve('chl_abcd')).resolves.toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.headers['idempotency-key']).toBeUndefined(); // GET needs none
  });

  it('retries any answer with Retry-After: 409 idempotency_key_in_use, same key and body', async () => {
    script = [
      {
        status: 409,
        headers: { 'retry-after': '0' },
        body: errorBody('idempotency_key_in_use'),
      },
      { status: 201, body: { id: 'chl_abcd', status: 'pending', expiresAt: 'x' } },
    ];
    const created = await client().challenges.create({ action: 'a.b', userId: 'u' });
    expect(created.id).toBe('chl_abcd');
    expect(seen).toHaveLength(2);
    expect(seen[1]!.headers['idempotency-key']).toBe(seen[0]!.headers['idempotency-key']);
    expect(seen[1]!.body).toBe(seen[0]!.body);
  });

  it('does not wait for a Retry-After beyond the cap: the error comes at once', async () => {
    script = [
      {
        status: 429,
        headers: { 'retry-after': '3600' },
        body: errorBody('rate_limit_exceeded'),
      },
    ];
    const started = Date.now();
    const error = await client()
      .challenges.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(3600);
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never retries a 4xx without Retry-After', async () => {
    for (const status of [400, 401, 404, 409, 410, 422]) {
      seen = [];
      script = [{ status, body: errorBody('x') }];
      await expect(client().challenges.create({ action: 'a.b', userId: 'u' })).rejects.toThrow();
      expect(seen, String(status)).toHaveLength(1);
    }
  });

  it('gives a fresh idempotency key to each call, and keeps a caller-chosen one', async () => {
    await client().challenges.create({ action: 'a.b', userId: 'u' });
    await client().challenges.create({ action: 'a.b', userId: 'u' });
    await client().challenges.create({ action: 'a.b', userId: 'u' }, { idempotencyKey: 'mine-1' });
    const keys = seen.map((s) => s.headers['idempotency-key']);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe('mine-1');
  });

  it('maxRetries: 0 disables retrying; a 429 then throws RateLimitError with retryAfter', async () => {
    script = [
      { status: 429, headers: { 'retry-after': '7' }, body: errorBody('rate_limit_exceeded') },
    ];
    const error = await client({ maxRetries: 0 })
      .challenges.list()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfter).toBe(7);
    expect(seen).toHaveLength(1);
  });

  it('retries network errors, then throws ConnectionError', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const keyra = new Keyra({ apiKey: 'k', baseUrl: `http://127.0.0.1:${port}`, maxRetries: 1 });
    const error = await keyra.challenges.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({
      code: 'connection_error',
      status: undefined,
      baseUrl: `http://127.0.0.1:${port}`,
    });
    expect(((error as Error).cause as { cause?: { code?: string } }).cause?.code).toBe(
      'ECONNREFUSED',
    );
  });
});

describe('requests', () => {
  it('sends the key as Bearer on /v1 and as x-api-key on /api/v1, and encodes queries', async () => {
    const keyra = client();
    await keyra.challenges.list({ status: 'pending', limit: 5 });
    await keyra.voice.phrase({ wallet: 'w1' });
    await keyra.devices.list({ userId: 'u', includeRevoked: true });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/v1/challenges?status=pending&limit=5' });
    expect(seen[0]!.headers.authorization).toBe('Bearer sk_test_unit');
    expect(seen[1]).toMatchObject({
      method: 'POST',
      url: '/api/v1/phrase',
      body: '{"wallet":"w1"}',
    });
    expect(seen[1]!.headers['x-api-key']).toBe('sk_test_unit');
    expect(seen[1]!.headers.authorization).toBeUndefined();
    expect(seen[2]!.url).toBe('/v1/devices?userId=u&includeRevoked=true');
  });

  it('cancels a challenge with an idempotent POST, and maps challenge_not_cancelable', async () => {
    script = [
      { status: 503 },
      { status: 200, body: { id: 'chl_abcd', status: 'canceled' } },
      { status: 409, body: errorBody('challenge_not_cancelable') },
    ];
    const keyra = client();
    await expect(keyra.challenges.cancel('chl_abcd')).resolves.toMatchObject({
      status: 'canceled',
    });
    expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
      ['POST', '/v1/challenges/chl_abcd/cancel', '{}'],
      ['POST', '/v1/challenges/chl_abcd/cancel', '{}'],
    ]);
    expect(seen[1]!.headers['idempotency-key']).toBe(seen[0]!.headers['idempotency-key']);
    await expect(keyra.challenges.cancel('chl_abcd')).rejects.toBeInstanceOf(ConflictError);
  });

  it('retrieves usage with the from/to query, and maps invalid_usage_range', async () => {
    const keyra = client();
    await keyra.usage.retrieve();
    await keyra.usage.retrieve({ from: '2026-11-01', to: '2026-11-22' });
    expect(seen.map((s) => s.url)).toEqual([
      '/v1/usage',
      '/v1/usage?from=2026-11-01&to=2026-11-22',
    ]);
    expect(seen[1]!.headers.authorization).toBe('Bearer sk_test_unit');
    script = [{ status: 400, body: errorBody('invalid_usage_range') }];
    await expect(
      keyra.usage.retrieve({ from: '2026-11-22', to: '2026-11-01' }),
    ).rejects.toMatchObject({ constructor: InvalidRequestError, code: 'invalid_usage_range' });
  });

  it('falls back to KEYRA_API_KEY and KEYRA_BASE_URL', async () => {
    const saved = { key: process.env.KEYRA_API_KEY, url: process.env.KEYRA_BASE_URL };
    process.env.KEYRA_API_KEY = 'sk_test_env';
    process.env.KEYRA_BASE_URL = baseUrl;
    try {
      await new Keyra().devices.retrieve('dev_abcd');
      expect(seen[0]!.headers.authorization).toBe('Bearer sk_test_env');
      delete process.env.KEYRA_BASE_URL;
      expect(new Keyra().baseUrl).toBe('http://127.0.0.1:8787');
    } finally {
      for (const [name, value] of [
        ['KEYRA_API_KEY', saved.key],
        ['KEYRA_BASE_URL', saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('abandons an attempt after `timeout` ms', async () => {
    const slow = http.createServer((_req, res) => setTimeout(() => res.end('{}'), 2000));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const port = (slow.address() as { port: number }).port;
    const keyra = new Keyra({
      apiKey: 'k',
      baseUrl: `http://127.0.0.1:${port}`,
      timeout: 100,
      maxRetries: 0,
    });
    await expect(keyra.challenges.list()).rejects.toMatchObject({ code: 'timeout' });
    slow.closeAllConnections();
    await new Promise<void>((resolve) => slow.close(() => resolve()));
  });
});

describe('device API', () => {
  const attestation = { id: 'cred', type: 'public-key' } as never;

  it('signs in without the API key, then sends the session token as Bearer', async () => {
    // A device holds no API key: the client is built with the address only.
    const device = new Keyra({ apiKey: undefined, baseUrl, maxRetries: 0 });
    script = [
      { status: 200, body: { challenge: 'c' } },
      { status: 201, body: { token: 'dst_t', expiresAt: 'x' } },
    ];
    await device.deviceApi.sessionOptions({ deviceId: 'dev_1' });
    const { token } = await device.deviceApi.createSession({
      deviceId: 'dev_1',
      response: attestation,
    });
    await device.deviceApi.listChallenges(token);
    await device.deviceApi.listChallenges(token, { wait: 5 });
    await device.deviceApi.retrieveChallenge(token, '../../v1/keys?x');
    await device.deviceApi.respond(token, 'chl_1', { attestation });
    expect(seen.map((s) => `${s.method} ${s.url} ${s.headers.authorization ?? '-'}`)).toEqual([
      'POST /v1/device-api/sessions/options -',
      'POST /v1/device-api/sessions -',
      'GET /v1/device-api/challenges Bearer dst_t',
      'GET /v1/device-api/challenges?wait=5 Bearer dst_t',
      'GET /v1/device-api/challenges/..%2F..%2Fv1%2Fkeys%3Fx Bearer dst_t',
      'POST /v1/device-api/challenges/chl_1/respond Bearer dst_t',
    ]);
    expect(seen[1]!.body).toBe('{"deviceId":"dev_1","response":{"id":"cred","type":"public-key"}}');
    expect(seen[5]!.body).toBe('{"attestation":{"id":"cred","type":"public-key"}}');
    expect(seen[5]!.headers['idempotency-key']).toMatch(/^[0-9a-f-]{32,36}$/);
    expect(seen[5]!.headers['x-api-key']).toBeUndefined();
  });

  it('maps a refused session to AuthenticationError and a missing challenge to NotFoundError', async () => {
    const device = new Keyra({ baseUrl, maxRetries: 0 });
    script = [
      { status: 401, body: errorBody('invalid_api_key') },
      { status: 404, body: errorBody('challenge_not_found') },
    ];
    await expect(device.deviceApi.listChallenges('dst_stale')).rejects.toMatchObject({
      constructor: AuthenticationError,
      code: 'invalid_api_key',
      status: 401,
    });
    await expect(device.deviceApi.retrieveChallenge('dst_t', 'chl_1')).rejects.toMatchObject({
      constructor: NotFoundError,
      code: 'challenge_not_found',
    });
  });

  it('retries a 503 on respond with the same idempotency key', async () => {
    script = [
      { status: 503, headers: { 'retry-after': '0' }, body: errorBody('internal_error') },
      { status: 200, body: { id: 'chl_1', status: 'approved' } },
    ];
    const result = await new Keyra({ baseUrl }).deviceApi.respond('dst_t', 'chl_1', {
      attestation,
    });
    expect(result.status).toBe('approved');
    expect(seen).toHaveLength(2);
    expect(seen[1]!.headers['idempotency-key']).toBe(seen[0]!.headers['idempotency-key']);
  });

  it('gives a long-poll its wait on top of the timeout, and lets the caller abort it', async () => {
    const slow = http.createServer((req, res) => {
      if (req.url?.includes('wait=1')) setTimeout(() => res.end('{"data":[]}'), 300);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const port = (slow.address() as { port: number }).port;
    const device = new Keyra({ baseUrl: `http://127.0.0.1:${port}`, timeout: 100, maxRetries: 0 });
    try {
      await expect(device.deviceApi.listChallenges('t', { wait: 1 })).resolves.toEqual({
        data: [],
      });
      await expect(device.deviceApi.listChallenges('t')).rejects.toMatchObject({
        constructor: ConnectionError,
        code: 'timeout',
      });
      const controller = new AbortController();
      const pending = device.deviceApi.listChallenges(
        't',
        { wait: 30 },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 50);
      const error = await pending.catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(KeyraError);
      expect((error as Error).name).toBe('AbortError');
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it('certifies a simulator key with the API key (sandbox factory)', async () => {
    script = [{ status: 201, body: { certificateChain: ['leaf', 'root'] } }];
    const chain = await client().simulator.createAttestationCertificate({
      publicKey: 'PEM',
      aaguid: 'u',
    });
    expect(chain.certificateChain).toEqual(['leaf', 'root']);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/v1/simulator/attestation-certificates',
      body: '{"publicKey":"PEM","aaguid":"u"}',
    });
    expect(seen[0]!.headers.authorization).toBe('Bearer sk_test_unit');
  });
});

describe('error mapping', () => {
  const cases: [number, string, new (...args: never[]) => KeyraError][] = [
    [400, 'validation_failed', InvalidRequestError],
    [413, 'payload_too_large', InvalidRequestError],
    [415, 'unsupported_media_type', InvalidRequestError],
    [422, 'idempotency_key_reused', InvalidRequestError],
    [422, 'attestation_invalid', AttestationInvalidError],
    [401, 'invalid_api_key', AuthenticationError],
    [404, 'challenge_not_found', NotFoundError],
    [409, 'challenge_already_used', ConflictError],
    [410, 'challenge_expired', GoneError],
  ];
  it.each(cases)('%i %s → %o', async (status, code, type) => {
    script = [{ status, body: errorBody(code) }];
    const error = await client()
      .challenges.retrieve('chl_abcd')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(KeyraError);
    expect(error).toMatchObject({
      code,
      status,
      message: `${code} happened`,
      details: [{ code }],
      requestId: 'req_1',
    });
  });
});
