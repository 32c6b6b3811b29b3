import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { approveChallenge } from '@keyra/device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyraApi, pairDevice } from './helpers/keyraApi.js';
import { createKey, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

/*
 * A client generated from the server's own OpenAPI document by tools nobody here wrote:
 * openapi-typescript turns /openapi.json into types, openapi-fetch calls the API with them. The
 * generated code must type-check under `tsc --strict` (no skipLibCheck), and create → approve →
 * verify must work through it against a real server.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-openapi-'));
const database = `sqlite:${path.join(dir, 'openapi.db')}`;
// Inside the repository so the generated client resolves openapi-fetch from node_modules.
const generated = path.join(root, 'e2e', '.generated', `openapi-${process.pid}`);
let server: KeyraServer;
let key: string;

const CLIENT = `import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

type VerifyBody = components['schemas']['VerifyChallengeRequest'];

/** create → (the human approves) → verify, through the generated client only. */
export async function run(
  baseUrl: string,
  key: string,
  approve: (digest: string) => Promise<VerifyBody>,
): Promise<{ id: string; status: string; proof: string | null; audience: string }> {
  const client = createClient<paths>({ baseUrl, headers: { authorization: \`Bearer \${key}\` } });
  const created = await client.POST('/v1/challenges', {
    body: {
      action: 'transfer.approve',
      userId: 'usr_openapi',
      payload: { amount: 12500, currency: 'USD' },
      audience: 'payments-api',
    },
    headers: { 'idempotency-key': crypto.randomUUID() },
  });
  if (!created.data) throw new Error(\`create: \${JSON.stringify(created.error)}\`);
  const id: string = created.data.id;
  const full = await client.GET('/v1/challenges/{id}', { params: { path: { id } } });
  if (!full.data) throw new Error(\`get: \${JSON.stringify(full.error)}\`);
  const answer = await approve(full.data.digest);
  const verified = await client.POST('/v1/challenges/{id}/verify', {
    params: { path: { id } },
    body: answer,
  });
  if (!verified.data) throw new Error(\`verify: \${JSON.stringify(verified.error)}\`);
  const missing = await client.GET('/v1/challenges/{id}', { params: { path: { id: 'chl_missing0000' } } });
  // Errors are typed as the one Error schema.
  const code: string | undefined = missing.error?.code;
  if (code !== 'challenge_not_found') throw new Error(\`expected challenge_not_found, got \${code}\`);
  return {
    id,
    status: verified.data.status,
    proof: verified.data.proof,
    audience: full.data.audience,
  };
}
`;

beforeAll(async () => {
  server = await startKeyra(['--database', database]);
  key = await createKey(database);
  mkdirSync(generated, { recursive: true });
}, 90_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(generated, { recursive: true, force: true });
});

describe('a client generated from /openapi.json', () => {
  it('type-checks strictly and runs create → approve → verify', async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).text();
    writeFileSync(path.join(generated, 'openapi.json'), document);
    const generate = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/openapi-typescript/bin/cli.js'),
        path.join(generated, 'openapi.json'),
        '--output',
        path.join(generated, 'schema.d.ts'),
      ],
      { encoding: 'utf8' },
    );
    expect(generate.status, generate.stderr).toBe(0);
    writeFileSync(path.join(generated, 'client.ts'), CLIENT);
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(root, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--strict',
        '--target',
        'es2022',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--lib',
        'es2022,dom',
        '--types',
        'node',
        path.join(generated, 'client.ts'),
      ],
      { encoding: 'utf8', cwd: generated },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);

    const api = keyraApi(server.url, key);
    const device = await pairDevice(api, 'usr_openapi');
    const { run } = (await import(path.join(generated, 'client.ts'))) as {
      run: (
        baseUrl: string,
        key: string,
        approve: (digest: string) => Promise<{ deviceId: string; attestation: unknown }>,
      ) => Promise<{ id: string; status: string; proof: string | null; audience: string }>;
    };
    const result = await run(server.url, key, async (digest) => {
      const answer = approveChallenge(device.state, { digestHex: digest, rpId: 'localhost' });
      device.state = answer.state;
      return { deviceId: device.deviceId, attestation: answer.response };
    });
    expect(result).toMatchObject({ status: 'approved', audience: 'payments-api' });
    expect(result.proof).toMatch(/^ey/);
  }, 120_000);
});
