import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/keyra.js';
import { createTestApp, type TestApp } from './helpers/testApp.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-policies-cli-'));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
  vi.stubEnv('KEYRA_API_KEY', await t.key('acme', 'sandbox'));
  vi.stubEnv('KEYRA_BASE_URL', 'http://keyra.test');
  // The CLI's SDK calls reach the app in process (route tests never open sockets).
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const answer = await t.app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: new URL(url).pathname + new URL(url).search,
      headers: init.headers as Record<string, string>,
      ...(typeof init.body === 'string' ? { payload: init.body } : {}),
    });
    return new Response(answer.body === '' ? null : answer.body, {
      status: answer.statusCode,
      headers: answer.headers as Record<string, string>,
    });
  });
});
afterAll(async () => {
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts) => void out.push(parts.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...parts) => void err.push(parts.join(' ')));
  const writes = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk) => (out.push(String(chunk)), true));
  const errWrites = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    const code = await main(['node', 'keyra', ...args]);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    writes.mockRestore();
    errWrites.mockRestore();
  }
}

describe('keyra policies', () => {
  it('creates from a file, changes, reads versions, evaluates, lists and deletes', async () => {
    expect(
      (await run('policies', 'groups', 'put', 'finance', '--members', 'usr_a,usr_b')).code,
    ).toBe(0);
    const file = path.join(dir, 'rule.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'Big wires',
        match: { action: 'wire.*', conditions: ['payload.amount >= 10000'] },
        require: { quorum: 2, groups: ['finance'] },
      }),
    );
    const created = await run(
      'policies',
      'create',
      '--file',
      file,
      '--methods',
      'device',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const policy = JSON.parse(created.stdout);
    expect(policy).toMatchObject({
      version: 1,
      require: { quorum: 2, groups: ['finance'], methods: ['device'] },
    });

    const updated = await run('policies', 'update', policy.id, '--quorum', '2', '--stamp');
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toContain('now version 2');
    const v1 = JSON.parse(
      (await run('policies', 'get', policy.id, '--policy-version', '1', '--json')).stdout,
    );
    expect(v1.require.stamp).toBeUndefined();
    const shown = await run('policies', 'get', policy.id);
    expect(shown.stdout).toContain('v2  Big wires');
    expect(shown.stdout).toContain('condition  payload.amount >= 10000');

    const evaluated = await run(
      'policies',
      'evaluate',
      '--action',
      'wire.send',
      '--payload',
      '{"amount":20000}',
      '--user-id',
      'usr_a',
    );
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toContain(`Applies: Big wires (${policy.id} v2)`);
    expect(evaluated.stdout).toContain('A create would be refused: policy_quorum_required');

    const listed = JSON.parse((await run('policies', 'list', '--json')).stdout);
    expect(listed.data.map((p: { id: string }) => p.id)).toEqual([policy.id]);
    expect((await run('policies', 'delete', policy.id)).stdout).toContain('last version 2');
    expect((await run('policies', 'list')).stdout).toBe('No policies.');
  });

  it('misuse exits 2 with a readable line, and changes nothing', async () => {
    const noName = await run('policies', 'create', '--quorum', '2');
    expect([noName.code, noName.stderr]).toEqual([
      2,
      expect.stringContaining('needs a name and an action'),
    ]);
    const badCondition = await run(
      'policies',
      'create',
      '--name',
      'x',
      '--action',
      'a.*',
      '--condition',
      'amount >>> 3',
    );
    expect(badCondition.code).toBe(2);
    expect(badCondition.stderr).toMatch(
      /validation_failed; match\.conditions\[0\]: invalid_condition/,
    );
    const missingFile = await run('policies', 'create', '--file', path.join(dir, 'nope.json'));
    expect([missingFile.code, missingFile.stderr]).toEqual([
      2,
      expect.stringContaining('Cannot read --file'),
    ]);
    expect((await run('policies', 'get')).code).toBe(2);
    expect((await run('policies', 'evaluate')).code).toBe(2);
    expect((await run('policies', 'get', 'pol_doesnotexist')).stderr).toContain('policy_not_found');
    expect((await run('policies', 'list')).stdout).toBe('No policies.');
  });

  it.each([
    ['policies'],
    ['policies', 'create'],
    ['policies', 'evaluate'],
    ['policies', 'groups', 'put'],
  ])('%s --help prints usage', async (...args) => {
    const res = await run(...args, '--help');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: keyra/m);
  });
});
