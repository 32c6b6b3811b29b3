#!/usr/bin/env node
// npm run bench:scale [-- --admin-database URL] [--redis URL] [--duration S] [--connections N]
//   [--rounds R] [--per-device N]
//
// Scale-out: one KEYRA instance against three, on PostgreSQL + Redis (the cluster setup), driven
// with POST /v1/challenges and POST /v1/challenges/:id/verify. On a machine with fewer cores than
// instances + database + load generator, throughput alone cannot show scale-out, so each run also
// measures where the CPU went: the whole machine's busy time (/proc/stat), the load generator's
// (this process: autocannon and fetch run in it), each KEYRA instance's (/proc/PID/stat), and the
// rest (PostgreSQL, Redis, anything else). The figure that counts is requests per second per core
// the server side used (machine minus load generator).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import {
  cannon,
  driveLanes,
  flag,
  prepareDevices,
  runMeta,
  runToEnd,
  startProcess,
  stop,
} from './bench/harness.mjs';

if (process.argv.includes('--help')) {
  console.log(`Usage: npm run bench:scale -- [options]

Compares one KEYRA instance with three on PostgreSQL + Redis (create and verify), with the CPU
each side used. Creates a fresh database and drops it at the end.
  --admin-database URL  a PostgreSQL database to connect to for CREATE/DROP DATABASE
                        (default postgres://postgres@127.0.0.1:5432/postgres)
  --redis URL           Redis for the instances' shared rate limits (default redis://127.0.0.1:6379)
  --duration S          seconds per measurement (default 8)
  --connections N       concurrent connections in all, split across the instances; also the
                        number of simulated devices driving verify (default 12)
  --rounds R            rounds of (1 instance, 3 instances), alternating which goes first (default 2)
  --per-device N        approvals signed in advance per device per verify run (default 600)`);
  process.exit(0);
}
const adminUrl = flag('admin-database', 'postgres://postgres@127.0.0.1:5432/postgres');
const redisUrl = flag('redis', 'redis://127.0.0.1:6379');
const duration = Number(flag('duration', '8'));
const connections = Number(flag('connections', '12'));
const rounds = Math.max(1, Number(flag('rounds', '2')));
const perDevice = Number(flag('per-device', '600'));
const sizes = [1, 3];
const root = fileURLToPath(new URL('..', import.meta.url));
const keyraBin = path.join(root, 'packages/server/bin/keyra.js');
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-scale-'));
const dbName = `keyra_scale_${process.pid}`;
const databaseUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  return url.toString();
})();
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function admin(sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Runs a keyra CLI command to completion and returns its stdout. */
const runKeyra = (argv, env) => runToEnd([keyraBin, ...argv], env);

const HZ = 100; // USER_HZ: the unit of /proc/stat and /proc/PID/stat times on Linux
/** CPU seconds so far: the machine's busy time, this process's, and each given pid's. */
function cpuSnapshot(pids) {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    busy: (user + nice + system + irq + softirq + steal) / HZ,
    idle: (idle + iowait) / HZ,
    self: (own.user + own.system) / 1e6,
    pids: pids.map((pid) => {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { user: Number(after[11]) / HZ, system: Number(after[12]) / HZ };
    }),
  };
}
/** Cores used between two snapshots: machine, load generator, each instance, and the rest. */
function coresBetween(a, b) {
  const wall = (b.at - a.at) / 1000;
  const machine = (b.busy - a.busy) / wall;
  const loadGenerator = (b.self - a.self) / wall;
  const instances = b.pids.map(
    (t, i) => (t.user + t.system - a.pids[i].user - a.pids[i].system) / wall,
  );
  const keyra = instances.reduce((sum, x) => sum + x, 0);
  const keyraSystem = b.pids.reduce((sum, t, i) => sum + (t.system - a.pids[i].system) / wall, 0);
  return {
    machine,
    loadGenerator,
    keyra,
    keyraSystem,
    instances,
    databaseAndRest: Math.max(0, machine - loadGenerator - keyra),
    serverSide: machine - loadGenerator,
  };
}

const secret = randomBytes(32).toString('hex');
const instanceEnv = {
  KEYRA_SECRET: secret,
  KEYRA_LOG_LEVEL: 'info',
  KEYRA_RATE_LIMIT_PER_KEY: '10000000',
  KEYRA_RATE_LIMIT_PER_IP: '10000000',
};
const running = [];
async function ensureInstances(n) {
  while (running.length > n) await stop(running.pop().child);
  while (running.length < n) {
    const index = running.length;
    running.push(
      await startProcess(
        [
          keyraBin,
          'serve',
          '--port',
          '0',
          '--database',
          databaseUrl,
          '--redis',
          redisUrl,
          '--data-dir',
          path.join(dir, `instance-${index}`),
        ],
        instanceEnv,
        'keyra listening',
      ),
    );
  }
}

