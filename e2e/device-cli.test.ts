import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runKeyra,
  startKeyra,
  waitFor,
  type CliResult,
  type KeyraServer,
} from './helpers/keyraProcess.js';

/*
 * The simulator as users run it: a real `keyra serve` on a temporary SQLite database, and the
 * built `keyra-device` binary in child processes. Only stdout is parsed; what the device shows
 * the human goes to stderr.
 */

const DEVICE_BIN = fileURLToPath(
  new URL('../packages/device/bin/keyra-device.js', import.meta.url),
);

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-device-cli-'));
const database = `sqlite:${path.join(dir, 'keyra.db')}`;
const statePath = path.join(dir, 'device', 'device.json');
const USER = 'usr_8f2a';
let server: KeyraServer;
let key: string;
let deviceId: string;

function runDevice(
  args: string[],
  options: { cwd?: string; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEVICE_BIN, ...args], {
      cwd: options.cwd ?? dir,
      env: { ...process.env, KEYRA_DEVICE_STATE: '', KEYRA_API_KEY: '', KEYRA_BASE_URL: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(options.input ?? '');
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function api(
  method: string,
  route: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked by the assertions
): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

async function newChallenge(
  payload: Record<string, unknown> = { amount: 12500, currency: 'USD' },
): Promise<string> {
  const res = await api('POST', '/v1/challenges', {
    action: 'transfer.approve',
    userId: USER,
    payload,
  });
  expect(res.status).toBe(201);
  return res.json.id as string;
}

beforeAll(async () => {
  const created = await runKeyra([
    'keys',
    'create',
    '--env',
    'sandbox',
    '--database',
    database,
    '--json',
  ]);
  expect(created.code, created.stderr).toBe(0);
  key = JSON.parse(created.stdout).key;
  server = await startKeyra(['--database', database], { cwd: dir });
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('keyra-device', () => {
  it.each([[[]], [['pair']], [['approve']], [['reject']], [['watch']], [['list']], [['show']]])(
    '%j --help prints usage',
    async (args) => {
      const res = await runDevice([...args, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/^Usage: keyra-device/m);
    },
  );

  it('explains a missing state file and a bad invocation with exit code 2', async () => {
    const missing = path.join(dir, 'nowhere.json');
    const res = await runDevice(['approve', 'chl_9k2m', '--state', missing, '--json']);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr.trim()).toBe(
      `keyra-device: no state file at ${missing}: run keyra-device pair first (or pass --state FILE)`,
    );
    expect((await runDevice(['approve'])).code).toBe(2);
    expect((await runDevice(['frobnicate'])).code).toBe(2);
    const badId = await runDevice(['approve', 'not-an-id', '--state', missing]);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('is not a challenge id');
  });

  it('pairs: prints only {"deviceId"}, saves a 0600 state, and show reveals no keys', async () => {
    const res = await runDevice([
      'pair',
      '--api',
      server.url,
      '--key',
      key,
      '--user',
      USER,
      '--state',
      statePath,
      '--name',
      'e2e device',
      '--json',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(Object.keys(out)).toEqual(['deviceId']);
    expect(out.deviceId).toMatch(/^dev_/);
    deviceId = out.deviceId;
    expect(statSync(statePath).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).pairing).toMatchObject({
      api: server.url,
      deviceId,
      userId: USER,
      rpId: 'localhost',
    });
    expect(readFileSync(statePath, 'utf8')).not.toContain(key);

    const devices = await api('GET', `/v1/devices?userId=${USER}`);
    expect(devices.json.data).toEqual([
      expect.objectContaining({
        deviceId,
        kind: 'keyra_one',
        name: 'e2e device',
        status: 'active',
      }),
    ]);

    const shown = await runDevice(['show', '--state', statePath, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      deviceId,
      userId: USER,
      api: server.url,
      signCount: 0,
      provisioned: true,
    });
    expect(shown.stdout + shown.stderr).not.toMatch(/PRIVATE KEY|sk_test_/);

    const again = await runDevice([
      'pair',
      '--api',
      server.url,
      '--key',
      key,
      '--user',
      USER,
      '--state',
      statePath,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds a device: pass --force');
  });

  it('approve --json prints exactly the verify body; the backend gets approved with a proof', async () => {
    const id = await newChallenge({ amount: 12500, currency: 'USD', to: { iban: 'DE89 3704' } });
    const res = await runDevice(['approve', id, '--state', statePath, '--json']);
    expect(res.code, res.stderr).toBe(0);
    // The human saw the action and every payload field before the device signed.
    expect(res.stderr).toContain('transfer.approve');
    expect(res.stderr).toContain('amount: 12500');
    expect(res.stderr).toContain('iban: "DE89 3704"');
    const body = JSON.parse(res.stdout);
    expect(Object.keys(body).sort()).toEqual(['attestation', 'deviceId']);
    expect(body.deviceId).toBe(deviceId);

    const verified = await api('POST', `/v1/challenges/${id}/verify`, res.stdout);
    expect(verified.status, JSON.stringify(verified.json)).toBe(200);
    expect(verified.json).toMatchObject({ id, status: 'approved', deviceId, method: 'device' });
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(verified.json.proof, jwks);
    expect(payload).toMatchObject({ sub: USER, challengeId: id, deviceId });

    // The same answer cannot be used twice, and the device will not sign a decided challenge.
    expect((await api('POST', `/v1/challenges/${id}/verify`, res.stdout)).json.code).toBe(
      'challenge_already_used',
    );
    const twice = await runDevice(['approve', id, '--state', statePath, '--json']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain(`challenge ${id} is already approved`);
  });

  it('reject --json signs a rejection the backend records as rejected', async () => {
    const id = await newChallenge();
    const res = await runDevice(['reject', id, '--state', statePath, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const verified = await api('POST', `/v1/challenges/${id}/verify`, res.stdout);
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ id, status: 'rejected', proof: null });
  });

  it('approve --submit answers through the device API', async () => {
    const id = await newChallenge();
    const listed = await runDevice(['list', '--state', statePath, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id, status: 'pending', action: 'transfer.approve', userId: USER }),
    ]);
    expect(listed.stdout).not.toContain('digest');

    const res = await runDevice(['approve', id, '--submit', '--state', statePath, '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ id, status: 'approved', deviceId });
    expect((await api('GET', `/v1/challenges/${id}`)).json).toMatchObject({
      status: 'approved',
      proof: expect.any(String),
    });
  });

  it('watch --auto approve picks up a challenge created after it started (long-poll)', async () => {
    expect(JSON.parse((await runDevice(['list', '--state', statePath, '--json'])).stdout)).toEqual(
      [],
    );
    const child = spawn(
      process.execPath,
      [DEVICE_BIN, 'watch', '--auto', 'approve', '--once', '--json', '--state', statePath],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    try {
      await waitFor(() => stderr.includes('Watching for challenges'), 10_000);
      // Let the first long-poll reach the server before the challenge exists.
      await new Promise((done) => setTimeout(done, 500));
      const id = await newChallenge({ deploy: 'api', version: '1.2.3' });
      expect(await exited).toBe(0);
      expect(JSON.parse(stdout.trim())).toMatchObject({ id, status: 'approved', deviceId });
      expect(stderr).toContain('version: "1.2.3"');
      expect((await api('GET', `/v1/challenges/${id}`)).json.status).toBe('approved');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('watch asks on stdin: y approves, anything else rejects; Ctrl-C stops it cleanly', async () => {
    const first = await newChallenge({ n: 1 });
    const res = await runDevice(['watch', '--once', '--json', '--state', statePath], {
      input: 'y\n',
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('Approve? [y/N]');
    expect(JSON.parse(res.stdout)).toMatchObject({ id: first, status: 'approved' });

    const second = await newChallenge({ n: 2 });
    const no = await runDevice(['watch', '--once', '--json', '--state', statePath], {
      input: '\n',
    });
    expect(no.code, no.stderr).toBe(0);
    expect(JSON.parse(no.stdout)).toMatchObject({ id: second, status: 'rejected' });

    const child = spawn(
      process.execPath,
      [DEVICE_BIN, 'watch', '--auto', 'reject', '--state', statePath],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await waitFor(() => stderr.includes('Watching for challenges'), 10_000);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('Stopped watching.');
  });

  it('reports an unknown challenge and a production key as readable errors', async () => {
    const unknown = await runDevice([
      'approve',
      'chl_doesNotExist0000',
      '--state',
      statePath,
      '--json',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(
      /^keyra-device: .*\(challenge_not_found, HTTP 404\): check the id/,
    );
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);

    const live = await runKeyra([
      'keys',
      'create',
      '--env',
      'production',
      '--database',
      database,
      '--json',
    ]);
    const liveKey = JSON.parse(live.stdout).key as string;
    const refused = await runDevice([
      'pair',
      '--api',
      server.url,
      '--key',
      liveKey,
      '--user',
      USER,
      '--state',
      path.join(dir, 'live.json'),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('forbidden_environment');
    expect(refused.stderr).toContain('sandbox only');
    expect(() => statSync(path.join(dir, 'live.json'))).toThrow();
  });

  it('keeps its state in .keyra/device.json of the working directory by default', async () => {
    const cwd = path.join(dir, 'project');
    mkdirSync(cwd);
    const res = await runDevice(
      ['pair', '--api', server.url, '--key', key, '--user', 'usr_other', '--json'],
      { cwd },
    );
    expect(res.code, res.stderr).toBe(0);
    const file = path.join(cwd, '.keyra', 'device.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const shown = JSON.parse((await runDevice(['show', '--json'], { cwd })).stdout);
    expect(shown).toMatchObject({ userId: 'usr_other', stateFile: file });
  });
});
