// Shared pieces of the benchmark scripts (npm run bench, bench:ciba, bench:scale): start a process
// and wait for its "listening" line, stop it, run one autocannon measurement, and drive verifies
// from simulated KEYRA ONE devices.
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import readline from 'node:readline';
import {
  approveChallenge,
  createAuthenticator,
  getAttestationPublicKey,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
} from '@keyra/device';
import autocannon from 'autocannon';

/** `--name VALUE` from the command line, or `fallback`. */
export function flag(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

/** What a bench's results record about the machine and the run: date, Node, CPUs, load averages. */
export function runMeta(loadAtStart, fields) {
  const round = (loads) => loads.map((x) => Number(x.toFixed(2)));
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    ...fields,
    loadAverageAtStart: round(loadAtStart),
    loadAverageAtEnd: round(os.loadavg()),
  };
}

/** Spawns a node process and resolves with the first stdout line matching `ready`; the rest is drained. */
export function startProcess(argv, env, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let settled = false;
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (settled || !line.includes(ready)) return;
      settled = true;
      resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => {
      if (!settled) reject(new Error(`${argv[0]} exited with ${code}`));
    });
  });
}

/** Runs a node process to completion (`env` over this process's) and resolves with its stdout. */
export function runToEnd(argv, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${argv.slice(0, 2).join(' ')} exited with ${code}`)),
    );
  });
}

export async function stop(child) {
  child.kill('SIGTERM');
  if (child.exitCode === null) await new Promise((resolve) => child.on('exit', resolve));
}

/**
 * One autocannon run (`settings` are autocannon's: url, method, headers, body, duration,
 * connections, requests …), printed as it finishes. `failed` counts non-2xx answers and errors.
 */
export function cannon(title, settings) {
  process.stderr.write(`• ${title}… `);
  return new Promise((resolve, reject) => {
    autocannon(settings, (error, result) => {
      if (error) return reject(error);
      process.stderr.write(`${Math.round(result.requests.average)} req/s\n`);
      resolve({
        requestsPerSecond: result.requests.average,
        p50ms: result.latency.p50,
        p99ms: result.latency.p99,
        total: result.requests.total,
        failed: result.non2xx + result.errors,
      });
    });
  });
}

/**
 * POSTs `body` with node:http on a keep-alive `agent` and resolves with the status and the parsed
 * JSON answer. (node:http, not fetch: the load generator shares this machine's two cores with the
 * server, and with fetch its own event loop lagged enough to double the p99 it measured: creates
 * paced at 1,200/s, p99 11.7 ms with fetch and 5.1 ms with node:http, while the server's own
 * response time stayed at p99 1.5–2.4 ms.)
 */
function post(agent, url, headers, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve({
              status: response.statusCode,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            });
          } catch (error) {
            reject(error);
          }
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Sends each lane's requests back to back (or paced at `perLaneRate` per second, the lanes'
 * schedules offset evenly within one interval), all lanes at once, over keep-alive node:http. Lane i sends to `base`, or to `base[i % base.length]` when given
 * several servers. With `seconds`, lanes stop taking new requests after that long (what is left of
 * a batch is never sent). A request fails unless `accept(status, body)`: by default, 200 with
 * status "approved".
 */
export async function driveLanes(
  title,
  base,
  lanes,
  headers,
  perLaneRate = 0,
  seconds = 0,
  accept = (status, result) => status === 200 && result.status === 'approved',
) {
  process.stderr.write(`• ${title}… `);
  const bases = Array.isArray(base) ? base : [base];
  const latencies = [];
  let failed = 0;
  // One keep-alive connection per lane.
  const agent = new http.Agent({ keepAlive: true, maxSockets: lanes.length });
  const started = performance.now();
  const deadline = seconds > 0 ? started + seconds * 1000 : Infinity;
  await Promise.all(
    lanes.map(async (requests, lane) => {
      const target = bases[lane % bases.length];
      // Paced lanes start a fraction of an interval apart, so the requests arrive evenly spread
      // (lanes started together would send all their requests at the same instants: bursts of one
      // per lane, whose last request waits for all the others).
      let next = started + (perLaneRate > 0 ? (lane / lanes.length) * (1000 / perLaneRate) : 0);
      for (const request of requests) {
        if (performance.now() >= deadline) break;
        if (perLaneRate > 0) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          next += 1000 / perLaneRate;
        }
        const t = performance.now();
        const res = await post(agent, `${target}${request.path}`, headers, request.body);
        latencies.push(performance.now() - t);
        if (!accept(res.status, res.body)) failed += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  if (latencies.length === 0) throw new Error(`${title}: no request was sent`);
  latencies.sort((x, y) => x - y);
  const pct = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  const result = {
    requestsPerSecond: latencies.length / elapsed,
    p50ms: Number(pct(0.5).toFixed(2)),
    p99ms: Number(pct(0.99).toFixed(2)),
    total: latencies.length,
    failed,
  };
  process.stderr.write(`${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99ms} ms\n`);
  return result;
}

/**
 * Pairs `count` simulated KEYRA ONE devices (one user each) through the API and, per device,
 * `batches` batches of `perDevice` approvals signed in advance: each a fresh challenge, read back
 * for its digest and signed in counter order. A device's signatures must arrive in that order, so
 * one lane drives one device and batches are used one after another. `api(method, route, body)`
 * answers the parsed JSON of an authenticated call.
 */
export async function prepareDevices(
  api,
  { count, batches, perDevice, userPrefix = 'usr_bench_' },
) {
  process.stderr.write(
    `• preparing ${count} devices × ${batches} × ${perDevice} signed approvals… `,
  );
  const devices = await Promise.all(
    Array.from({ length: count }, async (_, lane) => {
      const userId = `${userPrefix}${lane}`;
      let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
      const cert = await api('POST', '/v1/simulator/attestation-certificates', {
        publicKey: getAttestationPublicKey(state),
        aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
      });
      state = provisionAttestationCertificate(state, cert.certificateChain);
      const options = await api('POST', '/v1/credentials/register', {
        userId,
        displayName: 'Bench',
      });
      const made = makeCredential(state, options, { origin: KEYRA_ONE_ORIGIN });
      state = made.state;
      const device = await api('POST', '/v1/credentials/register/verify', {
        userId,
        response: made.response,
      });
      const prepared = [];
      for (let batch = 0; batch < batches; batch += 1) {
        const requests = [];
        for (let i = 0; i < perDevice; i += 1) {
          const created = await api('POST', '/v1/challenges', {
            action: 'transfer.approve',
            userId,
            payload: { n: i, batch },
            expiresIn: 600,
          });
          const full = await api('GET', `/v1/challenges/${created.id}`);
          if (!full.digest)
            throw new Error(`challenge for the bench: ${JSON.stringify([created, full])}`);
          const signed = approveChallenge(state, { digestHex: full.digest, rpId: 'localhost' });
          state = signed.state;
          requests.push({
            id: created.id,
            body: JSON.stringify({ deviceId: device.deviceId, attestation: signed.response }),
          });
        }
        prepared.push(requests);
      }
      return prepared;
    }),
  );
  process.stderr.write('done\n');
  return devices;
}
