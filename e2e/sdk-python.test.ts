import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyraApi, pairDevice, signedApproval, type Api } from './helpers/keyraApi.js';
import { startKeyra, waitFor, type KeyraServer, createKey } from './helpers/keyraProcess.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhookReceiver.js';

/*
 * The Python SDK (sdks/python) as a stranger installs it, against a real `keyra serve --dev` on
 * SQLite. Its wheel and sdist are built (`python -m build`, from a copy: nothing is written into
 * the repository) and each is `pip install`ed into a clean venv (with the system's site packages,
 * where httpx and cryptography come from: pip cannot download here). Then:
 * - the SDK's own unittest suite runs against the installed wheel (KEYRA_SDK_INSTALLED=1), live
 *   tests included: a simulated KEYRA ONE (@keyra/device) signed an approval, a real webhook
 *   delivery was caught by a loopback receiver;
 * - the seed's samples run from a clean directory with the sdist installed, with `Keyra` and with
 *   `AsyncKeyra` (asyncio), each verifying an approval of its own.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SDK_DIR = path.join(ROOT, 'sdks', 'python');
const TESTS = path.join(SDK_DIR, 'tests');

/** The first interpreter with what building and running the SDK needs (Debian: python3-venv,
 * python3-build, python3-httpx, python3-cryptography). pyenv shims often lack them. */
const PYTHON = [process.env.KEYRA_PYTHON, '/usr/bin/python3', 'python3']
  .filter((candidate): candidate is string => Boolean(candidate))
  .find(
    (candidate) =>
      spawnSync(candidate, ['-c', 'import venv, build, setuptools, httpx, cryptography'], {
        encoding: 'utf8',
      }).status === 0,
  );
if (PYTHON === undefined) {
  const message =
    'no python3 with venv, build, httpx and cryptography: the Python SDK cannot be built and tested ' +
    '(apt-get install -y python3-venv python3-build python3-httpx python3-cryptography, or set KEYRA_PYTHON)';
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n*** SKIPPING e2e/sdk-python.test.ts: ${message} ***\n`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-sdk-python-'));
const venvPython = (name: string) => path.join(dir, name, 'bin', 'python');
let server: KeyraServer | undefined;
let receiver: WebhookReceiver | undefined;
let key: string;
let api: Api;

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; output: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? dir,
      env: { ...process.env, ...options.env, PYTHONDONTWRITEBYTECODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output, stdout }));
  });
}

async function mustRun(command: string, args: string[], cwd = dir): Promise<string> {
  const result = await run(command, args, { cwd });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}:\n${result.output}`);
  return result.stdout;
}

/** The seed's samples, sync then asyncio, as the README shows them; prints what they got. */
const SEED_SAMPLES = `
import asyncio, json, os
import keyra as package
from keyra import AsyncKeyra, Keyra, NotFoundError

keyra = Keyra(api_key=os.environ.get("KEYRA_API_KEY"))
challenge = keyra.challenges.create(
    action="transfer.approve",
    user_id="usr_8f2a",
    payload={"amount": 12500, "currency": "USD", "memo": "Wire to Acme Corp"},
    expires_in=120,  # seconds
)
body = json.loads(os.environ["KEYRA_TEST_VERIFY_BODY"])
result = keyra.challenges.verify(
    os.environ["KEYRA_TEST_CHALLENGE_ID"],
    attestation=body["attestation"],
    device_id=body["deviceId"],
)
claims = keyra.proofs.verify(
    result["proof"],
    action="transfer.approve",
    payload={"amount": 12500, "currency": "USD", "memo": "Wire to Acme Corp"},
    audience="payments-api",  # the challenge's audience (default: the API key's)
    env="sandbox",
) if result["status"] == "approved" else {}
try:
    keyra.proofs.verify(result["proof"], audience="another-app")
    refused = False
except package.ProofVerificationError:
    refused = True
raw = json.dumps({"type": "challenge.approved", "data": {"challengeId": result.id}})
sig = keyra.webhooks.generate_test_header(raw)
webhook = [keyra.webhooks.verify(raw, sig), keyra.webhooks.verify(raw.replace("approved", "rejected"), sig)]
keyra.close()


async def main():
    async with AsyncKeyra() as keyra:
        created = await keyra.challenges.create(
            action="transfer.approve", user_id="usr_8f2a", payload={"amount": 12500}, expires_in=120
        )
        body = json.loads(os.environ["KEYRA_TEST_ASYNC_VERIFY_BODY"])
        result = await keyra.challenges.verify(
            os.environ["KEYRA_TEST_ASYNC_CHALLENGE_ID"],
            attestation=body["attestation"],
            device_id=body["deviceId"],
        )
        claims = await keyra.proofs.verify(
            result.proof,
            action="transfer.approve",
            payload={"amount": 12500, "currency": "USD", "memo": "Wire to Acme Corp"},
            audience="payments-api",
            env="sandbox",
        )
        try:
            await keyra.challenges.retrieve("chl_doesNotExist0000")
        except NotFoundError as error:
            missing = error.code
        return created.status, result.status, claims["sub"], missing


print(json.dumps({
    "installed": "site-packages" in package.__file__,
    "sync": [challenge.status, result.status, claims.get("sub"), refused, *webhook],
    "async": list(asyncio.run(main())),
}))
`;

