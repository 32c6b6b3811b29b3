import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { approveChallenge } from '@keyra/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyraApi, pairDevice, signedApproval, type Api } from './helpers/keyraApi.js';
import { startKeyra, type KeyraServer, createKey } from './helpers/keyraProcess.js';

/*
 * The Go SDK (sdks/go, module keyra.dev/sdk, package keyra.dev/sdk/v1) against a real `keyra
 * serve --dev`: this file starts the server, makes a sandbox key, pairs a simulated KEYRA ONE and
 * signs approvals, then
 * - runs `go test ./...` with KEYRA_BASE_URL / KEYRA_API_KEY / KEYRA_TEST_* so the SDK's live
 *   tests verify an approval (its proof, and the stamp it asked for) and read usage;
 * - builds a consumer module outside sdks/go exactly as sdks/go/README.md says (`require` +
 *   `replace`, GOFLAGS=-mod=mod, GOPROXY=off) and runs the seed's samples with it;
 * - checks the seed's `go get keyra.dev/sdk/v1` against a file:// module proxy holding the SDK.
 * Standard library only: no module proxy on the network.
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

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = SDK_DIR,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

/** The README's quickstart as a program: create, verify the forwarded approval, check the proof. */
const CONSUMER_MAIN = `package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"time"

	keyra "keyra.dev/sdk/v1"
)

func main() {
	ctx := context.Background()
	client := keyra.NewClient(keyra.Options{APIKey: os.Getenv("KEYRA_API_KEY")})

	payload := map[string]any{"amount": 12500, "currency": "USD", "memo": "Wire to Acme Corp"}
	challenge, err := client.Challenges.Create(ctx, keyra.CreateChallengeParams{
		Action:    "transfer.approve",
		UserID:    "usr_8f2a",
		Payload:   payload,
		ExpiresIn: 120, // seconds
		Audience:  "payments-api",
	})
	if err != nil {
		panic(err)
	}
	var body struct {
		DeviceID    string          \`json:"deviceId"\`
		Attestation json.RawMessage \`json:"attestation"\`
	}
	if err := json.Unmarshal([]byte(os.Getenv("KEYRA_TEST_VERIFY_BODY")), &body); err != nil {
		panic(err)
	}
	result, err := client.Challenges.Verify(ctx, os.Getenv("KEYRA_TEST_CHALLENGE_ID"), keyra.VerifyChallengeParams{
		DeviceID: body.DeviceID, Attestation: body.Attestation,
	})
	if err != nil || result.Status != keyra.StatusApproved {
		panic(err)
	}
	claims, err := client.Proofs.VerifyWith(ctx, *result.Proof, keyra.ProofVerifyOptions{
		Action:   "transfer.approve",
		Payload:  payload,
		Audience: "payments-api",
	})
	if err != nil {
		panic(err)
	}
	_, wrongAudience := client.Proofs.VerifyWith(ctx, *result.Proof, keyra.ProofVerifyOptions{Audience: "another-app"})
	raw := []byte(\`{"type":"challenge.approved"}\`)
	header := client.Webhooks.GenerateTestHeader(raw, "whsec_stranger", time.Now())
	_, missing := client.Challenges.Retrieve(ctx, "chl_doesNotExist0000")
	_ = json.NewEncoder(os.Stdout).Encode(map[string]any{
		"created":  challenge.Status,
		"status":   result.Status,
		"sub":      claims.Subject,
		"webhook":  client.Webhooks.Verify(raw, header, "whsec_stranger"),
		"notFound": errors.Is(missing, keyra.ErrNotFound),
		"refused":  errors.Is(wrongAudience, keyra.ErrProofVerification),
	})
}
`;

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
    // The proof must carry its binding: an explicit audience and a payload whose RFC 8785 form
    // is not encoding/json's (numbers, a key outside the BMP); live_test.go verifies the proof
    // with the same values (livePayload, KEYRA_TEST_AUDIENCE).
    const audience = 'payments-api';
    const created = await api('POST', '/v1/challenges', {
      action: 'transfer.approve',
      userId,
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
      expiresIn: 300,
      stamp: true,
      audience,
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
        KEYRA_TEST_AUDIENCE: audience,
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
  it('builds a consumer module outside sdks/go as the README says and runs the seed samples', async () => {
    // README: `require keyra.dev/sdk v1.0.0` + `replace keyra.dev/sdk => …/sdks/go`.
    const consumer = path.join(dir, 'consumer');
    mkdirSync(consumer);
    writeFileSync(
      path.join(consumer, 'go.mod'),
      `module example.com/consumer\n\ngo 1.19\n\nrequire keyra.dev/sdk v1.0.0\n\nreplace keyra.dev/sdk => ${SDK_DIR}\n`,
    );
    writeFileSync(path.join(consumer, 'main.go'), CONSUMER_MAIN);
    const built = await run('go', ['build', '-o', 'consumer', '.'], goEnv(), consumer);
    expect(built.code, built.output).toBe(0);

    const userId = 'usr_go_consumer';
    const approval = await signedApproval(api, await pairDevice(api, userId), userId, {
      audience: 'payments-api',
    });
    const ran = await run(
      path.join(consumer, 'consumer'),
      [],
      goEnv({
        KEYRA_BASE_URL: server!.url,
        KEYRA_API_KEY: key,
        KEYRA_TEST_CHALLENGE_ID: approval.challengeId,
        KEYRA_TEST_VERIFY_BODY: JSON.stringify(approval.verifyBody),
      }),
      consumer,
    );
    expect(ran.code, ran.output).toBe(0);
    expect(JSON.parse(ran.output)).toEqual({
      created: 'pending',
      status: 'approved',
      sub: userId,
      webhook: true,
      notFound: true,
      refused: true,
    });
  }, 240_000);

  it("resolves the seed's `go get keyra.dev/sdk/v1` (module keyra.dev/sdk, package v1)", async () => {
    // A file:// module proxy holding the SDK as v1.0.0, laid out as GOPROXY serves modules.
    const proxy = path.join(dir, 'proxy', 'keyra.dev', 'sdk', '@v');
    const staging = path.join(dir, 'staging');
    mkdirSync(proxy, { recursive: true });
    cpSync(SDK_DIR, path.join(staging, 'keyra.dev', 'sdk@v1.0.0'), { recursive: true });
    writeFileSync(path.join(proxy, 'list'), 'v1.0.0\n');
    writeFileSync(
      path.join(proxy, 'v1.0.0.info'),
      '{"Version":"v1.0.0","Time":"2026-12-01T00:00:00Z"}',
    );
    cpSync(path.join(SDK_DIR, 'go.mod'), path.join(proxy, 'v1.0.0.mod'));
    // Files only, paths `keyra.dev/sdk@v1.0.0/…`: the module zip format (no directory entries),
    // written with Go's archive/zip so that this test needs nothing but go.
    const zipper = path.join(dir, 'zipper.go');
    writeFileSync(
      zipper,
      `package main

import (
	"archive/zip"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	out, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	z := zip.NewWriter(out)
	err = filepath.WalkDir("keyra.dev", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		w, err := z.Create(filepath.ToSlash(name))
		if err != nil {
			return err
		}
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(w, f)
		return err
	})
	if err != nil {
		panic(err)
	}
	if err := z.Close(); err != nil {
		panic(err)
	}
	if err := out.Close(); err != nil {
		panic(err)
	}
}
`,
    );
    const zipped = await run(
      'go',
      ['run', zipper, path.join(proxy, 'v1.0.0.zip')],
      goEnv({ GOFLAGS: '' }),
      staging,
    );
    expect(zipped.code, zipped.output).toBe(0);

    const getter = path.join(dir, 'getter');
    mkdirSync(getter);
    writeFileSync(path.join(getter, 'go.mod'), 'module example.com/getter\n\ngo 1.19\n');
    writeFileSync(
      path.join(getter, 'main.go'),
      'package main\n\nimport keyra "keyra.dev/sdk/v1"\n\nfunc main() { _ = keyra.NewClient(keyra.Options{}) }\n',
    );
    const env = goEnv({
      GOPROXY: `file://${path.join(dir, 'proxy')}`,
      GOSUMDB: 'off',
      GOFLAGS: '-mod=mod -modcacherw',
      GOMODCACHE: path.join(dir, 'modcache'),
    });
    const got = await run('go', ['get', 'keyra.dev/sdk/v1'], env, getter);
    expect(got.code, got.output).toBe(0);
    expect(got.output).toMatch(/added keyra\.dev\/sdk v1\.0\.0/);
    const built = await run('go', ['build', './...'], env, getter);
    expect(built.code, built.output).toBe(0);
  }, 240_000);
});
