import { readFileSync } from 'node:fs';
import { ERROR_CODES, ERROR_DESCRIPTION, ERROR_STATUS } from '@keyra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimitStore } from '../src/ratelimit/createMemoryRateLimitStore.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

describe('system routes, OpenAPI and docs', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    key = await t.key();
  });
  afterAll(async () => t.close());

  it('answers /healthz and /readyz (which checks the database)', async () => {
    expect((await t.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject('/readyz')).json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', rateLimitStore: 'ok' },
    });
  });

  it('reports requests by route pattern and status, and a latency histogram, at /metrics', async () => {
    await t.app.inject({ method: 'GET', url: '/v1/challenges/chl_9k2m', headers: bearer(key) });
    const text = (await t.app.inject('/metrics')).body;
    expect(text).toMatch(
      /keyra_http_requests_total\{method="GET",route="\/v1\/challenges\/:id",status="404"\} 1/,
    );
    expect(text).toContain('keyra_http_request_duration_seconds_bucket');
    expect(text).not.toContain('chl_9k2m');
  });

  it('serves an OpenAPI 3.1 document whose paths are exactly the API routes', async () => {
    const doc = (await t.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort();
    const real = t.app.routeTable
      .filter((r) => !r.hidden)
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    expect(documented).toEqual(real);
    expect(real).toContain('POST /v1/challenges');
    const create = doc.paths['/v1/challenges'].post;
    const ref = (schema: { $ref: string }) =>
      doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    // `userId` (one approver) or `approvers` + `quorum` (docs/quorum.md): only `action` is always required.
    const body = ref(create.requestBody.content['application/json'].schema);
    expect(body.required).toEqual(['action']);
    expect(Object.keys(body.properties)).toEqual(
      expect.arrayContaining(['userId', 'approvers', 'quorum', 'rejectOn']),
    );
    expect(create.responses['201']).toBeDefined();
    expect(create.responses['409']).toEqual({ $ref: '#/components/responses/Conflict' });
    // Every tag an operation names is declared, with a description.
    const declared = (doc.tags as { name: string; description: string }[]).map((tag) => tag.name);
    const used = Object.values(
      doc.paths as Record<string, Record<string, { tags?: string[] }>>,
    ).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags ?? []));
    expect([...new Set(used)].filter((tag) => !declared.includes(tag))).toEqual([]);
  });

  interface Operation {
    operationId: string;
    responses: Record<string, { $ref?: string }>;
    requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
  }

  it('names every operation, and keeps bodies and errors in components (one Error schema)', async () => {
    const doc = (await t.app.inject('/openapi.json')).json();
    const operations = Object.values(
      doc.paths as Record<string, Record<string, Operation>>,
    ).flatMap((ops) => Object.values(ops));
    const ids = operations.map((op) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const op of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (status.startsWith('4'))
          expect(response.$ref, `${op.operationId} ${status}`).toBeDefined();
      }
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body) expect(body.$ref, op.operationId).toMatch(/^#\/components\/schemas\//);
    }
    // The error codes are listed once, as an enum, not once per response.
    const text = JSON.stringify(doc);
    expect(text.split('"challenge_already_used"').length - 1).toBe(1);
    expect(doc.components.schemas.Error.properties.code.enum).toContain('invalid_api_key');
    expect(doc.servers).toEqual([{ url: '/', description: 'This server' }]);
    expect(Object.keys(doc.webhooks)).toContain('challenge.approved');
    expect(doc.tags.map((tag: { name: string }) => tag.name)[0]).toBe('Challenges');
  });

  it('serves the docs page and its assets locally (no CDN)', async () => {
    const page = await t.app.inject('/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/);
    const scripts = [...page.body.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src.startsWith('http')).toBe(false);
      const asset = await t.app.inject(new URL(src, 'http://x/docs/').pathname);
      expect(asset.statusCode, src).toBe(200);
    }
  });

  it('returns a Request-Id on every response', async () => {
    const res = await t.app.inject('/healthz');
    expect(res.headers['request-id']).toMatch(/^req_[0-9a-f]{32}$/);
  });
});

describe('/readyz when a dependency is down', () => {
  it('stays ready (200, degraded) without the rate-limit store, which fails open', async () => {
    const store = createMemoryRateLimitStore();
    store.ping = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    };
    const t = await createTestApp({ rateLimitStore: store });
    try {
      const res = await t.app.inject('/readyz');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        status: 'degraded',
        checks: { database: 'ok', rateLimitStore: 'unavailable' },
      });
      // Without the database it is not ready.
      t.storage.ping = async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      };
      const down = await t.app.inject('/readyz');
      expect(down.statusCode).toBe(503);
      expect(down.json().status).toBe('unavailable');
    } finally {
      await t.close();
    }
  });
});

describe('docs/errors.md', () => {
  it('lists every error code with its HTTP status and meaning, as the code table says', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Za-z0-9_]+)` \| (\d{3}) \| (.+) \|$/gm)].map((m) => [
      m[1],
      Number(m[2]),
      m[3],
    ]);
    expect(rows).toEqual(
      ERROR_CODES.map((code) => [code, ERROR_STATUS[code], ERROR_DESCRIPTION[code]]),
    );
  });
});
