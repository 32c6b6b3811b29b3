import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runKeyra } from './helpers/keyraProcess.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-cli-'));
const database = `sqlite:${path.join(dir, 'cli.db')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keyra CLI', () => {
  it.each([
    [[]],
    [['serve']],
    [['migrate']],
    [['keys']],
    [['keys', 'create']],
    [['keys', 'list']],
    [['keys', 'rotate']],
    [['keys', 'revoke']],
  ])('%j --help prints usage', async (args) => {
    const res = await runKeyra([...args, '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: keyra/m);
  });

  it('migrate is idempotent', async () => {
    const first = await runKeyra(['migrate', '--database', database, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    const second = await runKeyra(['migrate', '--database', database, '--json']);
    expect(JSON.parse(second.stdout).applied).toEqual([]);
    expect(JSON.parse(second.stdout).current).toBe(JSON.parse(first.stdout).current);
  });

  it('creates, lists, rotates and revokes keys', async () => {
    const created = await runKeyra([
      'keys',
      'create',
      '--env',
      'production',
      '--tenant',
      'acme',
      '--database',
      database,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ env: 'production', tenant: 'acme' });
    expect(key.id).toMatch(/^key_/);
    expect(key.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);

    const listed = JSON.parse(
      (await runKeyra(['keys', 'list', '--tenant', 'acme', '--database', database, '--json']))
        .stdout,
    );
    expect(listed).toEqual([
      expect.objectContaining({ id: key.id, state: 'active', env: 'production' }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(key.key);

    const rotated = await runKeyra([
      'keys',
      'rotate',
      key.id,
      '--grace',
      '60',
      '--database',
      database,
      '--json',
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const replacement = JSON.parse(rotated.stdout);
    expect(replacement.key).toMatch(/^sk_live_/);
    expect(replacement.oldKeyId).toBe(key.id);
    const states = JSON.parse(
      (await runKeyra(['keys', 'list', '--tenant', 'acme', '--database', database, '--json']))
        .stdout,
    );
    expect(
      Object.fromEntries(states.map((k: { id: string; state: string }) => [k.id, k.state])),
    ).toEqual({
      [key.id]: 'rotating',
      [replacement.id]: 'active',
    });

    const revoked = await runKeyra([
      'keys',
      'revoke',
      replacement.id,
      '--database',
      database,
      '--json',
    ]);
    expect(JSON.parse(revoked.stdout)).toEqual({ id: replacement.id, revoked: true });
    const again = await runKeyra(['keys', 'revoke', replacement.id, '--database', database]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already revoked');
  });

  it('explains mistakes in one line with the fix', async () => {
    const badEnv = await runKeyra(['keys', 'create', '--env', 'staging', '--database', database]);
    expect(badEnv.code).not.toBe(0);
    expect(badEnv.stderr).toContain('Allowed choices are sandbox, production');
    const badDb = await runKeyra(['keys', 'list', '--database', 'mysql://x']);
    expect(badDb.code).toBe(2);
    expect(badDb.stderr).toMatch(/--database must be sqlite:PATH or postgres:\/\//);
    const noTenant = await runKeyra(['keys', 'list', '--tenant', 'nobody', '--database', database]);
    expect(noTenant.stderr).toContain('keyra keys create --tenant nobody');
    const badPort = await runKeyra(['serve', '--port', 'eighty', '--database', database]);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('--port / KEYRA_PORT must be an integer');
  });
});
