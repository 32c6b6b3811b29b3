#!/usr/bin/env node
// npm run bench:expiry [-- --database URL] [--challenges N] [--rate R] [--duration S]
//
// What a burst of expiring challenges costs the requests around it (docs/benchmarks.md):
//   1. starts `keyra serve` (SQLite in a temp dir unless --database) with its defaults;
//   2. creates N challenges as fast as 10 connections go, each expiring in 10 s (the shortest);
//   3. then creates challenges paced at R per second for S seconds while the expiry sweep expires
//      the N (an event and an audit entry each), and prints the latency of those paced creates:
//      p50, p99, max, and the seconds in which any took over 50 ms.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  console.log(`Usage: npm run bench:expiry -- [--database URL] [--challenges N] [--rate R] [--duration S]

Creates N challenges that expire in 10 s, then times creates paced at R/s for S s while they expire.
  --database URL    sqlite:PATH or postgres://… (default: SQLite in a temp dir)
  --challenges N    challenges that expire together (default 20000)
  --rate R          paced creates per second while they expire (default 250)
  --duration S      seconds of paced creates (default 25)`);
  process.exit(0);
}
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : args[i + 1];
};
const count = Number(option('challenges', 20000));
const rate = Number(option('rate', 250));
const duration = Number(option('duration', 25));
const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-bench-expiry-'));
const database = option('database', `sqlite:${path.join(dir, 'bench.db')}`);

const started = Date.now();
const at = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const server = spawn(
  process.execPath,
  [
    path.join(root, 'packages/server/bin/keyra.js'),
    'serve',
    '--port',
    '0',
    '--database',
    database,
    '--data-dir',
    dir,
  ],
  {
    env: {
      ...process.env,
      KEYRA_LOG_LEVEL: 'info',
      KEYRA_LOG_FORMAT: 'json',
      KEYRA_RATE_LIMIT_PER_KEY: '10000000',
      KEYRA_RATE_LIMIT_PER_IP: '10000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
// The server's log, line by line: its URL, and each sweep's count.
const url = await new Promise((resolve, reject) => {
  let pending = '';
  let found = false;
  server.on('exit', (code) => reject(new Error(`keyra serve exited with ${code}`)));
  server.stdout.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      if (!found && line.includes('keyra listening')) {
        found = true;
        resolve(JSON.parse(line).url);
      } else if (line.includes('"challenges expired"')) {
        process.stderr.write(`${at()}: the sweep expired ${JSON.parse(line).count}\n`);
      }
    }
  });
});

try {
  const key = readFileSync(path.join(dir, 'sandbox-key'), 'utf8').trim();
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const expiring = JSON.stringify({
    action: 'transfer.approve',
    userId: 'usr_8f2a',
    expiresIn: 10,
  });
  const burst = await new Promise((resolve, reject) =>
    autocannon(
      { url: `${url}/v1/challenges`, method: 'POST', headers, body: expiring, amount: count },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  process.stderr.write(`${at()}: created ${burst.requests.total} expiring in 10 s\n`);

  const body = JSON.stringify({ action: 'transfer.approve', userId: 'usr_8f2a' });
  const latencies = [];
  const slowSeconds = new Set();
  const inFlight = new Set();
  const end = Date.now() + duration * 1000;
  for (let next = Date.now(); Date.now() < end;) {
    next += 1000 / rate;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    const request = fetch(`${url}/v1/challenges`, { method: 'POST', headers, body })
      .then((response) => response.arrayBuffer())
      .then(() => {
        const ms = performance.now() - sent;
        latencies.push(ms);
        if (ms > 50) slowSeconds.add(Math.floor((Date.now() - started) / 1000));
      });
    inFlight.add(request);
    void request.finally(() => inFlight.delete(request));
  }
  await Promise.all(inFlight);
  latencies.sort((a, b) => a - b);
  const pct = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  console.log(
    `${count} challenges expiring; ${latencies.length} creates paced at ${rate}/s: p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${latencies.at(-1).toFixed(1)} ms; over 50 ms in second(s) ${[...slowSeconds].join(', ') || 'none'}`,
  );
} finally {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
