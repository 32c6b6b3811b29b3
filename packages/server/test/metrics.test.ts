import { readFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookWorker, type WebhookWorker } from '../src/webhooks/startWebhookWorker.js';
import { createWebhookSecretBox } from '../src/webhooks/webhookSecrets.js';
import { pairSimulator, reject, signChallenge } from './helpers/simulator.js';
import { bearer, createTestApp, type TestApp } from './helpers/testApp.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format into samples (comments and blank lines skipped). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(t: TestApp): Promise<Sample[]> {
  const res = await t.app.inject('/metrics');
  expect(res.statusCode).toBe(200);
  return parseMetrics(res.body);
}

/** The value of the one sample named `name` whose labels include `labels` (0 when absent). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)} matches several`);
  return found[0]?.value ?? 0;
}

async function startReceiver(statuses: number[]) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(statuses.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

describe('business metrics at /metrics', () => {
  let t: TestApp | undefined;
  let worker: WebhookWorker | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  afterEach(async () => {
    await worker?.stop();
    await receiver?.close();
    await t?.close();
    worker = receiver = t = undefined;
  });

  it('counts approvals by method and outcome, refusals by error code, and times them', async () => {
    t = await createTestApp();
    const key = await t.key();
    const device = await pairSimulator(t.app, key, 'usr_m');
    const verify = (id: string, payload: unknown) =>
      t!.app.inject({
        method: 'POST',
        url: `/v1/challenges/${id}/verify`,
        headers: bearer(key),
        payload: payload as object,
      });
    const approved = await signChallenge(t.app, key, device, { action: 'a.b', userId: 'usr_m' });
    expect((await verify(approved.id, approved.body)).statusCode).toBe(200);
    const rejected = await signChallenge(
      t.app,
      key,
      device,
      { action: 'a.b', userId: 'usr_m' },
      reject,
    );
    expect((await verify(rejected.id, rejected.body)).statusCode).toBe(200);
    // A replay of the approval: refused, counted under its error code.
    expect((await verify(approved.id, approved.body)).statusCode).toBe(409);

    const samples = await scrape(t);
    const approvals = (outcome: string, method = 'device') =>
      valueOf(samples, 'keyra_approvals_total', { method, outcome });
    expect(approvals('approved')).toBe(1);
    expect(approvals('rejected')).toBe(1);
    expect(approvals('challenge_already_used', 'unknown')).toBe(1);
    expect(valueOf(samples, 'keyra_verify_duration_seconds_count', { method: 'device' })).toBe(2);
    expect(valueOf(samples, 'keyra_verify_duration_seconds_count', { method: 'unknown' })).toBe(1);
  });

  it('reports the webhook backlog, delivery latency and failures by reason', async () => {
    t = await createTestApp({ env: { KEYRA_DEV: 'true' }, clockStart: Date.now() });
    const key = await t.key();
    receiver = await startReceiver([500]);
    worker = startWebhookWorker({
      storage: t.storage,
      clock: t.clock,
      box: createWebhookSecretBox(t.serverSecret),
      log: t.app.log,
      dev: true,
      pollMs: 3_600_000,
      wake: false,
      metrics: t.app.metrics,
    });
    await t.app.inject({
      method: 'POST',
      url: '/v1/webhook_endpoints',
      headers: bearer(key),
      payload: { url: receiver.url, events: ['*'] },
    });
    await pairSimulator(t.app, key, 'usr_w'); // one `device.paired` delivery
    expect(valueOf(await scrape(t), 'keyra_webhook_backlog')).toBe(1);

    expect(await worker.runOnce()).toBe(1); // answered 500: scheduled for a retry
    let samples = await scrape(t);
    expect(valueOf(samples, 'keyra_webhook_backlog')).toBe(1);
    expect(
      valueOf(samples, 'keyra_webhook_delivery_failures_total', {
        kind: 'webhook',
        reason: 'http_5xx',
      }),
    ).toBe(1);

    t.clock.advance(24 * 3600 * 1000); // the retry comes due
    expect(await worker.runOnce()).toBe(1);
    samples = await scrape(t);
    expect(valueOf(samples, 'keyra_webhook_backlog')).toBe(0);
    const attempts = (outcome: string) =>
      valueOf(samples, 'keyra_webhook_delivery_duration_seconds_count', {
        kind: 'webhook',
        outcome,
      });
    expect([attempts('retry'), attempts('delivered'), attempts('failed')]).toEqual([1, 1, 0]);
  });

  it('counts rate-limit rejections by route', async () => {
    t = await createTestApp({ env: { KEYRA_RATE_LIMIT_PER_KEY: '2' } });
    const key = await t.key();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push(
        (await t.app.inject({ method: 'GET', url: '/v1/challenges', headers: bearer(key) }))
          .statusCode,
      );
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(
      valueOf(await scrape(t), 'keyra_rate_limit_rejections_total', { route: '/v1/challenges' }),
    ).toBe(1);
  });

  it('reports the chain-mirror backlog and the database pool', async () => {
    t = await createTestApp();
    await t.storage.tenants.create({
      id: 'tnt_chain',
      name: 'chain',
      createdAt: t.clock.now(),
      plan: 'pilot',
      freeCredits: 0,
    });
    await t.storage.stamps.insert({
      id: 'stp_metrics',
      tenantId: 'tnt_chain',
      environment: 'sandbox',
      subjectId: 'chl_metrics',
      method: 'device',
      proofSha256: 'a'.repeat(64),
      issuedAt: t.clock.now(),
      signature: 'sig',
      offchain: null,
      chainStatus: 'pending',
      chainAttempts: 0,
      chainNextAttemptAt: t.clock.now(),
      chainLeaseUntil: null,
      chainId: null,
      chainTxHash: null,
      chainUid: null,
      chainError: null,
      chainConfirmedAt: null,
    });
    const samples = await scrape(t);
    expect(valueOf(samples, 'keyra_chain_mirror_backlog')).toBe(1);
    // SQLite: one connection.
    expect(valueOf(samples, 'keyra_db_pool_max_connections')).toBe(1);
    expect(
      valueOf(samples, 'keyra_db_pool_connections', { state: 'busy' }) +
        valueOf(samples, 'keyra_db_pool_connections', { state: 'idle' }),
    ).toBe(1);
    expect(valueOf(samples, 'keyra_db_pool_waiting')).toBe(0);
  });
});

describe('the Grafana dashboard (deploy/grafana/keyra-dashboard.json)', () => {
  it('queries only metrics that /metrics exposes', async () => {
    const dashboard = JSON.parse(
      readFileSync(
        fileURLToPath(new URL('../../../deploy/grafana/keyra-dashboard.json', import.meta.url)),
        'utf8',
      ),
    ) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const t = await createTestApp();
    try {
      // Histograms expose _bucket/_sum/_count samples; HELP lines name every family, even empty.
      const text = (await t.app.inject('/metrics')).body;
      const exposed = new Set([
        ...parseMetrics(text).map((s) => s.name),
        ...[...text.matchAll(/^# TYPE (\S+) histogram$/gm)].flatMap(([, name]) =>
          ['_bucket', '_sum', '_count'].map((suffix) => `${name}${suffix}`),
        ),
        ...[...text.matchAll(/^# TYPE (\S+) \w+$/gm)].map(([, name]) => name!),
      ]);
      const exprs = dashboard.panels.flatMap((panel) =>
        (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
      );
      expect(exprs.length).toBeGreaterThan(10);
      const used = new Set<string>();
      for (const { panel, expr } of exprs) {
        const names = expr.match(/\bkeyra_[a-z0-9_]+/g) ?? [];
        expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) {
          expect(exposed.has(name), `${panel} queries ${name}`).toBe(true);
          used.add(name);
        }
      }
      // Every business metric the issue names has a panel.
      for (const name of [
        'keyra_approvals_total',
        'keyra_verify_duration_seconds_bucket',
        'keyra_webhook_backlog',
        'keyra_webhook_delivery_duration_seconds_bucket',
        'keyra_webhook_delivery_failures_total',
        'keyra_voice_gate_total',
        'keyra_chain_mirror_backlog',
        'keyra_rate_limit_rejections_total',
        'keyra_db_pool_connections',
      ]) {
        expect(used.has(name), name).toBe(true);
      }
    } finally {
      await t.close();
    }
  });
});
