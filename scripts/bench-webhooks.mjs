#!/usr/bin/env node
// npm run bench:webhooks [-- --database URL] [--rate EVENTS_PER_SECOND] [--duration SECONDS]
//                          [--source approvals|redeliver] [--lanes N] [--profile]
//
// Event-to-delivery latency of webhooks at a steady rate, beside a ceiling measured in the same run.
//
// Starts `keyra serve --dev` in its own process and a receiver (node:http on 127.0.0.1, answers
// 200 at once). Events come from one of two sources, named in the output:
//
// - `approvals` (default): the way users produce them. Simulated KEYRA ONE devices are paired over
//   the API; at a fixed schedule the bench creates a challenge and approves it on a device (POST
//   /v1/challenges, GET, sign, POST …/verify), which writes a `challenge.approved` event and its
//   delivery in the verify's transaction. Each device answers its challenges one after another
//   (signature counters rise).
//   Latency = the receiver's clock when the last body byte arrives minus the event's own timestamp
//   (`data.decidedAt`, the server's clock in ms when the verify committed; same host, same
//   clock); as a cross-check also from the moment the bench sent the verify request.
// - `redeliver`: cheaper per event (one request instead of three), for rates the approval path
//   itself cannot sustain on a small machine. Beforehand, rate × duration challenges are created
//   with the shortest TTL and left to expire (the sweep writes one `challenge.expired` event
//   each, with no endpoint subscribed yet); then the endpoint is created and each event is
//   redelivered once on schedule (POST /v1/events/:id/redeliver, which queues the delivery in its
//   own transaction, the same outbox write). Latency is measured from the moment the bench sent
//   the redeliver request (an upper bound: it includes that request).
//
// Producers: `--lanes` (default 32) queues, each sending its events one after another (for
// approvals, one simulated device per lane), so at most that many requests overlap. Each event is
// timed from its own request; a server that falls behind shows as schedule lateness (how long
// after its scheduled time an event's lane got to it).
//
// Every source also reports delivery queued → delivered: from the outbox row's `created_at` (the
// server's clock when the transaction queued it, a moment before its commit), read from the
// database after the run, to the receiver's clock. It is the closest this bench gets to commit →
// delivered, whatever the source, and the figure the issue's target is read against.
//
// Ceiling: the same receiver, the same body size, POSTed directly by this process at the same
// rate (what one HTTP hop on loopback costs). The load average is printed before and after: the
// figures mean little on a busy machine. Writes bench-results/webhooks-<store>.json and prints a
// Markdown section for docs/benchmarks.md.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
} from '@keyra/device';
import { runToEnd } from './bench/harness.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(
    'Usage: npm run bench:webhooks -- [--database URL] [--rate EVENTS_PER_SECOND] [--duration SECONDS] [--source approvals|redeliver] [--lanes N] [--profile]',
  );
  process.exit(0);
}
const rate = Number(flag('rate', '500'));
const duration = Number(flag('duration', '20'));
const source = flag('source', 'approvals');
if (source !== 'approvals' && source !== 'redeliver') {
  console.error(`--source must be approvals or redeliver, not ${source}`);
  process.exit(2);
}
const LANES = Number(flag('lanes', '32'));
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-bench-webhooks-'));
const database = flag('database', `sqlite:${path.join(dir, 'bench.db')}`);
const store = database.startsWith('sqlite:') ? 'sqlite' : 'postgres';
const bin = fileURLToPath(new URL('../packages/server/bin/keyra.js', import.meta.url));
const env = {
  ...process.env,
  KEYRA_LOG_LEVEL: 'info',
  KEYRA_RATE_LIMIT_PER_KEY: '10000000',
  KEYRA_RATE_LIMIT_PER_IP: '10000000',
};
/** Wall clock in ms with sub-ms resolution (comparable with the server's Date.now()). */
const nowMs = () => performance.timeOrigin + performance.now();

const runCli = (cliArgs) => runToEnd([bin, ...cliArgs], env);

