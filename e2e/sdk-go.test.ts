import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { approveChallenge } from '@keyra/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyraApi, pairDevice, type Api } from './helpers/keyraApi.js';
import { startKeyra, type KeyraServer, createKey } from './helpers/keyraProcess.js';

/*
 * The Go SDK (sdks/go) against a real `keyra serve --dev`: this file starts the server, makes a
 * sandbox key, pairs a simulated KEYRA ONE and signs an approval for one challenge, then runs
 * `go test ./...` with KEYRA_BASE_URL / KEYRA_API_KEY / KEYRA_TEST_* so the SDK's live tests
 * verify that approval (its proof, and the stamp it asked for) and read usage through the SDK.
 * Standard library only: no module proxy.
 */

const SDK_DIR = fileURLToPath(new URL('../sdks/go', import.meta.url));
const goAvailable = spawnSync('go', ['version'], { encoding: 'utf8' }).status === 0;
if (!goAvailable) {
  const message = 'e2e/sdk-go: `go` is not installed (apt-get install -y golang-go); skipping';
  if (process.env.CI === 'true') throw new Error(`${message.replace('; skipping', '')} on CI`);
  console.warn(`\n!!! ${message} !!!\n`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-sdk-go-'));
const database = `sqlite:${path.join(dir, 'keyra.db')}`;
let server: KeyraServer | undefined;
let key = '';
let api: Api;

interface RunResult {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: SDK_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOFLAGS: '-mod=mod',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    GOCACHE: process.env.GOCACHE ?? path.join(os.tmpdir(), 'keyra-sdk-go-cache'),
    KEYRA_BASE_URL: '',
    KEYRA_API_KEY: '',
    KEYRA_WEBHOOK_SECRET: '',
    ...extra,
  };
}

beforeAll(async () => {
  if (!goAvailable) return;
  key = await createKey(database);
  server = await startKeyra([
    '--dev',
    '--database',
    database,
    '--data-dir',
    path.join(dir, 'data'),
  ]);
  api = keyraApi(server.url, key);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!goAvailable)('Go SDK (sdks/go) against keyra serve', () => {
  it('is gofmt-clean and go vet-clean', async () => {
    const fmt = await run('gofmt', ['-l', '.'], goEnv());
    expect(fmt.code, fmt.output).toBe(0);
    expect(fmt.output.trim(), 'gofmt -l lists unformatted files').toBe('');
    const vet = await run('go', ['vet', './...'], goEnv());
    expect(vet.code, vet.output).toBe(0);
  }, 120_000);

  it('passes go test ./... with the live tests against the real server', async () => {
    const userId = 'usr_go_sdk';
    const device = await pairDevice(api, userId);
    const created = await api('POST', '/v1/challenges', {
      action: 'transfer.approve',
      userId,
      payload: { amount: 12500, currency: 'USD', memo: 'Wire to Acme Corp' },
      expiresIn: 300,
      stamp: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const challengeId = String(created.body.id);
    const full = await api('GET', `/v1/challenges/${challengeId}`);
    expect(full.status).toBe(200);
    const answer = approveChallenge(device.state, {
      digestHex: String(full.body.digest),
      rpId: 'localhost',
    });
    const verifyBody = { deviceId: device.deviceId, attestation: answer.response };

    const result = await run(
      'go',
      ['test', './...', '-count=1', '-v'],
      goEnv({
        KEYRA_BASE_URL: server!.url,
        KEYRA_API_KEY: key,
        KEYRA_TEST_CHALLENGE_ID: challengeId,
        KEYRA_TEST_VERIFY_BODY: JSON.stringify(verifyBody),
      }),
    );
    if (result.code !== 0) console.error(result.output);
    expect(result.code, result.output).toBe(0);
    // The live tests ran (not skipped) and the approval was verified through the SDK.
    expect(result.output).toMatch(/--- PASS: TestLiveVerifyApprovalAndProof/);
    expect(result.output).toMatch(/--- PASS: TestLiveErrorsMapToTypes/);
    expect(result.output).toMatch(/--- PASS: TestLiveChallengeCreateRetrieveList/);
    expect(result.output).toMatch(/--- PASS: TestLiveUsage/);
    const after = await api('GET', `/v1/challenges/${challengeId}`);
    expect(after.body).toMatchObject({ status: 'approved', stampRequested: true });
    expect(after.body.stampId).toMatch(/^stp_/);
  }, 240_000);
});
