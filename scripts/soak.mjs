#!/usr/bin/env node
// npm run soak [-- --duration 30m] [--database URL] [--lanes N] [--pause-ms MS] [--sample SECONDS]
//              [--max-heap-growth-mb MB] [--max-rss-growth-mb MB] [--max-fd-growth N] [--json]
//
// A long run of mixed load against one `keyra serve --dev` process, watched from outside for
// leaks: resident memory (VmRSS in /proc/PID/status) and open file descriptors (/proc/PID/fd)
// sampled every few seconds. Linux only (it reads /proc).
//
// The load, on `--lanes` (default 4) lanes one request after another: pair a simulated KEYRA ONE
// per lane, then loop create → get → verify (approve, or every fourth time reject) on it, pausing
// --pause-ms (default 0) between flows, with a list of events and a usage read now and then, and a webhook endpoint subscribed to every
// challenge decision (so the outbox worker delivers throughout) to a receiver in this process.
//
// Verdict: at the end of a warm-up (a fifth of the run, at most 2 minutes: JIT, pools, caches) and
// again at the end of the load, the server (started with scripts/soak-gc-probe.mjs preloaded) runs
// a full garbage collection and reports its memory right after it; from the first to the second,
// live heap plus external memory may grow by at most --max-heap-growth-mb (default 16) and
// resident memory by at most --max-rss-growth-mb (default 48). Resident memory sampled between
// collections is reported, not judged: V8 lets garbage pile up to a limit it raises with the
// allocation rate, so on a fast machine RSS climbs for minutes and then drops at a compaction
// (docs/benchmarks.md shows one). The highest fd count of the last fifth of the run may exceed the
// highest of the first fifth after warm-up by at most --max-fd-growth (default 16). Any 5xx, or
// an event the receiver never got, fails too. Exit code 1 on failure. Writes
// bench-results/soak-<store>.json; --json prints that object on stdout instead of the summary.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  approveChallenge,
  createAuthenticator,
  getAttestationPublicKey,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
  rejectChallenge,
} from '@keyra/device';
import { runToEnd } from './bench/harness.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(
    'Usage: npm run soak -- [--duration 30m|90s] [--database URL] [--lanes N] [--pause-ms MS] [--sample SECONDS] [--max-heap-growth-mb MB] [--max-rss-growth-mb MB] [--max-fd-growth N] [--json]',
  );
  process.exit(0);
}
if (process.platform !== 'linux') {
  console.error('soak: reads /proc/PID/status and /proc/PID/fd, so it runs on Linux only.');
  process.exit(2);
}