// --profile: the KEYRA process writes a V8 CPU profile on exit (open it in Chrome DevTools).
const profile = args.includes('--profile')
  ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve('bench-results/profiles')}`]
  : [];

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...profile, bin, 'serve', '--dev', '--port', '0', '--database', database, '--data-dir', dir],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // Reads lines until the server says where it listens, then drops its log as a log shipper
    // would, without parsing it: the bench's CPU is taken from the server's on this machine.
    let buffer = '';
    let listening = false;
    child.stdout.on('data', (chunk) => {
      if (listening) return;
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      const line = lines.find((l) => l.includes('keyra listening'));
      if (!line) return;
      listening = true;
      buffer = '';
      resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

/** Event id → when its delivery row was queued (`created_at`, ms), read from the database. */
async function deliveryQueueTimes() {
  const query = 'select event_id, created_at from webhook_deliveries';
  let rows;
  if (store === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    rows = (await client.query(query).finally(() => client.end())).rows;
  } else {
    const { default: Sqlite } = await import('better-sqlite3');
    const db = new Sqlite(database.slice('sqlite:'.length), { readonly: true });
    try {
      rows = db.prepare(query).all();
    } finally {
      db.close();
    }
  }
  return new Map(rows.map((row) => [row.event_id, Number(row.created_at)]));
}

/** The receiver: records when each request's body finished arriving, answers 200. */
async function startReceiver() {
  const arrivals = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      arrivals.push({ at: nowMs(), path: req.url, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}`, arrivals };
}

const percentile = (sorted, p) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50ms: percentile(sorted, 0.5),
    p99ms: percentile(sorted, 0.99),
    maxms: sorted.at(-1),
  };
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pairs `count` simulated KEYRA ONE devices; each approves challenges one after another. */
async function pairDevices(api, count) {
  const devices = [];
  for (let d = 0; d < count; d++) {
    let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
    const cert = await api('POST', '/v1/simulator/attestation-certificates', {
      publicKey: getAttestationPublicKey(state),
      aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
    });
    state = provisionAttestationCertificate(state, cert.certificateChain);
    const userId = `usr_bench_${d}`;
    const options = await api('POST', '/v1/credentials/register', {
      userId,
      displayName: 'Bench',
    });
    const made = makeCredential(state, options, { origin: KEYRA_ONE_ORIGIN });
    const paired = await api('POST', '/v1/credentials/register/verify', {
      userId,
      response: made.response,
    });
    devices.push({ userId, deviceId: paired.deviceId, state: made.state });
  }
  return devices;
}

/**
 * The `approvals` source: each event is a challenge created and approved on a device. Returns
 * `produce(i)` (resolves with the match key, when the bench sent the deciding request, and when
 * it returned) and how to read an arrival's key and event time.
 */
async function approvalsSource(api, receiver) {
  const endpoint = await api('POST', '/v1/webhook_endpoints', {
    url: `${receiver.origin}/keyra`,
    events: ['challenge.approved'],
  });
  process.stderr.write(`• pairing ${LANES} devices… `);
  const devices = await pairDevices(api, LANES);
  process.stderr.write('done\n');
  const approve = async (device, i) => {
    const challenge = await api('POST', '/v1/challenges', {
      action: 'bench.webhook',
      userId: device.userId,
      payload: { i },
    });
    const full = await api('GET', `/v1/challenges/${challenge.id}`);
    const signed = approveChallenge(device.state, { digestHex: full.digest, rpId: 'localhost' });
    device.state = signed.state;
    const sentAt = nowMs();
    await api('POST', `/v1/challenges/${challenge.id}/verify`, {
      deviceId: device.deviceId,
      attestation: signed.response,
    });
    return { key: challenge.id, sentAt, doneAt: nowMs() };
  };
  // Warm-up (JIT, connection pools), not measured.
  await Promise.all(devices.map((device, d) => approve(device, -1 - d)));
  return {
    endpoint,
    produce: (i) => approve(devices[i % LANES], i),
    description: `challenge approvals (create, read, sign on one of ${devices.length} simulated KEYRA ONE devices, verify)`,
    keyOf: (event) => event.data.challengeId,
    eventTimeOf: (event) => Date.parse(event.data.decidedAt),
  };
}

