import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { bearer, createTestApp } from '../helpers/testApp.js';
import { pairSimulator } from '../helpers/simulator.js';
import { anyJson, mutate, oddString, schemaArbitrary } from './schemaArbitrary.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the OpenAPI document is untyped JSON. */

/**
 * Tables whose content is the product's state: a refused request (4xx) must leave them as they
 * were. Not watched, on purpose: idempotency_keys (a refused request's answer is kept so a retry
 * gets the same answer), webauthn_ceremonies (a failed finish spends the one-time ceremony),
 * voice_phrases and voice_fingerprints (failed voice attempts are counted and remembered, to stop
 * guessing and replays), webhook_attempts, signing_keys and server_state (written by workers).
 */
export const WATCHED_TABLES = [
  'tenants',
  'api_keys',
  'challenges',
  'stamps',
  'usage_records',
  'devices',
  'events',
  'webhook_endpoints',
  'webhook_deliveries',
  'voice_templates',
  'voice_legacy_hashes',
  'policies',
  'policy_versions',
  'approver_groups',
];

export interface FuzzFailure {
  reason: '5xx' | 'write_on_4xx' | 'cross_tenant_read';
  operation: string;
  method: string;
  url: string;
  status: number;
  body: string;
  request: string;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<number, number>;
  byOperation: Record<string, number>;
  failures: FuzzFailure[];
  ms: number;
}

interface Operation {
  id: string;
  method: string;
  path: string;
  query: Record<string, any>;
  body: any;
}

interface FuzzRequest {
  operation: number;
  auth: 'a' | 'b' | 'none' | 'malformed' | 'unknown';
  pathValue: string;
  query: unknown;
  body: unknown;
  bodyKind: 'json' | 'raw' | 'none' | 'form';
  raw: string;
  idempotencyKey: string | null;
}

/** A path segment; a lone surrogate (no UTF-8 form) is sent as the bytes of its WTF-8 form. */
function pathSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return `${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, ''))}%ED%A0%80`;
  }
}

/**
 * Fuzzes every operation of the server's own OpenAPI document through `app.inject`, with keys of
 * two tenants, no key and bad keys, and with path ids from both tenants. Checks each answer: no
 * 5xx, no change to the product's tables when the answer is a 4xx, and nothing of tenant B in a
 * 2xx answer to tenant A. Deterministic for a given seed.
 */
