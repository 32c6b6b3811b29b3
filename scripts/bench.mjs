#!/usr/bin/env node
// npm run bench [-- --database URL] [--duration SECONDS] [--connections N]
//
// Measures KEYRA's request path against its floors in the same run (docs/benchmarks.md):
//   1. starts `keyra serve` in its own process (rate limits raised, default logging, metrics and
//      request ids on; its log is read line by line and dropped, as a log shipper would);
//   2. drives GET /healthz, POST /v1/challenges, GET /v1/challenges/:id with autocannon, and
//      POST /v1/challenges/:id/verify with one simulated KEYRA ONE per connection, each request a
//      fresh challenge signed in advance (a device's signatures must arrive in counter order);
//   3. repeats create and verify at half of the measured throughput, for the p99 there;
//   4. stops KEYRA and starts scripts/bench/floorServer.mjs on the same database: bare Fastify
//      doing only the irreducible work of each route, driven exactly the same way.
// Writes bench-results/challenges-<store>.json and prints a Markdown table.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  cannon as runCannon,
  driveLanes,
  prepareDevices,
  runMeta,
  startProcess,
  stop,
} from './bench/harness.mjs';
import { KEYRA_ONE_ORIGIN } from '@keyra/device';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(`Usage: npm run bench -- [--database URL] [--duration SECONDS] [--connections N]

Compares KEYRA's routes with bare-Fastify floors doing only the irreducible work, in one run.
  --database URL     sqlite:PATH (default: a temp file) or postgres://… (its tables are used as is)
  --duration S       seconds per measured route (default 10)
  --connections N    concurrent connections, and simulated devices for verify (default 10)
  --rounds R         KEYRA/floor pairs per route, alternating which goes first (default 3)
  --profile          write a V8 CPU profile of the KEYRA process to bench-results/profiles/`);
  process.exit(0);
}
const duration = Number(flag('duration', '10'));
const connections = Number(flag('connections', '10'));
const rounds = Math.max(1, Number(flag('rounds', '3')));
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-bench-'));
const database = flag('database', `sqlite:${path.join(dir, 'bench.db')}`);
const store = database.startsWith('sqlite:') ? 'sqlite' : 'postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const loadAtStart = os.loadavg();

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** One measurement at this run's duration and connections. */
const cannon = (title, options) => runCannon(title, { duration, connections, ...options });

/**
 * The CPU time (user + system, all threads) a process has used, in µs, from /proc on Linux;
 * null elsewhere. Ticks are 10 ms (USER_HZ 100), so a 10 s run is resolved to about 0.1 %.
 */
function cpuMicros(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return null;
  }
}

/** `run()`'s result with the server's CPU per request during it (`cpuUsPerRequest`, or null). */
async function withCpu(child, run) {
  const before = cpuMicros(child.pid);
  const result = await run();
  const after = cpuMicros(child.pid);
  const cpuUsPerRequest =
    before === null || after === null || result.total === 0
      ? null
      : Number(((after - before) / result.total).toFixed(1));
  return { ...result, cpuUsPerRequest };
}

