#!/usr/bin/env node
// npm run bench:ciba [-- --database URL] [--duration SECONDS] [--connections N]
//
// Throughput of the OpenID CIBA front door as ratios to POST /v1/challenges in the same run
// (docs/benchmarks.md, "CIBA"), with the approach of scripts/bench.mjs:
//   1. starts `keyra serve` in its own process (rate limits raised, default logging) after
//      registering a poll client (`keyra clients create`) and an API key (`keyra keys create`);
//   2. measures POST /v1/challenges (the baseline: what an API client pays for the same challenge);
//   3. measures POST /oauth/bc-authorize (form-encoded, client_secret_basic): client
//      authentication, parameter checks, and one transaction writing the challenge and the CIBA
//      request;
//   4. creates a pool of pending requests and measures POST /oauth/token polling them round
//      robin, so each is polled less often than `interval` and every answer is a real
//      `authorization_pending` (client authentication, two reads and the conditional poll write),
//      not a cheaper `slow_down`.
// Writes bench-results/ciba-<store>.json and prints a Markdown section with the load average.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { cannon, startProcess, stop } from './bench/harness.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(`Usage: npm run bench:ciba -- [--database URL] [--duration SECONDS] [--connections N]

Measures POST /oauth/bc-authorize and POST /oauth/token (polling pending requests) as ratios to
POST /v1/challenges, in one run against one keyra serve.
  --database URL     sqlite:PATH (default: a temp file) or postgres://… (its tables are used as is)
  --duration S       seconds per measured route (default 10)
  --connections N    concurrent connections (default 10)`);
  process.exit(0);
}
const duration = Number(flag('duration', '10'));
const connections = Number(flag('connections', '10'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-bench-ciba-'));
const database = flag('database', `sqlite:${path.join(dir, 'bench.db')}`);
const store = database.startsWith('sqlite:') ? 'sqlite' : 'postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'packages/server/bin/keyra.js');
const loadAtStart = os.loadavg();
const INTERVAL_SECONDS = 1;
const POOL = 4000;

const cli = (argv) =>
  JSON.parse(
    execFileSync(process.execPath, [bin, ...argv, '--database', database, '--json'], {
      encoding: 'utf8',
      env: { ...process.env, KEYRA_LOG_LEVEL: 'warn' },
    }),
  );
const client = cli(['clients', 'create', '--env', 'sandbox', '--name', 'bench']);
const { key } = cli(['keys', 'create', '--env', 'sandbox']);
const keyra = await startProcess(
  [bin, 'serve', '--port', '0', '--database', database, '--data-dir', dir],
  {
    KEYRA_LOG_LEVEL: 'info',
    KEYRA_RATE_LIMIT_PER_KEY: '10000000',
    KEYRA_RATE_LIMIT_PER_IP: '10000000',
    KEYRA_CIBA_INTERVAL_SECONDS: String(INTERVAL_SECONDS),
  },
  'keyra listening',
);
try {
  const url = keyra.url;
  const jsonHeaders = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const formHeaders = {
    authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    'content-type': 'application/x-www-form-urlencoded',
  };
  const action = 'transfer.approve';
  const payload = { amount: 12500, currency: 'USD' };
  const createBody = JSON.stringify({ action, userId: 'usr_8f2a', payload });
  const bcBody = new URLSearchParams({
    scope: 'openid',
    login_hint: 'usr_8f2a',
    binding_message: 'Code 7F3K',
    requested_expiry: '600',
    authorization_details: JSON.stringify([{ type: 'keyra_action', action, payload }]),
  }).toString();

  // Warm up the JIT and the database before measuring.
  for (const warm of [
    { url: `${url}/v1/challenges`, method: 'POST', headers: jsonHeaders, body: createBody },
    { url: `${url}/oauth/bc-authorize`, method: 'POST', headers: formHeaders, body: bcBody },
  ])
    await new Promise((resolve) => autocannon({ ...warm, duration: 2, connections }, resolve));

  const results = {};
  results.create = await cannon('KEYRA POST /v1/challenges', {
    url: `${url}/v1/challenges`,
    method: 'POST',
    headers: jsonHeaders,
    body: createBody,
    duration,
    connections,
  });
  results.bcAuthorize = await cannon('KEYRA POST /oauth/bc-authorize', {
    url: `${url}/oauth/bc-authorize`,
    method: 'POST',
    headers: formHeaders,
    body: bcBody,
    duration,
    connections,
  });

  // A pool of pending requests (expiring in 600 s), polled round robin.
  process.stderr.write(`• creating ${POOL} pending CIBA requests… `);
  const ids = [];
  for (let i = 0; i < POOL; i += connections) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(connections, POOL - i) }, () =>
        fetch(`${url}/oauth/bc-authorize`, {
          method: 'POST',
          headers: formHeaders,
          body: bcBody,
        }).then((res) => res.json()),
      ),
    );
    for (const started of batch) ids.push(started.auth_req_id);
  }
  process.stderr.write('done\n');
  let next = 0;
  const answers = {};
  const tokenBody = (authReqId) =>
    new URLSearchParams({
      grant_type: 'urn:openid:params:grant-type:ciba',
      auth_req_id: authReqId,
    }).toString();
  results.tokenPoll = await cannon('KEYRA POST /oauth/token (pending, round robin)', {
    url: `${url}/oauth/token`,
    method: 'POST',
    headers: formHeaders,
    duration,
    connections,
    requests: [
      {
        setupRequest: (request) => ({ ...request, body: tokenBody(ids[next++ % ids.length]) }),
        onResponse: (_status, body) => {
          const error = JSON.parse(body).error ?? 'tokens';
          answers[error] = (answers[error] ?? 0) + 1;
        },
      },
    ],
  });
  // Every poll answers 400 by design; what matters is that they were authorization_pending.
  results.tokenPoll.answers = answers;
  results.tokenPoll.failed = results.tokenPoll.total - (answers.authorization_pending ?? 0);
  const secondsPerRequest = ids.length / results.tokenPoll.requestsPerSecond;
  const loadAtEnd = os.loadavg();
  const ratio = (r) => Number((r.requestsPerSecond / results.create.requestsPerSecond).toFixed(2));
  const report = {
    store,
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverage: { start: loadAtStart, end: loadAtEnd },
    duration,
    connections,
    intervalSeconds: INTERVAL_SECONDS,
    pendingPool: ids.length,
    results,
    ratios: { bcAuthorize: ratio(results.bcAuthorize), tokenPoll: ratio(results.tokenPoll) },
  };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(`bench-results/ciba-${store}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const row = (name, r, ratioText) =>
    `| ${name} | ${Math.round(r.requestsPerSecond)} | ${r.p50ms} | ${r.p99ms} | ${ratioText} | ${r.failed} |`;
  console.log(`
### CIBA (${store}, ${report.cpus} × ${report.cpuModel}, Node ${process.version}, ${duration} s × ${connections} connections)

Load average ${loadAtStart.map((x) => x.toFixed(2)).join(' / ')} at start, ${loadAtEnd.map((x) => x.toFixed(2)).join(' / ')} at the end.

| route | req/s | p50 ms | p99 ms | vs POST /v1/challenges | failed |
| --- | ---: | ---: | ---: | ---: | ---: |
${row('POST /v1/challenges (baseline)', results.create, '1.00')}
${row('POST /oauth/bc-authorize', results.bcAuthorize, report.ratios.bcAuthorize.toFixed(2))}
${row(`POST /oauth/token (${ids.length} pending, round robin)`, results.tokenPoll, report.ratios.tokenPoll.toFixed(2))}

Token answers: ${JSON.stringify(answers)}; each request was polled every ${secondsPerRequest.toFixed(1)} s on average (interval ${INTERVAL_SECONDS} s).`);
} finally {
  await stop(keyra.child);
  rmSync(dir, { recursive: true, force: true });
}
