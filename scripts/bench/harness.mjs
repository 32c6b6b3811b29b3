// Shared pieces of the benchmark scripts (npm run bench, bench:ciba): start a process and wait
// for its "listening" line, stop it, and run one autocannon measurement.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import autocannon from 'autocannon';

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
