import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyraApi, pairDevice, signedApproval, type Api } from './helpers/keyraApi.js';

/*
 * The `keyra` server package as an operator gets it: `scripts/pack-server.mjs` stages and packs
 * it, the tarball is installed with `npm install --omit=dev --omit=optional` into an empty
 * directory outside the monorepo (real npm registry; better-sqlite3 compiles from source here,
 * which is most of the time), then `npx keyra keys create` and `npx keyra serve` run from there.
 * Optional dependencies (EAS/ethers, onnxruntime-node) are left out on purpose: KEYRA must work
 * without them, and they add about 350 MB. The install takes about 3 minutes on an idle 2-core
 * machine (better-sqlite3's compile) and over 8 under load, hence the long hook timeout.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-server-pack-'));
const project = path.join(dir, 'operator');
const database = `sqlite:${path.join(dir, 'keyra.db')}`;
const npx = (args: string[]) =>
  run('npx', ['--no-install', 'keyra', ...args], {
    cwd: project,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, KEYRA_LOG_LEVEL: 'warn' },
  });
let server: ChildProcess | undefined;
let baseUrl = '';
let api: Api;
let installedKiB = 0;

/** `npx keyra serve --port 0`; resolves with the URL it logs once listening. */
function serve(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'npx',
      ['--no-install', 'keyra', 'serve', '--port', '0', '--database', database, '--dev'],
      {
        cwd: project,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          KEYRA_DATA_DIR: path.join(dir, 'data'),
          KEYRA_LOG_FORMAT: 'json',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: npx does not pass SIGTERM on to the server it starts, so the
        // group is what afterAll stops (else the server outlives the test run).
        detached: true,
      },
    );
    server = child;
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes('keyra listening'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`keyra serve exited with ${code}\n${output}`)));
  });
}

beforeAll(async () => {
  const packDir = path.join(dir, 'pack');
  await run(process.execPath, [path.join(ROOT, 'scripts', 'pack-server.mjs'), '--out', packDir]);
  const tarball = path.join(
    packDir,
    readdirSync(packDir).find((f) => f.endsWith('.tgz'))!,
  );

  mkdirSync(project);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'operator', version: '1.0.0', private: true }),
  );
  await run(
    'npm',
    [
      'install',
      tarball,
      '--omit=dev',
      '--omit=optional',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ],
    // JOBS: node-gyp compiles better-sqlite3 on every core.
    { cwd: project, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, JOBS: 'max' } },
  );
  const { stdout } = await run('du', ['-sk', path.join(project, 'node_modules')]);
  installedKiB = Number(stdout.split('\t')[0]);
  console.info(`keyra installed (--omit=dev --omit=optional): ${installedKiB} KiB in node_modules`);

  const created = await npx([
    'keys',
    'create',
    '--env',
    'sandbox',
    '--database',
    database,
    '--json',
  ]);
  const key = (JSON.parse(created.stdout) as { key: string }).key;
  baseUrl = await serve();
  api = keyraApi(baseUrl, key);
}, 900_000);

/** Whether any process of the group led by `pgid` is still alive. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  // Each step says how long it took, so a slow teardown shows which step was slow.
  const started = Date.now();
  const pgid = server?.pid;
  if (pgid !== undefined && groupAlive(pgid)) {
    // npx and the server it started: SIGTERM to both, a clean shutdown (the server gives itself
    // 10 s), SIGKILL after 12 s.
    process.kill(-pgid, 'SIGTERM');
    for (const giveUpAt = Date.now() + 12_000; groupAlive(pgid) && Date.now() < giveUpAt;)
      await new Promise((done) => setTimeout(done, 100));
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  }
  const stopped = Date.now();
  // Asynchronous: deleting the ~150 MB install blocks nothing else, and a CI machine's loaded
  // disk can take its time (the hook's limit allows for that).
  await rm(dir, { recursive: true, force: true });
  console.info(
    `teardown: server stopped in ${stopped - started} ms, install removed in ${Date.now() - stopped} ms`,
  );
}, 120_000);

describe('the keyra server package installed outside the monorepo', () => {
  it('pulls no development tooling', () => {
    const modules = path.join(project, 'node_modules');
    for (const tool of ['typescript', 'vitest', 'hardhat', 'eslint', 'prettier', '@types/node']) {
      expect(existsSync(path.join(modules, tool)), tool).toBe(false);
    }
    // The optional chain and neural packages were omitted, and KEYRA still starts (below).
    expect(existsSync(path.join(modules, 'ethers'))).toBe(false);
    expect(existsSync(path.join(modules, 'onnxruntime-node'))).toBe(false);
    expect(installedKiB).toBeGreaterThan(0);
  });

  it('serves health, readiness, the console and metrics', async () => {
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
    const console = await fetch(`${baseUrl}/console/`);
    expect(console.status).toBe(200);
    expect(await console.text()).toContain('<html');
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200);
  });

  it('creates a challenge and verifies a device approval through the API', async () => {
    const userId = 'usr_server_pack';
    const device = await pairDevice(api, userId);
    const approval = await signedApproval(api, device, userId);
    const verified = await api(
      'POST',
      `/v1/challenges/${approval.challengeId}/verify`,
      approval.verifyBody,
    );
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ status: 'approved' });
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/keyra_approvals_total\{method="device",outcome="approved"\} 1/);
  });

  it('finds its bundled voice model and migrations (keyra doctor)', async () => {
    const doctor = await npx(['doctor', '--database', database]).catch(
      (error: { stdout: string }) => error,
    );
    expect(doctor.stdout).toMatch(
      /ok +voice model: .*@keyra\/voice\/model\/classical-mfcc-gmm-v1\.json/,
    );
    expect(doctor.stdout).toMatch(/ok +database: .*reachable/);
  });

  it('says how to get on-chain stamps when the optional packages are absent', async () => {
    const eas = await npx(['eas', 'schema']).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(eas.code).not.toBe(0);
    expect(eas.stderr).toContain('EAS support is an optional dependency');
  });
});