/** The `redeliver` source: `total` expired-challenge events made beforehand, redelivered once each. */
async function redeliverSource(api, receiver, total) {
  process.stderr.write(`• creating ${total} challenges that expire in 10 s… `);
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < total) {
        const i = next++;
        await api('POST', '/v1/challenges', {
          action: 'bench.expire',
          userId: `usr_bench_${i % 50}`,
          payload: { i },
          expiresIn: 10,
        });
      }
    }),
  );
  const ids = [];
  const deadline = nowMs() + 60_000;
  while (ids.length < total) {
    if (nowMs() > deadline) throw new Error(`only ${ids.length}/${total} challenges expired`);
    await sleep(1000);
    ids.length = 0;
    let cursor = null;
    do {
      const page = await api(
        'GET',
        `/v1/events?type=challenge.expired&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const event of page.data) ids.push(event.id);
      cursor = page.hasMore ? page.nextCursor : null;
    } while (cursor);
  }
  process.stderr.write(`${ids.length} expired\n`);
  // Subscribed only now: the expiries above queued no deliveries.
  const endpoint = await api('POST', '/v1/webhook_endpoints', {
    url: `${receiver.origin}/keyra`,
    events: ['challenge.expired'],
  });
  const redeliver = async (id) => {
    const sentAt = nowMs();
    await api('POST', `/v1/events/${id}/redeliver`, {});
    return { key: id, sentAt, doneAt: nowMs() };
  };
  // Warm-up with the 20 extra ones (not measured: the receiver's log is cleared afterwards).
  const warm = ids.splice(0, 20);
  await Promise.all(warm.map(redeliver));
  return {
    endpoint,
    produce: (i) => redeliver(ids[i % ids.length]),
    description:
      'manual redeliveries of distinct challenge.expired events (POST /v1/events/:id/redeliver, one outbox transaction each)',
    keyOf: (event) => event.id,
    eventTimeOf: () => NaN,
  };
}

async function main() {
  const loadBefore = os.loadavg();
  const receiver = await startReceiver();
  const created = JSON.parse(
    await runCli([
      'keys',
      'create',
      '--env',
      'sandbox',
      '--tenant',
      'bench',
      '--database',
      database,
      '--json',
    ]),
  );
  const { child, url } = await startServer();
  const api = async (method, route, body) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${created.key}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = await res.json();
    if (res.status >= 300)
      throw new Error(`${method} ${route}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  try {
    const total = Math.round(rate * duration);
    const events =
      source === 'approvals'
        ? await approvalsSource(api, receiver)
        : await redeliverSource(api, receiver, total + 20);
    // PostgreSQL plans from statistics that autovacuum keeps current (the default); with it off,
    // as on our benchmark machine, tables that grew from empty during the setup have none and
    // lookups by id can take the wrong index (see docs/benchmarks.md). Analyze, as autovacuum would.
    if (store === 'postgres') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      await client.query('analyze').finally(() => client.end());
    }
    await sleep(1000);
    receiver.arrivals.length = 0;

    const intervalMs = 1000 / rate;
    process.stderr.write(`• ${total} events at ${rate}/s from ${source} (${store})… `);
    const produced = [];
    const lanes = Array.from({ length: LANES }, () => Promise.resolve());
    const lateness = [];
    const start = nowMs();
    // Every event is issued at its scheduled time (or as soon after as the loop gets to it),
    // without waiting for earlier ones: a slow server shows as latency, not as a lower rate.
    for (let i = 0; i < total;) {
      const now = nowMs();
      while (i < total && start + i * intervalMs <= now) {
        const index = i;
        const due = start + i * intervalMs;
        const job = lanes[i % LANES].then(() => {
          lateness.push(nowMs() - due);
          return events.produce(index);
        });
        lanes[i % LANES] = job.then(
          () => undefined,
          () => undefined,
        );
        produced.push(job);
        i++;
      }
      if (i < total) await sleep(Math.max(0, start + i * intervalMs - nowMs()));
    }
    const results = await Promise.all(produced);
    const byKey = new Map(results.map((r) => [r.key, r]));
    const deadline = nowMs() + 30_000;
    while (receiver.arrivals.length < total && nowMs() < deadline) await sleep(50);
    process.stderr.write(`${receiver.arrivals.length}/${total} delivered\n`);

    const fromEvent = [];
    const fromSend = [];
    const fromAnswer = [];
    const seen = new Set();
    for (const arrival of receiver.arrivals) {
      const event = JSON.parse(arrival.body);
      const key = events.keyOf(event);
      if (seen.has(key)) continue;
      seen.add(key);
      const request = byKey.get(key);
      if (!request) continue;
      const eventAt = events.eventTimeOf(event);
      if (Number.isFinite(eventAt)) fromEvent.push(arrival.at - eventAt);
      fromSend.push(arrival.at - request.sentAt);
      fromAnswer.push(arrival.at - request.doneAt);
    }
    const requestRoundTrip = stats(results.map((r) => r.doneAt - r.sentAt));
    // Sent at the schedule's pace? The rate the producer actually reached.
    const lastSent = Math.max(...results.map((r) => r.sentAt));
    const achievedRate = total / Math.max(1e-3, (lastSent - start) / 1000);
    // The outbox row's own timestamp: `created_at` is the server's clock when the delivery was
    // queued, inside the transaction that writes it, a moment before its commit.
    const queuedAt = await deliveryQueueTimes();
    const fromQueued = [];
    const counted = new Set();
    for (const arrival of receiver.arrivals) {
      const eventId = JSON.parse(arrival.body).id;
      if (counted.has(eventId) || !queuedAt.has(eventId)) continue;
      counted.add(eventId);
      fromQueued.push(arrival.at - queuedAt.get(eventId));
    }

    // Ceiling: one bare POST of the same size from here to the same receiver, at the same rate.
    const sample = receiver.arrivals[0]?.body ?? '{}';
    const ceilingRuns = [];
    for (let i = 0; i < Math.min(total, 400); i++) {
      const due = nowMs() + intervalMs;
      const t0 = nowMs();
      await fetch(`${receiver.origin}/ceiling`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: sample,
      }).then((res) => res.text());
      const arrival = receiver.arrivals.at(-1);
      ceilingRuns.push({ roundTrip: nowMs() - t0, toArrival: arrival.at - t0 });
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
    }

    const report = {
      store,
      source,
      sourceDescription: events.description,
      rate,
      duration,
      events: total,
      delivered: seen.size,
      duplicates: receiver.arrivals.filter((a) => a.path === '/keyra').length - seen.size,
      achievedRate,
      queuedToDelivery: stats(fromQueued),
      eventToDelivery: stats(fromEvent),
      sendToDelivery: stats(fromSend),
      answerToDelivery: stats(fromAnswer),
      requestRoundTrip,
      ceilingBarePostToArrival: stats(ceilingRuns.map((r) => r.toArrival)),
      ceilingBarePostRoundTrip: stats(ceilingRuns.map((r) => r.roundTrip)),
      scheduleLatenessP99ms: stats(lateness).p99ms,
      loadAverageBefore: loadBefore,
      loadAverageAfter: os.loadavg(),
      endpoint: events.endpoint.id,
      node: process.version,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      date: new Date().toISOString(),
    };
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(`bench-results/webhooks-${store}.json`, `${JSON.stringify(report, null, 2)}\n`);

    const f = (n) => (Number.isFinite(n) ? n.toFixed(1) : '–');
    const row = (label, s, note = '') =>
      `| ${label} | ${s.count} | ${f(s.p50ms)} | ${f(s.p99ms)} | ${f(s.maxms)} | ${note} |`;
    const ratio = (s) =>
      s.count === 0
        ? ''
        : `p50 ×${(s.p50ms / report.ceilingBarePostToArrival.p50ms).toFixed(0)}, p99 ×${(s.p99ms / report.ceilingBarePostToArrival.p99ms).toFixed(0)} the ceiling`;
    const load = (l) => l.map((n) => n.toFixed(2)).join(' ');
    const sent = source === 'approvals' ? 'verify' : 'redeliver';
    console.log(
      `\nWebhooks, ${store}, ${rate} events/s for ${duration} s (${report.delivered}/${total} delivered, ${report.duplicates} duplicates), Node ${process.version}, ${report.cpus}× ${report.cpu}, ${report.date}`,
    );
    console.log(`Events: ${events.description}.`);
    console.log(
      `Load average (1, 5, 15 min): ${load(report.loadAverageBefore)} before, ${load(report.loadAverageAfter)} after; schedule lateness p99 ${f(report.scheduleLatenessP99ms)} ms; the producer reached ${achievedRate.toFixed(0)} events/s.\n`,
    );
    console.log('| measure | n | p50 ms | p99 ms | max ms | vs ceiling |');
    console.log('| --- | ---: | ---: | ---: | ---: | --- |');
    console.log(
      row(
        'delivery queued → delivered (outbox row `created_at` → receiver)',
        report.queuedToDelivery,
        ratio(report.queuedToDelivery),
      ),
    );
    if (source === 'approvals')
      console.log(
        row(
          'event → delivered (`data.decidedAt` → receiver)',
          report.eventToDelivery,
          ratio(report.eventToDelivery),
        ),
      );
    console.log(
      row(`${sent} sent → delivered`, report.sendToDelivery, ratio(report.sendToDelivery)),
    );
    console.log(row(`${sent} round trip (for reference)`, report.requestRoundTrip));
    console.log(
      row(
        `${sent} answered → delivered (the worker alone; < 0: before the answer)`,
        report.answerToDelivery,
      ),
    );
    console.log(row('ceiling: bare POST → receiver', report.ceilingBarePostToArrival, '1'));
    console.log(row('ceiling: bare POST round trip', report.ceilingBarePostRoundTrip));
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    receiver.server.closeAllConnections();
    receiver.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
