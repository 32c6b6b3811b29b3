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
import autocannon from 'autocannon';

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
  process.stderr.write(`• ${title}: ${duration} s, ${connections} connections… `);
  return new Promise((resolve, reject) => {
    autocannon({ duration, connections, ...options }, (error, result) => {
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

  const rows = [ceiling, create, get].map((r) => ({
    ...r,
    ratio: r.requestsPerSecond / ceiling.requestsPerSecond,
  }));
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
  writeFileSync(`bench-results/challenges-${store}.json`, JSON.stringify({ meta, rows }, null, 2));
  console.log(
    `\n${store}, ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, ${duration} s × ${connections} connections\n`,
  );
  console.log('| route | req/s | p50 ms | p99 ms | vs ceiling | non-2xx |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(
      `| ${r.title} | ${Math.round(r.requestsPerSecond)} | ${r.p50ms} | ${r.p99ms} | ${(r.ratio * 100).toFixed(0)} % | ${r.failed} |`,
    );
  }
  if (rows.some((r) => r.failed > 0)) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
