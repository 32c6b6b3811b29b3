import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyraApi, pairDevice, signedApproval, type Api } from './helpers/keyraApi.js';
import { createKey, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

/*
 * @keyra/sdk as a stranger gets it: `npm pack` (which runs the package's prepack build), the
 * tarball installed into a fresh project outside the monorepo, type-checked with `tsc --strict`
 * and no skipLibCheck (a declaration naming a package the SDK does not ship fails here, and the
 * `@ts-expect-error` lines fail if the types silently became `any`), then the seed's samples run
 * as an ES module and as CommonJS against a spawned `keyra serve --dev`.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SDK_DIR = path.join(ROOT, 'packages', 'sdk');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-sdk-pack-'));
const project = path.join(dir, 'stranger');
const database = `sqlite:${path.join(dir, 'keyra.db')}`;
let server: KeyraServer | undefined;
let api: Api;
let key: string;

/**
 * The seed's samples (docs 000: initialize, first challenge, verify response, webhooks,
 * registration) for one module system; `importLine` is how that system loads the SDK.
 */
function seedSamples(importLine: string, wrap: (body: string) => string): string {
  return `${importLine}
declare const process: { env: Record<string, string | undefined> };

${wrap(`const keyra = new Keyra({ apiKey: process.env.KEYRA_API_KEY });

const challenge = await keyra.challenges.create({
  action: "transfer.approve",
  userId: "usr_8f2a",
  payload: { amount: 12500, currency: "USD", memo: "Wire to Acme Corp" },
  expiresIn: 120, // seconds
});
const pending: "pending" = challenge.status;
// @ts-expect-error the types are real: a created challenge has no such field
void challenge.notAField;

// What the client forwarded: an approval signed by the simulated KEYRA ONE.
const req = { body: JSON.parse(process.env.KEYRA_TEST_VERIFY_BODY ?? "{}") };
const challengeId = process.env.KEYRA_TEST_CHALLENGE_ID ?? "";
const result = await keyra.challenges.verify(challengeId, {
  attestation: req.body.attestation,
  deviceId: req.body.deviceId,
});
let claims: ProofClaims | undefined;
if (result.status === "approved") {
  claims = await keyra.proofs.verify(result.proof!);
}

const rawBody = JSON.stringify({ type: "challenge.approved", data: { challengeId } });
const sig = keyra.webhooks.generateTestHeader({ payload: rawBody });
const webhookOk: boolean = keyra.webhooks.verify(rawBody, sig);
const tamperedOk = keyra.webhooks.verify(rawBody.replace("approved", "rejected"), sig);

const options = await keyra.credentials.registrationOptions({
  userId: "usr_8f2a",
  displayName: "Jane Founder",
});
// @ts-expect-error the types are real: userId is a string (never sent: a type check only)
const badCall = () => keyra.challenges.create({ action: "transfer.approve", userId: 42 });
void badCall;

let notFound = "";
try {
  await keyra.challenges.retrieve("chl_doesNotExist0000");
} catch (error) {
  if (error instanceof NotFoundError) notFound = error.code;
}
console.log(JSON.stringify({
  pending, status: result.status, sub: claims?.sub, webhookOk, tamperedOk,
  hasChallenge: typeof options.challenge === "string", notFound,
}));`)}
`;
}

beforeAll(async () => {
  // Pack exactly what would be published (prepack builds dist/ and dist/cjs/).
  const packDir = path.join(dir, 'pack');
  mkdirSync(packDir);
  await run('npm', ['pack', '--pack-destination', packDir], { cwd: SDK_DIR });
  const tarball = path.join(
    packDir,
    readdirSync(packDir).find((f) => f.endsWith('.tgz'))!,
  );

  mkdirSync(project);
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'stranger', version: '1.0.0', private: true }),
  );
  // The SDK has no runtime dependency: installing the tarball needs no registry.
  await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], {
    cwd: project,
  });
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2022', 'DOM'],
        types: [],
        outDir: 'out',
      },
      include: ['*.mts', '*.cts'],
    }),
  );
  writeFileSync(
    path.join(project, 'seed.mts'),
    seedSamples(
      'import { Keyra, NotFoundError, type ProofClaims } from "@keyra/sdk";',
      (body) => body,
    ),
  );
  writeFileSync(
    path.join(project, 'seed.cts'),
    seedSamples(
      'import sdk = require("@keyra/sdk");\nconst { Keyra, NotFoundError } = sdk;\ntype ProofClaims = sdk.ProofClaims;',
      (body) => `async function main(): Promise<void> {\n${body}\n}\nvoid main();`,
    ),
  );

  key = await createKey(database);
  server = await startKeyra([
    '--dev',
    '--database',
    database,
    '--data-dir',
    path.join(dir, 'data'),
  ]);
  api = keyraApi(server.url, key);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function runSeed(file: string, approval: Awaited<ReturnType<typeof signedApproval>>) {
  const { stdout } = await run(process.execPath, [path.join(project, 'out', file)], {
    cwd: project,
    env: {
      PATH: process.env.PATH,
      KEYRA_API_KEY: key,
      KEYRA_BASE_URL: server!.url,
      KEYRA_WEBHOOK_SECRET: 'whsec_stranger',
      KEYRA_TEST_CHALLENGE_ID: approval.challengeId,
      KEYRA_TEST_VERIFY_BODY: JSON.stringify(approval.verifyBody),
    },
  });
  return JSON.parse(stdout.trim()) as Record<string, unknown>;
}

