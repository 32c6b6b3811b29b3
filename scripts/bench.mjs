#!/usr/bin/env node
// npm run bench [-- --database URL] [--duration SECONDS] [--connections N]
//
// Starts `keyra serve` in its own process on loopback, drives it with autocannon from this
// process, and reports throughput and latency for challenge create and get beside the ceiling:
// a trivial route (/healthz) on the same server, measured in the same run. Writes
// bench-results/challenges-<store>.json and prints a Markdown table for docs/benchmarks.md.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import autocannon from 'autocannon';
import {
  approveChallenge,
  createAuthenticator,
  getAttestationPublicKey,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
} from '@keyra/device';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log('Usage: npm run bench -- [--database URL] [--duration SECONDS] [--connections N]');
  process.exit(0);
}
const duration = Number(flag('duration', '10'));
const connections = Number(flag('connections', '10'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-bench-'));
const database = flag('database', `sqlite:${path.join(dir, 'bench.db')}`);
const store = database.startsWith('sqlite:') ? 'sqlite' : 'postgres';
const bin = fileURLToPath(new URL('../packages/server/bin/keyra.js', import.meta.url));

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--port', '0', '--database', database, '--data-dir', dir],
      {
        env: {
          ...process.env,
          KEYRA_LOG_LEVEL: 'info',
          KEYRA_RATE_LIMIT_PER_KEY: '10000000',
          KEYRA_RATE_LIMIT_PER_IP: '10000000',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.includes('keyra listening'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function run(title, options) {
  const settings = { duration, connections, ...options };
  if (settings.amount) delete settings.duration;
  const extent = settings.amount ? `${settings.amount} requests` : `${settings.duration} s`;
  process.stderr.write(`• ${title}: ${extent}, ${settings.connections} connection(s)… `);
  return new Promise((resolve, reject) => {
    autocannon(settings, (error, result) => {
      if (error) return reject(error);
      const non2xx = result.non2xx + result.errors;
      process.stderr.write(`${Math.round(result.requests.average)} req/s\n`);
      resolve({
        title,
        requestsPerSecond: result.requests.average,
        p50ms: result.latency.p50,
        p99ms: result.latency.p99,
        total: result.requests.total,
        failed: non2xx,
      });
    });
  });
}

const { child, url } = await startServer();
try {
  const key = readFileSync(path.join(dir, 'sandbox-key'), 'utf8').trim();
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const body = JSON.stringify({
    action: 'transfer.approve',
    userId: 'usr_8f2a',
    payload: { amount: 12500, currency: 'USD' },
  });
  const seed = await fetch(`${url}/v1/challenges`, { method: 'POST', headers, body }).then((r) =>
    r.json(),
  );

  // Warm up the JIT and the database before measuring.
  await new Promise((resolve) =>
    autocannon({ url: `${url}/healthz`, duration: 2, connections }, resolve),
  );
  const ceiling = await run('GET /healthz (ceiling)', { url: `${url}/healthz` });
  const create = await run('POST /v1/challenges', {
    url: `${url}/v1/challenges`,
    method: 'POST',
    headers,
    body,
  });
  const get = await run('GET /v1/challenges/:id', {
    url: `${url}/v1/challenges/${seed.id}`,
    headers,
  });

  // Verify: one simulated device per connection (each device's signatures must arrive in counter
  // order), every request a fresh pre-signed challenge, sent back to back over keep-alive fetch.
  const api = (method, route, payload) =>
    fetch(`${url}${route}`, {
      method,
      headers,
      body: payload ? JSON.stringify(payload) : undefined,
    }).then((r) => r.json());
  const perDevice = Math.max(
    50,
    Math.round((create.requestsPerSecond * duration) / connections / 4),
  );
  process.stderr.write(`• preparing ${connections} devices × ${perDevice} signed approvals… `);
  const lanes = [];
  for (let lane = 0; lane < connections; lane += 1) {
    const userId = `usr_bench_${lane}`;
    let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
    const cert = await api('POST', '/v1/simulator/attestation-certificates', {
      publicKey: getAttestationPublicKey(state),
      aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
    });
    state = provisionAttestationCertificate(state, cert.certificateChain);
    const options = await api('POST', '/v1/credentials/register', { userId, displayName: 'Bench' });
    const made = makeCredential(state, options, { origin: KEYRA_ONE_ORIGIN });
    state = made.state;
    const device = await api('POST', '/v1/credentials/register/verify', {
      userId,
      response: made.response,
    });
    const requests = [];
    for (let i = 0; i < perDevice; i += 1) {
      const created = await api('POST', '/v1/challenges', {
        action: 'transfer.approve',
        userId,
        payload: { n: i },
        expiresIn: 600,
      });
      const full = await api('GET', `/v1/challenges/${created.id}`);
      const signed = approveChallenge(state, { digestHex: full.digest, rpId: 'localhost' });
      state = signed.state;
      requests.push({
        path: `/v1/challenges/${created.id}/verify`,
        body: JSON.stringify({ deviceId: device.deviceId, attestation: signed.response }),
      });
    }
    lanes.push(requests);
  }
  process.stderr.write('done\n• POST /v1/challenges/:id/verify… ');
  const latencies = [];
  let failed = 0;
  const verifyStarted = performance.now();
  await Promise.all(
    lanes.map(async (requests) => {
      for (const request of requests) {
        const t = performance.now();
        const res = await fetch(`${url}${request.path}`, {
          method: 'POST',
          headers,
          body: request.body,
        });
        const result = await res.json();
        latencies.push(performance.now() - t);
        if (res.status !== 200 || result.status !== 'approved') failed += 1;
      }
    }),
  );
  const verifySeconds = (performance.now() - verifyStarted) / 1000;
  latencies.sort((x, y) => x - y);
  const pct = (q) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]);
  const verify = {
    title: 'POST /v1/challenges/:id/verify',
    requestsPerSecond: latencies.length / verifySeconds,
    p50ms: pct(0.5),
    p99ms: pct(0.99),
    total: latencies.length,
    failed,
  };
  process.stderr.write(`${Math.round(verify.requestsPerSecond)} req/s\n`);

  // The verify ceiling: raw ECDSA P-256 signature verification in this process (node:crypto).
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = Buffer.alloc(69, 7);
  const signature = createSign('sha256').update(message).sign(privateKey);
  const started = process.hrtime.bigint();
  let verified = 0;
  while (process.hrtime.bigint() - started < 2_000_000_000n) {
    createVerify('sha256').update(message).verify(publicKey, signature);
    verified += 1;
  }
  const rawVerifyPerSecond = verified / 2;
  process.stderr.write(`• raw node:crypto ES256 verify: ${Math.round(rawVerifyPerSecond)}/s\n`);

  const rows = [
    ...[ceiling, create, get].map((r) => ({
      ...r,
      ceiling: 'GET /healthz',
      ratio: r.requestsPerSecond / ceiling.requestsPerSecond,
    })),
    {
      ...verify,
      ceiling: 'raw ES256 verify',
      ratio: verify.requestsPerSecond / rawVerifyPerSecond,
    },
  ];
  const meta = {
    date: new Date().toISOString(),
    store,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    duration,
    connections,
  };
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(
    `bench-results/challenges-${store}.json`,
    JSON.stringify({ meta, rawVerifyPerSecond, rows }, null, 2),
  );
  console.log(
    `\n${store}, ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, ${duration} s × ${connections} connections (verify: one device per connection)\n`,
  );
  console.log(
    `Ceilings measured in this run: GET /healthz ${Math.round(ceiling.requestsPerSecond)} req/s; raw ES256 verify ${Math.round(rawVerifyPerSecond)}/s on one core.\n`,
  );
  console.log('| route | req/s | p50 ms | p99 ms | ceiling | ratio | non-2xx |');
  console.log('| --- | ---: | ---: | ---: | --- | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.title} | ${Math.round(r.requestsPerSecond)} | ${r.p50ms} | ${r.p99ms} | ${r.ceiling} | ${(r.ratio * 100).toFixed(r.ratio < 0.1 ? 1 : 0)} % | ${r.failed} |`,
    );
  }
  if (rows.some((r) => r.failed > 0)) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
