import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const KEYRA_BIN = fileURLToPath(
  new URL('../../packages/server/bin/keyra.js', import.meta.url),
);

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `keyra` CLI to completion. */
export function runKeyra(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [KEYRA_BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, KEYRA_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface KeyraServer {
  url: string;
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `keyra serve --port 0 …` and resolves once it logs where it listens. `netns` runs it
 * inside that network namespace (`ip netns exec`, which execs, so the child's pid is the server's).
 */
export function startKeyra(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; netns?: string; port?: number } = {},
): Promise<KeyraServer> {
  return new Promise((resolve, reject) => {
    const serve = [KEYRA_BIN, 'serve', '--port', String(options.port ?? 0), ...args];
    const [command, commandArgs] = options.netns
      ? ['ip', ['netns', 'exec', options.netns, process.execPath, ...serve]]
      : [process.execPath, serve];
    const child = spawn(command, commandArgs, {
      cwd: options.cwd,
      env: { ...process.env, KEYRA_LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // A second on an idle machine; far longer when the machine is loaded (module loading is CPU-bound).
    const timer = setTimeout(
      () => fail(new Error(`keyra serve did not start in 60 s\n${stdout}\n${stderr}`)),
      60_000,
    );
    function fail(error: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (settled) return;
      for (const line of stdout.split('\n')) {
        if (!line.includes('keyra listening')) continue;
        const { url } = JSON.parse(line) as { url: string };
        settled = true;
        clearTimeout(timer);
        resolve({
          url,
          process: child,
          stdout: () => stdout,
          stderr: () => stderr,
          async stop(signal: NodeJS.Signals = 'SIGTERM') {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
        return;
      }
    });
    child.on('exit', (code) =>
      fail(new Error(`keyra serve exited with ${code}\n${stdout}\n${stderr}`)),
    );
  });
}

/** Polls until `predicate` holds (output from a child arrives asynchronously). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** `keyra keys create --env ENV [--tenant NAME] --database URL --json`: the new secret key. */
export async function createKey(
  database: string,
  options: { env?: 'sandbox' | 'production'; tenant?: string } = {},
): Promise<string> {
  const created = await runKeyra([
    'keys',
    'create',
    '--env',
    options.env ?? 'sandbox',
    ...(options.tenant ? ['--tenant', options.tenant] : []),
    '--database',
    database,
    '--json',
  ]);
  if (created.code !== 0) throw new Error(`keyra keys create failed: ${created.stderr}`);
  return String((JSON.parse(created.stdout) as { key: string }).key);
}