describe.skipIf(PYTHON === undefined)(
  'Python SDK (keyra-sdk) installed from its wheel and sdist',
  () => {
    beforeAll(async () => {
      // Build from a copy, so that build/ and *.egg-info never land in the repository.
      const source = path.join(dir, 'source');
      cpSync(SDK_DIR, source, {
        recursive: true,
        filter: (from) => !/(__pycache__|\.egg-info|[/\\]build|[/\\]dist)$/.test(from),
      });
      await mustRun(PYTHON!, [
        '-m',
        'build',
        '--no-isolation',
        '--outdir',
        path.join(dir, 'dist'),
        source,
      ]);
      const built = readdirSync(path.join(dir, 'dist'));
      const wheel = path.join(
        dir,
        'dist',
        built.find((f) => f.endsWith('.whl'))!,
      );
      const sdist = path.join(
        dir,
        'dist',
        built.find((f) => f.endsWith('.tar.gz'))!,
      );
      for (const [venv, artefact] of [
        ['venv-wheel', wheel],
        ['venv-sdist', sdist],
      ] as const) {
        await mustRun(PYTHON!, ['-m', 'venv', '--system-site-packages', path.join(dir, venv)]);
        await mustRun(venvPython(venv), [
          '-m',
          'pip',
          'install',
          '--no-index',
          '--no-build-isolation',
          '--disable-pip-version-check',
          artefact,
        ]);
      }

      const database = `sqlite:${path.join(dir, 'keyra.db')}`;
      server = await startKeyra(['--dev', '--database', database, '--data-dir', dir]);
      key = await createKey(database);
      api = keyraApi(server.url, key);
      receiver = await startWebhookReceiver();
    }, 180_000);

    afterAll(async () => {
      await receiver?.close();
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the installed wheel passes the unittest suite, live tests included', async () => {
      // A webhook endpoint on the loopback receiver, so pairing produces a real signed delivery.
      const endpoint = await api('POST', '/v1/webhook_endpoints', {
        url: `${receiver!.origin}/hooks`,
        events: ['device.paired'],
      });
      expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
      // The challenge asks for a stamp, which the SDK retrieves and verifies once it approves.
      const userId = 'usr_py_sdk';
      const device = await pairDevice(api, userId);
      // The proof must carry its binding: an explicit audience and a payload whose RFC 8785 form
      // differs from sorted-keys JSON (numbers, a key outside the BMP); test_live.py verifies the
      // proof with the same values (LIVE_PAYLOAD, KEYRA_TEST_AUDIENCE).
      const audience = 'payments-api';
      const approval = await signedApproval(api, device, userId, {
        stamp: true,
        audience,
        payload: {
          amount: 12500,
          currency: 'USD',
          memo: 'Wire to Acme Corp',
          rate: 0.000001,
          fee: 1e21,
          ratio: 4.5,
          '\u{1F600}': 'grinning',
          '\uFB33': 'dalet',
        },
      });

      await waitFor(() => receiver!.received.some((r) => r.path === '/hooks'), 15_000);
      const delivery = receiver!.received.find((r) => r.path === '/hooks')!;

      const { code, output } = await run(
        venvPython('venv-wheel'),
        ['-m', 'unittest', 'discover', '-s', TESTS, '-v'],
        {
          cwd: dir,
          env: {
            KEYRA_SDK_INSTALLED: '1',
            KEYRA_BASE_URL: server!.url,
            KEYRA_API_KEY: key,
            KEYRA_TEST_CHALLENGE_ID: approval.challengeId,
            KEYRA_TEST_VERIFY_BODY: JSON.stringify(approval.verifyBody),
            KEYRA_TEST_AUDIENCE: audience,
            KEYRA_TEST_WEBHOOK_BODY: delivery.rawBody,
            KEYRA_TEST_WEBHOOK_HEADER: String(delivery.headers['keyra-signature']),
            KEYRA_TEST_WEBHOOK_SECRET: String(endpoint.body.secret),
            KEYRA_TEST_WEBHOOK_URL: `${receiver!.origin}/python`,
          },
        },
      );
      if (code !== 0) console.error(output);
      expect(code, output).toBe(0);
      // Every live test ran: none of them was skipped for want of a server or a simulator.
      expect(output).not.toMatch(/skipped ['"]?(set KEYRA|needs KEYRA|no KEYRA_TEST)/);
      expect(output).toMatch(/test_verify_with_the_device_simulator .* ok/);
      expect(output).toMatch(/test_real_delivery_verifies .* ok/);
      expect(output).toMatch(/test_usage_report .* ok/);
      expect(output).toMatch(/test_retries_409_with_retry_after_with_the_same_key .* ok/);
      // The stamp the Python SDK retrieved is the one the approval issued.
      const approved = await api('GET', `/v1/challenges/${approval.challengeId}`);
      expect(approved.body).toMatchObject({ status: 'approved', stampRequested: true });
      expect(approved.body.stampId).toMatch(/^stp_/);
    }, 120_000);

    it('runs the seed samples, sync and asyncio, with the sdist installed in a clean venv', async () => {
      // Both approvals name their relying party, as the README's samples verify.
      const audience = { audience: 'payments-api' };
      const sync = await signedApproval(
        api,
        await pairDevice(api, 'usr_py_sync'),
        'usr_py_sync',
        audience,
      );
      const asyncUser = 'usr_py_async';
      const later = await signedApproval(
        api,
        await pairDevice(api, asyncUser),
        asyncUser,
        audience,
      );
      writeFileSync(path.join(dir, 'seed.py'), SEED_SAMPLES);
      const { code, output, stdout } = await run(venvPython('venv-sdist'), ['seed.py'], {
        cwd: dir,
        env: {
          KEYRA_BASE_URL: server!.url,
          KEYRA_API_KEY: key,
          KEYRA_WEBHOOK_SECRET: 'whsec_stranger',
          KEYRA_TEST_CHALLENGE_ID: sync.challengeId,
          KEYRA_TEST_VERIFY_BODY: JSON.stringify(sync.verifyBody),
          KEYRA_TEST_ASYNC_CHALLENGE_ID: later.challengeId,
          KEYRA_TEST_ASYNC_VERIFY_BODY: JSON.stringify(later.verifyBody),
        },
      });
      expect(code, output).toBe(0);
      expect(JSON.parse(stdout)).toEqual({
        installed: true,
        sync: ['pending', 'approved', 'usr_py_sync', true, true, false],
        async: ['pending', 'approved', asyncUser, 'challenge_not_found'],
      });
    }, 120_000);
  },
);
