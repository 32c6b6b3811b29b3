import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { approveChallenge } from '@keyra/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyraApi, pairDevice, type Api } from './helpers/keyraApi.js';
import { startKeyra, waitFor, type KeyraServer, createKey } from './helpers/keyraProcess.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhookReceiver.js';

/*
 * The Python SDK (sdks/python) against a real `keyra serve --dev` on SQLite. This file prepares
 * what Python cannot do with the standard library alone: a sandbox key from the CLI, a simulated
 * KEYRA ONE paired over the API (@keyra/device) that signs an approval, and a real webhook
 * delivery caught by a loopback receiver. Then it runs the SDK's own unittest suite with all of
 * that in the environment; the live tests there verify the approval, its proof and stamp, usage
 * and the delivery.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TESTS = path.join(ROOT, 'sdks', 'python', 'tests');
const USER_ID = 'usr_py_sdk';

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const hasPython = python.status === 0;
if (!hasPython) {
  const message = 'python3 not found: the Python SDK suite cannot run (apt-get install -y python3)';
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n*** SKIPPING e2e/sdk-python.test.ts: ${message} ***\n`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-sdk-python-'));
let server: KeyraServer | undefined;
let receiver: WebhookReceiver | undefined;
let key: string;
let api: Api;

function runPython(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-m', 'unittest', 'discover', '-s', TESTS, '-v'], {
      cwd: ROOT,
      env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe.skipIf(!hasPython)('Python SDK (keyra-sdk) against keyra serve --dev', () => {
  beforeAll(async () => {
    const database = `sqlite:${path.join(dir, 'keyra.db')}`;
    server = await startKeyra(['--dev', '--database', database, '--data-dir', dir]);
    key = await createKey(database);
    api = keyraApi(server.url, key);
    receiver = await startWebhookReceiver();
  }, 60_000);

  afterAll(async () => {
    await receiver?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes its unittest suite, live tests included', async () => {
    // A webhook endpoint on the loopback receiver, so pairing produces a real signed delivery.
    const endpoint = await api('POST', '/v1/webhook_endpoints', {
      url: `${receiver!.origin}/hooks`,
      events: ['device.paired'],
    });
    expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);

    // Pair a simulated KEYRA ONE and have it approve a challenge, as the seed's client would;
    // the challenge asks for a stamp, which the SDK retrieves and verifies once it approves.
    const device = await pairDevice(api, USER_ID);
    const challenge = await api('POST', '/v1/challenges', {
      action: 'transfer.approve',
      userId: USER_ID,
      payload: { amount: 12500, currency: 'USD', memo: 'Wire to Acme Corp' },
      expiresIn: 300,
      stamp: true,
    });
    expect(challenge.status, JSON.stringify(challenge.body)).toBe(201);
    const full = await api('GET', `/v1/challenges/${challenge.body.id}`);
    const answer = approveChallenge(device.state, {
      digestHex: String(full.body.digest),
      rpId: 'localhost',
    });
    const verifyBody = { deviceId: device.deviceId, attestation: answer.response };

    await waitFor(() => receiver!.received.some((r) => r.path === '/hooks'), 15_000);
    const delivery = receiver!.received.find((r) => r.path === '/hooks')!;

    const { code, output } = await runPython({
      KEYRA_BASE_URL: server!.url,
      KEYRA_API_KEY: key,
      KEYRA_TEST_CHALLENGE_ID: String(challenge.body.id),
      KEYRA_TEST_VERIFY_BODY: JSON.stringify(verifyBody),
      KEYRA_TEST_WEBHOOK_BODY: delivery.rawBody,
      KEYRA_TEST_WEBHOOK_HEADER: String(delivery.headers['keyra-signature']),
      KEYRA_TEST_WEBHOOK_SECRET: String(endpoint.body.secret),
      KEYRA_TEST_WEBHOOK_URL: `${receiver!.origin}/python`,
    });
    if (code !== 0) console.error(output);
    expect(code, output).toBe(0);
    // Every live test ran: none of them was skipped for want of a server or a simulator.
    expect(output).not.toMatch(/skipped ['"]?(set KEYRA|needs KEYRA|no KEYRA_TEST)/);
    expect(output).toMatch(/test_verify_with_the_device_simulator .* ok/);
    expect(output).toMatch(/test_real_delivery_verifies .* ok/);
    expect(output).toMatch(/test_usage_report .* ok/);
    // The stamp the Python SDK retrieved is the one the approval issued.
    const approved = await api('GET', `/v1/challenges/${challenge.body.id}`);
    expect(approved.body).toMatchObject({ status: 'approved', stampRequested: true });
    expect(approved.body.stampId).toMatch(/^stp_/);
  }, 120_000);
});