/** `90s`, `30m`, `1h` or plain seconds. */
function parseDuration(text) {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
  if (!match) {
    console.error(`--duration must look like 90s, 30m or 1h; got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] ?? 's'] * 1000;
}

const durationMs = parseDuration(flag('duration', '30m'));
const lanes = Number(flag('lanes', '4'));
const pauseMs = Number(flag('pause-ms', '0'));
const sampleMs = Number(flag('sample', '5')) * 1000;
const maxHeapGrowthMb = Number(flag('max-heap-growth-mb', '16'));
const maxRssGrowthMb = Number(flag('max-rss-growth-mb', '48'));
const maxFdGrowth = Number(flag('max-fd-growth', '16'));
const asJson = args.includes('--json');
const log = (text) => process.stderr.write(`${text}\n`);

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-soak-'));
const database = flag('database', `sqlite:${path.join(dir, 'soak.db')}`);
const store = database.startsWith('sqlite:') ? 'sqlite' : 'postgres';
const bin = fileURLToPath(new URL('../packages/server/bin/keyra.js', import.meta.url));
const probe = new URL('./soak-gc-probe.mjs', import.meta.url).href;
const probeFile = path.join(dir, 'memory-after-gc.ndjson');
const env = {
  ...process.env,
  KEYRA_LOG_LEVEL: 'info',
  KEYRA_RATE_LIMIT_PER_KEY: '10000000',
  KEYRA_RATE_LIMIT_PER_IP: '10000000',
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const runCli = (cliArgs) => runToEnd([bin, ...cliArgs], env);

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        probe,
        bin,
        'serve',
        '--dev',
        '--port',
        '0',
        '--database',
        database,
        '--data-dir',
        dir,
      ],
      { env: { ...env, KEYRA_SOAK_PROBE_FILE: probeFile }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buffer = '';
    let listening = false;
    child.stdout.on('data', (chunk) => {
      // Read (and drop) the request log, so neither side's pipe buffer grows over the run.
      if (listening) return;
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.includes('keyra listening'));
      if (!line) return;
      listening = true;
      resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** Resident set size (bytes) and open descriptors of a process, read from /proc. */
function sampleProcess(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN);
  return { rssBytes: rssKb * 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/** Has the server collect its garbage and report its memory right after (scripts/soak-gc-probe.mjs). */
async function memoryAfterGc(pid) {
  const count = () => {
    try {
      return readFileSync(probeFile, 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const before = count().length;
  process.kill(pid, 'SIGUSR2');
  for (const giveUpAt = Date.now() + 30_000; Date.now() < giveUpAt; await sleep(50)) {
    const lines = count();
    if (lines.length > before) return JSON.parse(lines.at(-1));
  }
  throw new Error('the server did not report its memory after a garbage collection within 30 s');
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const receiverEvents = new Set();
let receiverRequests = 0;
const receiver = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    receiverRequests++;
    receiverEvents.add(String(req.headers['webhook-id']));
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverOrigin = `http://127.0.0.1:${receiver.address().port}`;

const key = JSON.parse(
  await runCli(['keys', 'create', '--env', 'sandbox', '--database', database, '--json']),
).key;
const { child: server, url } = await startServer();
log(`• soak: ${store}, ${durationMs / 1000} s, ${lanes} lanes, server pid ${server.pid} at ${url}`);

const counts = { requests: 0, byStatus: {}, errors: 0 };
async function api(method, route, body) {
  counts.requests++;
  let res;
  try {
    res = await fetch(`${url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    counts.errors++;
    throw error;
  }
  counts.byStatus[res.status] = (counts.byStatus[res.status] ?? 0) + 1;
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function pairDevice(userId) {
  let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
  const cert = await api('POST', '/v1/simulator/attestation-certificates', {
    publicKey: getAttestationPublicKey(state),
    aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
  });
  state = provisionAttestationCertificate(state, cert.body.certificateChain);
  const options = await api('POST', '/v1/credentials/register', { userId, displayName: 'Soak' });
  const made = makeCredential(state, options.body, { origin: KEYRA_ONE_ORIGIN });
  const paired = await api('POST', '/v1/credentials/register/verify', {
    userId,
    response: made.response,
  });
  if (paired.status !== 201) throw new Error(`pairing failed: ${JSON.stringify(paired.body)}`);
  return { userId, deviceId: paired.body.deviceId, state: made.state };
}

const endpoint = await api('POST', '/v1/webhook_endpoints', {
  url: `${receiverOrigin}/soak`,
  events: ['challenge.approved', 'challenge.rejected'],
});
if (endpoint.status !== 201) throw new Error(`endpoint: ${JSON.stringify(endpoint.body)}`);
const devices = [];
for (let lane = 0; lane < lanes; lane++) devices.push(await pairDevice(`usr_soak_${lane}`));

const started = Date.now();
const deadline = started + durationMs;
let decided = 0;
async function lane(device) {
  for (let i = 0; Date.now() < deadline; i++) {
    try {
      const created = await api('POST', '/v1/challenges', {
        action: 'soak.test',
        userId: device.userId,
        payload: { i },
      });
      if (created.status !== 201) continue;
      const full = await api('GET', `/v1/challenges/${created.body.id}`);
      const decide = i % 4 === 3 ? rejectChallenge : approveChallenge;
      const signed = decide(device.state, { digestHex: full.body.digest, rpId: 'localhost' });
      device.state = signed.state;
      const verified = await api('POST', `/v1/challenges/${created.body.id}/verify`, {
        deviceId: device.deviceId,
        attestation: signed.response,
      });
      if (verified.status === 200) decided++;
      if (i % 10 === 0) await api('GET', '/v1/events?limit=20');
      if (i % 25 === 0) await api('GET', '/v1/usage');
    } catch {
      // Counted in counts.errors; keep the lane going.
    }
    if (pauseMs > 0) await sleep(pauseMs);
  }
}

const samples = [];
const sampler = setInterval(() => {
  try {
    samples.push({ atMs: Date.now() - started, ...sampleProcess(server.pid) });
  } catch {
    // The server is gone; the verdict below says so.
  }
}, sampleMs);
samples.push({ atMs: 0, ...sampleProcess(server.pid) });
const warmupMs = Math.min(120_000, durationMs / 5);
const load = Promise.all(devices.map(lane));
await sleep(warmupMs);
const gcAfterWarmup = await memoryAfterGc(server.pid);
await load;
clearInterval(sampler);
samples.push({ atMs: Date.now() - started, ...sampleProcess(server.pid) });
const gcAtEnd = await memoryAfterGc(server.pid);

// Let the outbox drain, then stop the server as an operator would.
const drainBy = Date.now() + 30_000;
while (receiverEvents.size < decided && Date.now() < drainBy) await sleep(200);
const exited = new Promise((resolve) => server.once('exit', resolve));
server.kill('SIGTERM');
const exitCode = await exited;
await new Promise((resolve) => receiver.close(resolve));
rmSync(dir, { recursive: true, force: true });

const fifth = (durationMs - warmupMs) / 5;
const early = samples.filter((s) => s.atMs >= warmupMs && s.atMs < warmupMs + fifth);
const late = samples.filter((s) => s.atMs >= durationMs - fifth);
const rssEarly = median(early.map((s) => s.rssBytes));
const rssLate = median(late.map((s) => s.rssBytes));
const fdEarly = Math.max(...early.map((s) => s.fds));
const fdLate = Math.max(...late.map((s) => s.fds));
const server5xx = Object.entries(counts.byStatus)
  .filter(([status]) => Number(status) >= 500)
  .reduce((sum, [, n]) => sum + n, 0);
const failures = [];
if (early.length === 0 || late.length === 0)
  failures.push('too few samples: lengthen --duration or shorten --sample');
const live = (m) => m.heapUsed + m.external;
const liveGrowth = live(gcAtEnd) - live(gcAfterWarmup);
const rssGrowth = gcAtEnd.rss - gcAfterWarmup.rss;
if (liveGrowth > maxHeapGrowthMb * 1024 * 1024)
  failures.push(
    `live heap + external memory after a full GC grew ${mb(liveGrowth)} MB from the end of warm-up to the end (bound ${maxHeapGrowthMb} MB)`,
  );
if (rssGrowth > maxRssGrowthMb * 1024 * 1024)
  failures.push(
    `RSS after a full GC grew ${mb(rssGrowth)} MB from the end of warm-up to the end (bound ${maxRssGrowthMb} MB)`,
  );
if (fdLate - fdEarly > maxFdGrowth)
  failures.push(`open fds grew from ${fdEarly} to ${fdLate} (bound +${maxFdGrowth})`);
if (server5xx > 0) failures.push(`${server5xx} responses were 5xx`);
if (receiverEvents.size < decided)
  failures.push(`${decided - receiverEvents.size} decided challenges never reached the receiver`);
if (exitCode !== 0) failures.push(`the server exited with ${exitCode} on SIGTERM`);

const result = {
  store,
  durationSeconds: durationMs / 1000,
  lanes,
  pauseMs,
  warmupSeconds: warmupMs / 1000,
  requests: counts.requests,
  requestsPerSecond: Math.round(counts.requests / (durationMs / 1000)),
  byStatus: counts.byStatus,
  networkErrors: counts.errors,
  decided,
  eventsReceived: receiverEvents.size,
  deliveries: receiverRequests,
  afterFullGcMb: {
    afterWarmup: {
      rss: mb(gcAfterWarmup.rss),
      heapUsed: mb(gcAfterWarmup.heapUsed),
      external: mb(gcAfterWarmup.external),
    },
    end: { rss: mb(gcAtEnd.rss), heapUsed: mb(gcAtEnd.heapUsed), external: mb(gcAtEnd.external) },
    liveGrowth: mb(liveGrowth),
    rssGrowth: mb(rssGrowth),
  },
  rssMb: {
    start: mb(samples[0].rssBytes),
    afterWarmup: mb(rssEarly),
    end: mb(rssLate),
    max: mb(Math.max(...samples.map((s) => s.rssBytes))),
  },
  fds: {
    start: samples[0].fds,
    afterWarmup: fdEarly,
    end: fdLate,
    max: Math.max(...samples.map((s) => s.fds)),
  },
  samples: samples.map((s) => [Math.round(s.atMs / 1000), mb(s.rssBytes), s.fds]),
  passed: failures.length === 0,
  failures,
};
mkdirSync('bench-results', { recursive: true });
writeFileSync(`bench-results/soak-${store}.json`, `${JSON.stringify(result, null, 2)}\n`);
if (asJson) console.log(JSON.stringify(result));
else {
  console.log(
    `| ${store} | ${Math.round((result.durationSeconds / 60) * 10) / 10} min, ${lanes} lanes | ${result.requests} (${result.requestsPerSecond}/s) | ` +
      `${result.rssMb.afterWarmup} → ${result.rssMb.end} MB (max ${result.rssMb.max}) | ` +
      `after full GC: live ${live(gcAfterWarmup) >> 20} → ${live(gcAtEnd) >> 20} MB, RSS ${mb(gcAfterWarmup.rss)} → ${mb(gcAtEnd.rss)} MB | ` +
      `${result.fds.afterWarmup} → ${result.fds.end} (max ${result.fds.max}) | ${result.passed ? 'pass' : 'FAIL'} |`,
  );
  for (const failure of failures) console.log(`FAIL: ${failure}`);
}
process.exit(result.passed ? 0 : 1);