// --profile: the KEYRA process writes a V8 CPU profile on exit (open it in Chrome DevTools).
const profile = args.includes('--profile')
  ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve('bench-results/profiles')}`]
  : [];
const keyra = await startProcess(
  [
    ...profile,
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
    KEYRA_LOG_LEVEL: 'info',
    KEYRA_RATE_LIMIT_PER_KEY: '10000000',
    KEYRA_RATE_LIMIT_PER_IP: '10000000',
  },
  'keyra listening',
);
let floor = null;
try {
  const url = keyra.url;
  const key = readFileSync(path.join(dir, 'sandbox-key'), 'utf8').trim();
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  // The longest expiry (600 s), on KEYRA's challenges and the floor's rows alike: none of the
  // run's challenges expires while it measures, so the sweep that expires them (an event and an
  // audit entry each, on SQLite on the requests' one connection) does not land in KEYRA's windows
  // and not in its floor's. Every challenge made here is abandoned, which no real workload does;
  // what a burst of expiries costs is measured apart (docs/benchmarks.md).
  const body = JSON.stringify({
    action: 'transfer.approve',
    userId: 'usr_8f2a',
    payload: { amount: 12500, currency: 'USD' },
    expiresIn: 600,
  });
  const api = (method, route, payload) =>
    fetch(`${url}${route}`, {
      method,
      headers,
      body: payload ? JSON.stringify(payload) : undefined,
    }).then((r) => r.json());
  const seed = await api('POST', '/v1/challenges', JSON.parse(body));

  // Warm up the JIT and the database before measuring.
  await new Promise((resolve) =>
    autocannon({ url: `${url}/healthz`, duration: 2, connections }, resolve),
  );
  await new Promise((resolve) =>
    autocannon(
      { url: `${url}/v1/challenges`, method: 'POST', headers, body, duration: 2, connections },
      resolve,
    ),
  );
  // The floors run beside KEYRA on the same database, idle while KEYRA is measured and the other
  // way round: each route is measured in `rounds` KEYRA/floor pairs, alternating which of the two
  // goes first, so a machine whose speed drifts during the run (a shared VM's does) weighs on both.
  floor = await startProcess(
    [
      path.join(root, 'scripts/bench/floorServer.mjs'),
      '--database',
      database,
      '--origin',
      KEYRA_ONE_ORIGIN,
    ],
    {},
    '"url"',
  );
  const f = floor.url;
  const plain = { 'content-type': 'application/json' };
  await new Promise((resolve) =>
    autocannon({ url: `${f}/bare`, duration: 2, connections }, resolve),
  );
  await new Promise((resolve) =>
    autocannon(
      { url: `${f}/insert`, method: 'POST', headers: plain, body, duration: 2, connections },
      resolve,
    ),
  );

  // PostgreSQL plans from table statistics, which autovacuum keeps current as the tables grow
  // (the default). With it off (as on our benchmark machine) a table that grew from empty during
  // the run has none, and a challenge read by id goes through the tenant's scope index: 135 ms at
  // 100k rows instead of 0.2 ms, for KEYRA and its floor alike. So the bench analyzes the tables
  // before each round, as autovacuum would have.
  const analyze =
    store === 'postgres'
      ? async () => {
          const { default: pg } = await import('pg');
          const client = new pg.Client({ connectionString: database });
          await client.connect();
          try {
            await client.query('analyze');
          } finally {
            await client.end();
          }
        }
      : async () => {};

  /**
   * Each side's runs and each round's ratio; the medians are what the table shows. `extraRun`, a
   * second floor measured in the same rounds (the order reversed each round), gets its own ratio
   * to the floor. Each run also records the server's CPU per request (below).
   */
  const pairs = {};
  async function measurePair(name, keyraRun, floorRun, extraRun) {
    const pair = {
      keyra: [],
      floor: [],
      ratios: [],
      ...(extraRun && { extra: [], extraRatios: [] }),
    };
    const runs = {
      keyra: () => withCpu(keyra.child, keyraRun),
      floor: () => withCpu(floor.child, floorRun),
      extra: () => withCpu(floor.child, extraRun),
    };
    for (let round = 0; round < rounds; round += 1) {
      await analyze();
      const sides = extraRun ? ['keyra', 'floor', 'extra'] : ['keyra', 'floor'];
      const got = {};
      for (const side of round % 2 === 0 ? sides : sides.reverse()) got[side] = await runs[side]();
      pair.keyra.push(got.keyra);
      pair.floor.push(got.floor);
      pair.ratios.push(got.keyra.requestsPerSecond / got.floor.requestsPerSecond);
      if (extraRun) {
        pair.extra.push(got.extra);
        pair.extraRatios.push(got.extra.requestsPerSecond / got.floor.requestsPerSecond);
      }
    }
    pairs[name] = pair;
    return pair;
  }
  const results = {};
  await measurePair(
    'healthz',
    () => cannon('KEYRA GET /healthz', { url: `${url}/healthz` }),
    () => cannon('floor GET (bare Fastify)', { url: `${f}/bare` }),
  );
  await measurePair(
    'create',
    () =>
      cannon('KEYRA POST /v1/challenges', {
        url: `${url}/v1/challenges`,
        method: 'POST',
        headers,
        body,
      }),
    () =>
      cannon('floor POST (bare Fastify + one insert)', {
        url: `${f}/insert`,
        method: 'POST',
        headers: plain,
        body,
      }),
    () =>
      cannon('floor POST + its audit entry in the same transaction', {
        url: `${f}/insert-audited`,
        method: 'POST',
        headers: plain,
        body,
      }),
  );
  await measurePair(
    'get',
    () =>
      cannon('KEYRA GET /v1/challenges/:id', { url: `${url}/v1/challenges/${seed.id}`, headers }),
    () => cannon('floor GET (bare Fastify + one indexed read)', { url: `${f}/read/${seed.id}` }),
  );
  const createRate = median(pairs.create.keyra.map((r) => r.requestsPerSecond));
  // Half rate, evenly paced: one request every 2 / createRate seconds across the lanes. (Not
  // autocannon's `overallRate`, a quota per connection and second: each connection sends its
  // quota back to back as each second starts, then waits, so "half rate" was saturation for half
  // of every second.)
  const halfPerLane = createRate / 2 / connections;
  results.createHalf = await driveLanes(
    'KEYRA POST /v1/challenges at half rate',
    url,
    Array.from({ length: connections }, () =>
      Array.from({ length: Math.ceil(halfPerLane * duration) }, () => ({
        path: '/v1/challenges',
        body,
      })),
    ),
    headers,
    halfPerLane,
    duration,
    (status, result) => status === 201 && result.status === 'pending',
  );

  // Verify: batches of signed approvals per device, consumed in counter order whichever server
  // takes them (both read the device's counter from the shared database): one batch per run.
  const verifyRuns = 3 * rounds + 1;
  const perDevice = Math.max(100, Math.round((createRate * duration) / connections / 3));
  const devices = await prepareDevices(api, {
    count: connections,
    batches: verifyRuns,
    perDevice,
  });
  const lanes = (batch, prefix, suffix) =>
    devices.map((batches) =>
      batches[batch].map((r) => ({ path: `${prefix}${r.id}${suffix}`, body: r.body })),
    );
  let nextBatch = 0;
  await measurePair(
    'verify',
    () =>
      driveLanes(
        'KEYRA POST /v1/challenges/:id/verify',
        url,
        lanes(nextBatch++, '/v1/challenges/', '/verify'),
        headers,
      ),
    () =>
      driveLanes('floor verify (irreducible work)', f, lanes(nextBatch++, '/verify/', ''), plain),
    () =>
      driveLanes(
        'floor verify + its audit entry and metering',
        f,
        lanes(nextBatch++, '/verify-audited/', ''),
        plain,
      ),
  );
  results.verifyHalf = await driveLanes(
    'KEYRA verify at half rate',
    url,
    lanes(nextBatch++, '/v1/challenges/', '/verify'),
    headers,
    median(pairs.verify.keyra.map((r) => r.requestsPerSecond)) / 2 / connections,
  );
  await stop(keyra.child);
  for (const [name, pair] of Object.entries(pairs)) {
    results[name] = pair.keyra;
    results[`floor_${name}`] = pair.floor;
    if (pair.extra) results[`floor_${name}_audited`] = pair.extra;
  }

  const medianOf = (runs, key) => median(runs.map((r) => r[key]));
  const rows = [
    ['GET /healthz', 'healthz', 'bare Fastify GET', 0.6],
    ['POST /v1/challenges', 'create', 'bare Fastify + one insert', 0.8],
    ['GET /v1/challenges/:id', 'get', 'bare Fastify + one indexed read', 0.8],
    [
      'POST /v1/challenges/:id/verify',
      'verify',
      'verify floor (scripts/bench/floorServer.mjs)',
      0.7,
    ],
  ].map(([route, name, floorName, target]) => {
    const pair = pairs[name];
    return {
      route,
      requestsPerSecond: Math.round(medianOf(pair.keyra, 'requestsPerSecond')),
      p50ms: medianOf(pair.keyra, 'p50ms'),
      p99ms: medianOf(pair.keyra, 'p99ms'),
      failed: pair.keyra.reduce((sum, r) => sum + r.failed, 0),
      floor: floorName,
      floorRequestsPerSecond: Math.round(medianOf(pair.floor, 'requestsPerSecond')),
      floorFailed: pair.floor.reduce((sum, r) => sum + r.failed, 0),
      ratio: median(pair.ratios),
      ratios: pair.ratios.map((x) => Number(x.toFixed(3))),
      target,
      cpuUsPerRequest: medianOf(pair.keyra, 'cpuUsPerRequest'),
      floorCpuUsPerRequest: medianOf(pair.floor, 'cpuUsPerRequest'),
    };
  });
  // What the target leaves room for. /healthz runs the machinery every route has (request id,
  // metrics, the log line) and nothing else, so KEYRA's time per /healthz request minus the bare
  // GET's is a cost every API request pays on top of its floor. With time per request taken as
  // 1 / throughput (one server thread saturated): the most a route could reach is
  //   floor time / (time of the work the rules require + that shared cost),
  // where the required work is the route's floor, or the floor that also writes what the rules
  // put in the same transaction (create: the audit entry; verify: the audit entry and the
  // metering). API-key checks, rate limits and KEYRA's own logic come on top: these are ceilings.
  const perRequest = (runs) => 1 / medianOf(runs, 'requestsPerSecond');
  const shared = perRequest(pairs.healthz.keyra) - perRequest(pairs.healthz.floor);
  const ceiling = (floorRuns, requiredRuns) =>
    perRequest(floorRuns) / (perRequest(requiredRuns) + shared);
  const ceilings = {
    sharedMachineryUs: Number((shared * 1e6).toFixed(1)),
    create: ceiling(pairs.create.floor, pairs.create.floor),
    createAudited: ceiling(pairs.create.floor, pairs.create.extra),
    auditedFloorRatio: median(pairs.create.extraRatios),
    auditedFloorRatios: pairs.create.extraRatios.map((x) => Number(x.toFixed(3))),
    read: ceiling(pairs.get.floor, pairs.get.floor),
    verify: ceiling(pairs.verify.floor, pairs.verify.floor),
    verifyAudited: ceiling(pairs.verify.floor, pairs.verify.extra),
    auditedVerifyFloorRatio: median(pairs.verify.extraRatios),
    auditedVerifyFloorRatios: pairs.verify.extraRatios.map((x) => Number(x.toFixed(3))),
  };
  const meta = runMeta(loadAtStart, { store, duration, connections, rounds });
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(
    `bench-results/challenges-${store}.json`,
    JSON.stringify({ meta, results, rows, ceilings }, null, 2),
  );
  console.log(
    `\n${store}, ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}, ${duration} s × ${connections} connections; load average ${meta.loadAverageAtStart[0]} at start, ${meta.loadAverageAtEnd[0]} at end\n`,
  );
  console.log(
    `Medians of ${rounds} KEYRA/floor pairs per route (ratio: the median of the pairs' ratios; each pair's in brackets).\n`,
  );
  console.log(
    '| route | KEYRA req/s | p50 ms | p99 ms | CPU µs/req | floor | floor req/s | floor CPU µs/req | ratio (pairs) | target |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |');
  const pct = (x) => Math.round(x * 100);
  const us = (x) => (x === null ? '–' : Math.round(x));
  for (const r of rows)
    console.log(
      `| ${r.route} | ${r.requestsPerSecond} | ${r.p50ms} | ${r.p99ms} | ${us(r.cpuUsPerRequest)} | ${r.floor} | ${r.floorRequestsPerSecond} | ${us(r.floorCpuUsPerRequest)} | ${pct(r.ratio)} % (${r.ratios.map(pct).join(', ')}) | ≥ ${r.target * 100} % |`,
    );
  const describe = (runs) =>
    `${Math.round(medianOf(runs, 'requestsPerSecond'))} req/s, ${us(medianOf(runs, 'cpuUsPerRequest'))} CPU µs/req`;
  console.log(
    `\nThe insert floor with its audit entry in the same transaction: ${describe(pairs.create.extra)}, ${pct(ceilings.auditedFloorRatio)} % of the insert floor (${ceilings.auditedFloorRatios.map(pct).join(', ')}).`,
  );
  console.log(
    `The verify floor with its audit entry and metering in the same transaction: ${describe(pairs.verify.extra)}, ${pct(ceilings.auditedVerifyFloorRatio)} % of the verify floor (${ceilings.auditedVerifyFloorRatios.map(pct).join(', ')}).`,
  );
  console.log(
    `Ceilings (KEYRA's /healthz costs ${ceilings.sharedMachineryUs} µs per request more than a bare GET; every route pays it): create ${pct(ceilings.createAudited)} % (${pct(ceilings.create)} % without the audit entry), read ${pct(ceilings.read)} %, verify ${pct(ceilings.verifyAudited)} % (${pct(ceilings.verify)} % without the audit entry and metering).`,
  );
  console.log(
    `\nAt half of saturation: create ${Math.round(results.createHalf.requestsPerSecond)} req/s, p99 ${results.createHalf.p99ms} ms; verify ${Math.round(results.verifyHalf.requestsPerSecond)} req/s, p99 ${results.verifyHalf.p99ms} ms (target ≤ 10 ms).`,
  );
  const failures = Object.entries(results)
    .flatMap(([name, r]) => (Array.isArray(r) ? r.map((run) => [name, run]) : [[name, r]]))
    .filter(([, r]) => r.failed > 0);
  if (failures.length > 0) {
    console.error(
      `Failed requests in: ${failures.map(([name, r]) => `${name} (${r.failed})`).join(', ')}`,
    );
    process.exitCode = 1;
  }
} finally {
  if (keyra.child.exitCode === null) await stop(keyra.child);
  if (floor) await stop(floor.child);
  rmSync(dir, { recursive: true, force: true });
}