export async function fuzzApi(options: { requests: number; seed: number }): Promise<FuzzReport> {
  const started = performance.now();
  const t = await createTestApp({
    env: { KEYRA_RATE_LIMIT_PER_KEY: '10000000', KEYRA_RATE_LIMIT_PER_IP: '10000000' },
  });
  const reader = new Database(t.config.databaseUrl.replace(/^sqlite:/, ''), { readonly: true });
  try {
    const keyA = await t.key('acme');
    const keyB = await t.key('globex');
    const marker = 'TENANT-B-MARKER-7f3a';
    const deviceA = await pairSimulator(t.app, keyA, 'usr_alice');
    const deviceB = await pairSimulator(t.app, keyB, `usr_${marker}`);
    const post = (key: string, url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, headers: bearer(key), payload });
    const challengeA = (
      await post(keyA, '/v1/challenges', { action: 'a.b', userId: 'usr_alice' })
    ).json();
    const challengeB = (
      await post(keyB, '/v1/challenges', {
        action: 'wire.send',
        userId: `usr_${marker}`,
        payload: { marker },
        metadata: { marker },
      })
    ).json();
    const hook = { url: 'https://93.184.216.34/hook', events: ['*'], description: marker };
    const endpointA = (
      await post(keyA, '/v1/webhook_endpoints', { ...hook, description: 'a' })
    ).json();
    const endpointB = (await post(keyB, '/v1/webhook_endpoints', hook)).json();
    const eventsB = (
      await t.app.inject({ method: 'GET', url: '/v1/events', headers: bearer(keyB) })
    ).json().data as { id: string }[];
    const idsB = [challengeB.id, deviceB.deviceId, endpointB.id, ...eventsB.map((e) => e.id)];
    const idsA = [challengeA.id, deviceA.deviceId, endpointA.id];
    const forbidden = [marker, ...idsB];

    const doc = t.app.swagger() as any;
    const components = doc.components?.schemas ?? {};
    const operations: Operation[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, any>)) {
      for (const [method, op] of Object.entries(item as Record<string, any>)) {
        const query: Record<string, any> = {};
        for (const parameter of op.parameters ?? []) {
          if (parameter.in === 'query') query[parameter.name] = parameter.schema;
        }
        const body = op.requestBody?.content?.['application/json']?.schema ?? null;
        operations.push({ id: op.operationId, method: method.toUpperCase(), path, query, body });
      }
    }

    const pathValue = fc.oneof(
      fc.constantFrom(...idsA),
      fc.constantFrom(...idsB),
      fc.constantFrom('chl_0000', 'dev_zzzz', 'we_0000', 'evt_0000', 'stp_0000', 'vl_0000'),
      oddString,
    );
    const request: fc.Arbitrary<FuzzRequest> = fc
      .integer({ min: 0, max: operations.length - 1 })
      .chain((index) => {
        const op = operations[index]!;
        const queryArb = mutate(
          schemaArbitrary({ type: 'object', properties: op.query, required: [] }, components),
        );
        const bodyArb = op.body ? mutate(schemaArbitrary(op.body, components)) : anyJson;
        return fc.record({
          operation: fc.constant(index),
          auth: fc.constantFrom<FuzzRequest['auth']>(
            'a',
            'a',
            'a',
            'a',
            'b',
            'none',
            'malformed',
            'unknown',
          ),
          pathValue,
          query: queryArb,
          body: bodyArb,
          bodyKind: fc.constantFrom<FuzzRequest['bodyKind']>(
            'json',
            'json',
            'json',
            'json',
            'raw',
            'none',
            'form',
          ),
          raw: fc.oneof(
            fc.string({ maxLength: 50 }),
            fc.constantFrom('{', '[]', 'null', '{"a":', '\u0000', '{"__proto__":{"x":1}}'),
          ),
          idempotencyKey: fc.option(
            fc.oneof(fc.uuid(), fc.constantFrom('fixed-key', ''), oddString),
          ),
        });
      });
    const samples = fc.sample(request, { numRuns: options.requests, seed: options.seed });

    const tableDigest = (): string => {
      const hash = createHash('sha256');
      for (const table of WATCHED_TABLES) {
        hash.update(table);
        hash.update(
          JSON.stringify(reader.prepare(`SELECT * FROM ${table} ORDER BY rowid`).raw().all()),
        );
      }
      return hash.digest('hex');
    };
    const dataVersion = (): number => reader.pragma('data_version', { simple: true }) as number;
    let version = dataVersion();
    let digest = tableDigest();

    const report: FuzzReport = { requests: 0, byStatus: {}, byOperation: {}, failures: [], ms: 0 };
    const seen = new Set<string>();
    const fail = (failure: FuzzFailure): void => {
      const key = `${failure.reason} ${failure.operation} ${failure.status}`;
      if (seen.has(key)) return;
      seen.add(key);
      report.failures.push(failure);
    };

    for (const sample of samples) {
      const op = operations[sample.operation]!;
      const url = new URL(
        op.path.replace(/\{[^}]+\}/g, () => pathSegment(sample.pathValue)),
        'http://fuzz',
      );
      if (sample.query && typeof sample.query === 'object' && !Array.isArray(sample.query)) {
        for (const [name, value] of Object.entries(sample.query as Record<string, unknown>)) {
          url.searchParams.set(name, typeof value === 'string' ? value : JSON.stringify(value));
        }
      }
      const headers: Record<string, string> = {};
      if (sample.auth === 'a') Object.assign(headers, bearer(keyA));
      if (sample.auth === 'b') Object.assign(headers, bearer(keyB));
      if (sample.auth === 'malformed') headers.authorization = 'Bearer sk_test_';
      if (sample.auth === 'unknown') headers.authorization = `Bearer sk_test_${'0'.repeat(32)}`;
      if (sample.idempotencyKey !== null) headers['idempotency-key'] = sample.idempotencyKey;
      let payload: string | undefined;
      if (op.method !== 'GET' && op.method !== 'DELETE' && sample.bodyKind !== 'none') {
        if (sample.bodyKind === 'json') {
          headers['content-type'] = 'application/json';
          payload = JSON.stringify(sample.body) ?? 'null';
        } else if (sample.bodyKind === 'form') {
          headers['content-type'] = 'application/x-www-form-urlencoded';
          payload = new URLSearchParams({ a: String(sample.raw) }).toString();
        } else {
          headers['content-type'] = 'application/json';
          payload = sample.raw;
        }
      }
      const describe = JSON.stringify({
        method: op.method,
        url: url.pathname + url.search,
        headers: { ...headers, authorization: sample.auth },
        payload: payload?.slice(0, 300),
      });
      const res = await t.app.inject({
        method: op.method as 'GET',
        url: url.pathname + url.search,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
      report.requests += 1;
      report.byStatus[res.statusCode] = (report.byStatus[res.statusCode] ?? 0) + 1;
      report.byOperation[op.id] = (report.byOperation[op.id] ?? 0) + 1;
      const base = {
        operation: op.id,
        method: op.method,
        url: url.pathname,
        status: res.statusCode,
        body: res.body.slice(0, 500),
        request: describe,
      };
      if (res.statusCode >= 500) fail({ reason: '5xx', ...base });
      const now = dataVersion();
      if (now !== version) {
        version = now;
        const next = tableDigest();
        if (next !== digest && res.statusCode >= 400 && res.statusCode < 500)
          fail({ reason: 'write_on_4xx', ...base });
        digest = next;
      }
      if (
        sample.auth === 'a' &&
        res.statusCode < 300 &&
        forbidden.some((value) => res.body.includes(value))
      ) {
        fail({ reason: 'cross_tenant_read', ...base });
      }
    }
    report.ms = Math.round(performance.now() - started);
    return report;
  } finally {
    reader.close();
    await t.close();
  }
}