describe('@keyra/sdk packed and installed in a fresh project', () => {
  it('ships self-contained types: tsc --strict without skipLibCheck passes', async () => {
    const checked = await run(process.execPath, [TSC, '-p', project]).catch(
      (error: { stdout: string }) => error,
    );
    expect(checked.stdout, 'tsc output').toBe('');
  }, 120_000);

  it('type-checks in a Node project too: @types/node and no DOM library', async () => {
    writeFileSync(
      path.join(project, 'tsconfig.node.json'),
      JSON.stringify({
        extends: './tsconfig.json',
        compilerOptions: {
          lib: ['ES2022'],
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
          noEmit: true,
        },
      }),
    );
    const checked = await run(process.execPath, [
      TSC,
      '-p',
      path.join(project, 'tsconfig.node.json'),
    ]).catch((error: { stdout: string }) => error);
    expect(checked.stdout, 'tsc output').toBe('');
  }, 120_000);

  it.each([
    ['an ES module', 'seed.mjs'],
    ['CommonJS', 'seed.cjs'],
  ])(
    'runs the seed samples as %s',
    async (_system, file) => {
      const userId = `usr_pack_${file.replace('.', '_')}`;
      const device = await pairDevice(api, userId);
      const approval = await signedApproval(api, device, userId);
      expect(await runSeed(file, approval)).toEqual({
        pending: 'pending',
        status: 'approved',
        sub: userId,
        webhookOk: true,
        tamperedOk: false,
        hasChallenge: true,
        notFound: 'challenge_not_found',
      });
    },
    120_000,
  );

  it('verifies webhooks synchronously where process.getBuiltinModule is missing (Node < 20.16)', async () => {
    const script = `
      delete process.getBuiltinModule;
      const { Keyra } = await import('@keyra/sdk');
      await new Promise((resolve) => setTimeout(resolve, 0));
      const keyra = new Keyra({ apiKey: 'sk_test_x', webhookSecret: 'whsec_a' });
      const sig = keyra.webhooks.generateTestHeader({ payload: '{}' });
      console.log(keyra.webhooks.verify('{}', sig), keyra.webhooks.verify('{ }', sig));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project,
    });
    expect(stdout.trim()).toBe('true false');
  });

  it('has no runtime dependency and no top-level node: import', async () => {
    const manifest = createRequire(path.join(project, 'x.js'))('@keyra/sdk/package.json') as {
      dependencies?: Record<string, string>;
    };
    expect(manifest.dependencies ?? {}).toEqual({});
    // Top level only: the synchronous HMAC looks node:crypto up at run time, inside a function.
    const topLevel = String.raw`^(import|export)\b.*['"]node:|^(const|let|var)\b.*require\(['"]node:`;
    const { stdout } = await run('grep', ['-rlE', topLevel, 'node_modules/@keyra/sdk/dist'], {
      cwd: project,
    }).catch((error: { stdout: string }) => error);
    expect(stdout.trim()).toBe('');
  });
});
