#!/usr/bin/env node
// npm run bench:webhooks [-- --database URL] [--rate EVENTS_PER_SECOND] [--duration SECONDS]
//
// Event-to-delivery latency of webhooks at a steady rate, beside a ceiling measured in the same run.
//
// Starts `keyra serve --dev` in its own process, a receiver (node:http on 127.0.0.1, answers 200
// at once) and pairs simulated KEYRA ONE devices over the API. Events are produced the way users
// produce them: at a fixed schedule the bench creates a challenge and approves it on a device
// (POST /v1/challenges, GET, sign, POST …/verify), which writes a `challenge.approved` event in
// the verify's transaction. Latency = the receiver's clock when the last body byte arrives minus
// the event's own timestamp (`data.decidedAt`, the server's clock in ms when the verify committed;
// same host, same clock). As a cross-check it is also measured from the moment the bench sent the
// verify request (an upper bound that includes the verify itself).
//
// Ceiling: the same receiver, the same body size, POSTed directly by this process at the same
// rate (what one HTTP hop on loopback costs). Writes bench-results/webhooks-<store>.json and
// prints a Markdown section for docs/benchmarks.md.
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

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
if (args.includes('--help')) {
  console.log(
    'Usage: npm run bench:webhooks -- [--database URL] [--rate EVENTS_PER_SECOND] [--duration SECONDS]',
  );
  process.exit(0);
}
const rate = Number(flag('rate', '20'));
const duration = Number(flag('duration', '20'));
const DEVICES = 4;
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

function runCli(cliArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...cliArgs], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`keyra ${cliArgs[0]} exited ${code}`)),
    );
  });
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--dev', '--port', '0', '--database', database, '--data-dir', dir],
      { env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      // Keep only the tail: request logs add up over a run.
      if (buffer.length > 1e6) buffer = buffer.slice(-1e5);
      const line = buffer.split('\n').find((l) => l.includes('keyra listening'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
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

async function main() {
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
    const endpoint = await api('POST', '/v1/webhook_endpoints', {
      url: `${receiver.origin}/keyra`,
      events: ['challenge.approved'],
    });

    // A few devices, each answering its challenges one after another (signature counters rise).
    const devices = [];
    for (let d = 0; d < DEVICES; d++) {
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
      devices.push({
        userId,
        deviceId: paired.deviceId,
        state: made.state,
        queue: Promise.resolve(),
      });
    }

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
      return { challengeId: challenge.id, sentAt, verifiedAt: nowMs() };
    };

    // Warm-up (JIT, connection pools), not measured.
    for (let i = 0; i < 10; i++) await approve(devices[i % DEVICES], -1 - i);
    await sleep(1000);
    receiver.arrivals.length = 0;

    const total = Math.round(rate * duration);
    const intervalMs = 1000 / rate;
    process.stderr.write(`• ${total} approvals at ${rate}/s (${store})… `);
    const produced = [];
    const lateness = [];
    const start = nowMs();
    for (let i = 0; i < total; i++) {
      const due = start + i * intervalMs;
      const wait = due - nowMs();
      if (wait > 0) await sleep(wait);
      lateness.push(nowMs() - due);
      const device = devices[i % DEVICES];
      const job = device.queue.then(() => approve(device, i));
      device.queue = job.then(
        () => undefined,
        () => undefined,
      );
      produced.push(job);
    }
    const results = await Promise.all(produced);
    const byChallenge = new Map(results.map((r) => [r.challengeId, r]));
    const deadline = nowMs() + 30_000;
    while (receiver.arrivals.length < total && nowMs() < deadline) await sleep(50);
    process.stderr.write(`${receiver.arrivals.length}/${total} delivered\n`);

    const fromEvent = [];
    const fromSend = [];
    const seen = new Set();
    for (const arrival of receiver.arrivals) {
      const event = JSON.parse(arrival.body);
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      const produced = byChallenge.get(event.data.challengeId);
      if (!produced) continue;
      fromEvent.push(arrival.at - Date.parse(event.data.decidedAt));
      fromSend.push(arrival.at - produced.sentAt);
    }
    const verifyRoundTrip = stats(results.map((r) => r.verifiedAt - r.sentAt));

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
      rate,
      duration,
      events: total,
      delivered: seen.size,
      duplicates: receiver.arrivals.filter((a) => a.path === '/keyra').length - seen.size,
      eventToDelivery: stats(fromEvent),
      verifySendToDelivery: stats(fromSend),
      verifyRoundTrip,
      ceilingBarePostToArrival: stats(ceilingRuns.map((r) => r.toArrival)),
      ceilingBarePostRoundTrip: stats(ceilingRuns.map((r) => r.roundTrip)),
      scheduleLatenessP99ms: stats(lateness).p99ms,
      endpoint: endpoint.id,
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
      `p50 ×${(s.p50ms / report.ceilingBarePostToArrival.p50ms).toFixed(0)}, p99 ×${(s.p99ms / report.ceilingBarePostToArrival.p99ms).toFixed(0)} the ceiling`;
    console.log(
      `\nWebhooks, ${store}, ${rate} events/s for ${duration} s (${report.delivered}/${total} delivered, ${report.duplicates} duplicates), Node ${process.version}, ${report.cpus}× ${report.cpu}, ${report.date}\n`,
    );
    console.log('| measure | n | p50 ms | p99 ms | max ms | vs ceiling |');
    console.log('| --- | ---: | ---: | ---: | ---: | --- |');
    console.log(
      row(
        'event → delivered (`data.decidedAt` → receiver)',
        report.eventToDelivery,
        ratio(report.eventToDelivery),
      ),
    );
    console.log(
      row(
        'verify sent → delivered',
        report.verifySendToDelivery,
        ratio(report.verifySendToDelivery),
      ),
    );
    console.log(row('verify round trip (for reference)', report.verifyRoundTrip));
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