await admin(`create database ${dbName}`);
const loadAtStart = os.loadavg();
try {
  const created = JSON.parse(
    await runKeyra(
      [
        'keys',
        'create',
        '--env',
        'sandbox',
        '--tenant',
        'bench',
        '--database',
        databaseUrl,
        '--json',
      ],
      instanceEnv,
    ),
  );
  const headers = { authorization: `Bearer ${created.key}`, 'content-type': 'application/json' };
  const body = JSON.stringify({
    action: 'transfer.approve',
    userId: 'usr_8f2a',
    payload: { amount: 12500, currency: 'USD' },
    expiresIn: 600,
  });
  await ensureInstances(1);
  const api = (method, route, payload) =>
    fetch(`${running[0].url}${route}`, {
      method,
      headers,
      body: payload ? JSON.stringify(payload) : undefined,
    }).then((r) => r.json());
  const runsOf = rounds * sizes.length;
  const devices = await prepareDevices(api, {
    count: connections,
    batches: runsOf,
    perDevice,
  });
  let nextBatch = 0;
  const analyze = () => {
    const client = new pg.Client({ connectionString: databaseUrl });
    return client
      .connect()
      .then(() => client.query('analyze'))
      .finally(() => client.end());
  };

  /** One measurement on the running instances, with the CPU it took. */
  async function measure(route, n, rate = 0) {
    const pids = running.map((r) => r.child.pid);
    const urls = running.map((r) => r.url);
    const per = Math.floor(connections / n);
    const before = cpuSnapshot(pids);
    let result;
    if (route === 'create') {
      const parts = await Promise.all(
        urls.map((url, i) =>
          cannon(`create on instance ${i + 1}/${n}${rate ? ` at ${Math.round(rate / n)}/s` : ''}`, {
            url: `${url}/v1/challenges`,
            method: 'POST',
            headers,
            body,
            duration,
            connections: per,
            ...(rate ? { overallRate: Math.max(1, Math.round(rate / n)) } : {}),
          }),
        ),
      );
      result = {
        requestsPerSecond: parts.reduce((sum, p) => sum + p.requestsPerSecond, 0),
        p50ms: median(parts.map((p) => p.p50ms)),
        p99ms: Math.max(...parts.map((p) => p.p99ms)),
        total: parts.reduce((sum, p) => sum + p.total, 0),
        failed: parts.reduce((sum, p) => sum + p.failed, 0),
      };
    } else {
      const batch = nextBatch++;
      const lanes = devices.map((batches) =>
        batches[batch].map((r) => ({ path: `/v1/challenges/${r.id}/verify`, body: r.body })),
      );
      result = await driveLanes(`verify on ${n}`, urls, lanes, headers, 0, duration);
      if (result.total >= connections * perDevice)
        throw new Error('verify ran out of signed approvals before its time: raise --per-device');
    }
    const cores = coresBetween(before, cpuSnapshot(pids));
    const perRequest = (c) => Math.round((c * 1e6) / result.requestsPerSecond);
    return {
      ...result,
      cores,
      perServerCore: result.requestsPerSecond / cores.serverSide,
      // CPU µs per request, on the instances and on the database side (PostgreSQL, Redis, rest).
      keyraMicros: perRequest(cores.keyra),
      // Of which in the kernel (system time): socket writes and reads, wake-ups.
      keyraSystemMicros: perRequest(cores.keyraSystem),
      databaseMicros: perRequest(cores.databaseAndRest),
    };
  }

  const results = {
    create: { 1: [], 3: [] },
    verify: { 1: [], 3: [] },
    createPaced: { 1: [], 3: [] },
    // One instance at a third of the paced rate: what each of the three instances carries there.
    createPacedThird: { 1: [], 3: [] },
  };
  // The paced create runs at half of the first one-instance create rate, the same for both sizes:
  // at an equal total rate, CPU per request shows what the cluster itself adds, apart from the
  // oversubscribed cores.
  let pacedRate = 0;
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? sizes : [...sizes].reverse();
    for (const n of order) {
      await ensureInstances(n);
      await analyze();
      // Warm-up: every instance's JIT, statement caches and pools.
      await Promise.all(
        running.map((r) =>
          cannon(`warm-up ${r.url}`, {
            url: `${r.url}/v1/challenges`,
            method: 'POST',
            headers,
            body,
            duration: 4,
            connections: 4,
          }),
        ),
      );
      for (const route of ['create', 'verify', 'createPaced', 'createPacedThird']) {
        if (route.startsWith('createPaced') && pacedRate === 0) continue;
        if (route === 'createPacedThird' && n !== 1) continue;
        const got =
          route === 'createPaced'
            ? await measure('create', n, pacedRate)
            : route === 'createPacedThird'
              ? await measure('create', n, Math.round(pacedRate / 3))
              : await measure(route, n);
        if (route === 'create' && n === 1 && pacedRate === 0)
          pacedRate = Math.round(got.requestsPerSecond / 2);
        process.stderr.write(
          `  ${route} × ${n}: ${Math.round(got.requestsPerSecond)} req/s; cores: machine ${got.cores.machine.toFixed(2)}, load generator ${got.cores.loadGenerator.toFixed(2)}, KEYRA ${got.cores.keyra.toFixed(2)}, PostgreSQL/Redis/rest ${got.cores.databaseAndRest.toFixed(2)}; ${Math.round(got.perServerCore)} req/s per server-side core; CPU per request KEYRA ${got.keyraMicros} µs (${got.keyraSystemMicros} in the kernel), database side ${got.databaseMicros} µs\n`,
        );
        results[route][n].push(got);
      }
    }
  }
  await ensureInstances(0);

  const m = (runs, pick) => median(runs.map(pick));
  const sideOf = (runs) => ({
    requestsPerSecond: Math.round(m(runs, (r) => r.requestsPerSecond)),
    p99ms: Number(m(runs, (r) => r.p99ms).toFixed(1)),
    serverCores: Number(m(runs, (r) => r.cores.serverSide).toFixed(2)),
    loadGeneratorCores: Number(m(runs, (r) => r.cores.loadGenerator).toFixed(2)),
    perServerCore: Math.round(m(runs, (r) => r.perServerCore)),
    keyraMicros: m(runs, (r) => r.keyraMicros),
    keyraSystemMicros: m(runs, (r) => r.keyraSystemMicros),
    databaseMicros: m(runs, (r) => r.databaseMicros),
  });
  const rows = ['create', 'verify', 'createPaced'].map((route) => {
    const one = results[route][1];
    const three = results[route][3];
    const row = {
      route: route === 'createPaced' ? `create at ${pacedRate}/s in all` : route,
      one: sideOf(one),
      three: sideOf(three),
      failed: [...one, ...three].reduce((sum, r) => sum + r.failed, 0),
    };
    row.throughputRatio = row.three.requestsPerSecond / row.one.requestsPerSecond;
    row.perCoreRatio = row.three.perServerCore / row.one.perServerCore;
    // What three instances would give with a core each for them and their database share: three
    // times one instance's throughput, scaled by how much work per request the cluster adds.
    row.projectedScaleOut = 3 * row.perCoreRatio;
    return row;
  });
  const third = sideOf(results.createPacedThird[1]);
  const meta = runMeta(loadAtStart, { duration, connections, rounds, perDevice });
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(
    'bench-results/scale-postgres.json',
    JSON.stringify({ meta, rows, onePacedThird: third, results }, null, 2),
  );
  console.log(
    `\nPostgreSQL + Redis, ${meta.cpus} × ${meta.cpuModel}, Node ${meta.node}; ${duration} s × ${connections} connections in all; medians of ${rounds} rounds; load average ${meta.loadAverageAtStart[0]} at start, ${meta.loadAverageAtEnd[0]} at end\n`,
  );
  console.log(
    '| route | instances | req/s | p99 ms | server-side cores (load generator) | req/s per server-side core | CPU µs per request: KEYRA (of which kernel) | database side |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows)
    for (const [n, side] of [
      [1, r.one],
      [3, r.three],
    ])
      console.log(
        `| ${r.route} | ${n} | ${side.requestsPerSecond} | ${side.p99ms} | ${side.serverCores} (${side.loadGeneratorCores}) | ${side.perServerCore} | ${side.keyraMicros} (${side.keyraSystemMicros}) | ${side.databaseMicros} |`,
      );
  console.log(
    `| create at ${Math.round(pacedRate / 3)}/s (each instance's share above) | 1 | ${third.requestsPerSecond} | ${third.p99ms} | ${third.serverCores} (${third.loadGeneratorCores}) | ${third.perServerCore} | ${third.keyraMicros} (${third.keyraSystemMicros}) | ${third.databaseMicros} |`,
  );
  console.log('');
  for (const r of rows.slice(0, 2))
    console.log(
      `${r.route}: 3 instances / 1 = ${r.throughputRatio.toFixed(2)}× throughput on this machine; per server-side core ${r.perCoreRatio.toFixed(2)}×, so with a core each ${r.projectedScaleOut.toFixed(2)}× (target ≥ 2.5×)`,
    );
  const failed = rows.reduce((sum, r) => sum + r.failed, 0);
  if (failed > 0) {
    console.error(`${failed} requests failed`);
    process.exitCode = 1;
  }
} finally {
  for (const r of running) if (r.child.exitCode === null) await stop(r.child);
  await admin(`drop database if exists ${dbName} with (force)`);
  rmSync(dir, { recursive: true, force: true });
}
