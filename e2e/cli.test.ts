import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meterVerification } from '@keyra/core';
import { openStorage } from '@keyra/storage';
import { createKey, runKeyra, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

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
    [['clients']],
    [['clients', 'create']],
    [['clients', 'list']],
    [['clients', 'revoke']],
    [['usage']],
    [['tenants', 'list']],
    [['tenants', 'plan']],
    [['eas', 'schema']],
    [['eas', 'register-schema']],
    [['challenges', 'create']],
    [['challenges', 'get']],
    [['challenges', 'list']],
    [['events', 'list']],
    [['webhooks', 'list']],
    [['listen']],
    [['challenges', 'cancel']],
    [['mcp']],
    [['audit', 'verify']],
    [['console', 'invite']],
  ])('%j --help prints usage', async (args) => {
    const res = await runKeyra([...args, '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^Usage: keyra/m);
  });

  it('creates, lists and revokes OAuth clients; the secret is shown once and never listed', async () => {
    const clientsDb = `sqlite:${path.join(dir, 'clients.db')}`;
    const run = (args: string[]) => runKeyra([...args, '--database', clientsDb]);
    const created = await run([
      'clients',
      'create',
      '--env',
      'sandbox',
      '--tenant',
      'oidc',
      '--name',
      'Agent',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toMatchObject({ env: 'sandbox', tenant: 'oidc', delivery: 'poll' });
    expect(client.clientId).toMatch(/^cli_/);
    expect(client.clientSecret).toMatch(/^cs_[0-9A-Za-z]{32}$/);

    const noUrl = await run([
      'clients',
      'create',
      '--env',
      'sandbox',
      '--tenant',
      'oidc',
      '--name',
      'P',
      '--delivery',
      'ping',
    ]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/needs a notification URL/);
    const privateUrl = await run([
      'clients',
      'create',
      '--env',
      'sandbox',
      '--tenant',
      'oidc',
      '--name',
      'P',
      '--delivery',
      'push',
      '--notify-url',
      'https://127.0.0.1/cb',
    ]);
    expect(privateUrl.code).toBe(2);
    expect(privateUrl.stderr).toMatch(/notification URL was refused/);

    const listed = await run(['clients', 'list', '--tenant', 'oidc', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ clientId: client.clientId, state: 'active', delivery: 'poll' }),
    ]);
    expect(listed.stdout).not.toContain(client.clientSecret);

    const revoked = await run(['clients', 'revoke', client.clientId, '--json']);
    expect(JSON.parse(revoked.stdout)).toEqual({ clientId: client.clientId, revoked: true });
    const again = await run(['clients', 'revoke', client.clientId]);
    expect([again.code, again.stderr]).toEqual([2, expect.stringMatching(/already revoked/)]);
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

  it('usage reports metered verifications per day, credits and overage; tenants shows and sets plans', async () => {
    const created = await runKeyra([
      'keys',
      'create',
      '--env',
      'sandbox',
      '--tenant',
      'metered',
      '--database',
      database,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const storage = await openStorage(database);
    try {
      const tenant = (await storage.tenants.findByName('metered'))!;
      const sandbox = { tenantId: tenant.id, environment: 'sandbox' as const };
      const day = Date.UTC(2026, 10, 20, 12);
      await meterVerification(storage, sandbox, 'chl_a', 'device', day);
      await meterVerification(storage, sandbox, 'chl_a', 'device', day); // the same subject: once
      await meterVerification(storage, sandbox, 'chl_b', 'passkey', day + 86_400_000);
      await meterVerification(
        storage,
        { ...sandbox, environment: 'production' },
        'pc_c',
        'voice',
        day,
      );
    } finally {
      await storage.close();
    }
    const range = ['--from', '2026-11-19', '--to', '2026-11-22'];
    const json = await runKeyra([
      'usage',
      '--tenant',
      'metered',
      ...range,
      '--database',
      database,
      '--json',
    ]);
    expect(json.code, json.stderr).toBe(0);
    const [sandbox, production] = JSON.parse(json.stdout);
    expect(sandbox).toMatchObject({
      environment: 'sandbox',
      plan: 'pilot',
      credits: { granted: 1000, used: 3, remaining: 997 },
      totals: { verifications: 2, byMethod: { device: 1, passkey: 1, voice: 0 } },
    });
    expect(sandbox.days.map((d: { verifications: number }) => d.verifications)).toEqual([
      0, 1, 1, 0,
    ]);
    expect(production.totals).toMatchObject({ verifications: 1, byMethod: { voice: 1 } });

    const text = await runKeyra([
      'usage',
      '--tenant',
      'metered',
      '--env',
      'sandbox',
      ...range,
      '--database',
      database,
    ]);
    expect(text.stdout).toContain('3 of 1000 free proofs used, 997 left; 0 overage');
    expect(text.stdout).toMatch(/2026-11-20\s+1\s+1\s+0\s+1\s+0\s+0/);

    const plan = await runKeyra(['tenants', 'plan', 'metered', 'scale', '--database', database]);
    expect(plan.stdout).toContain('Tenant "metered" is now on the scale plan (was pilot).');
    const list = JSON.parse(
      (await runKeyra(['tenants', 'list', '--database', database, '--json'])).stdout,
    );
    expect(list.find((t: { name: string }) => t.name === 'metered')).toMatchObject({
      plan: 'scale',
      freeCredits: 1000,
      creditsRemaining: 997,
      verifications: 3,
    });

    const noTenant = await runKeyra(['usage', '--tenant', 'nobody', '--database', database]);
    expect(noTenant.code).toBe(2);
    expect(noTenant.stderr).toMatch(/No tenant named "nobody".*keyra keys create/);
    const badDay = await runKeyra([
      'usage',
      '--tenant',
      'metered',
      '--from',
      '2026-11-31',
      '--database',
      database,
    ]);
    expect(badDay.code).toBe(2);
    expect(badDay.stderr).toMatch(/not a UTC day.*--from\/--to YYYY-MM-DD/);
    const badPlan = await runKeyra(['tenants', 'plan', 'metered', 'gold', '--database', database]);
    expect(badPlan.code).not.toBe(0);
    expect(badPlan.stderr).toMatch(/pilot, production, scale/);
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

describe('keyra challenges, events and webhooks (through the API of a running server)', () => {
  const apiDir = mkdtempSync(path.join(os.tmpdir(), 'keyra-cli-api-'));
  const database = `sqlite:${path.join(apiDir, 'api.db')}`;
  let server: KeyraServer;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    server = await startKeyra(['--database', database]);
    env = { KEYRA_API_KEY: await createKey(database), KEYRA_BASE_URL: server.url };
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(apiDir, { recursive: true, force: true });
  });
  const keyra = (...args: string[]) => runKeyra(args, { env });

  it('creates, gets and lists challenges as JSON, with payload, audience and metadata', async () => {
    const created = await keyra(
      'challenges',
      'create',
      '--action',
      'transfer.approve',
      '--user-id',
      'usr_cli',
      '--payload',
      '{"amount":12500,"currency":"USD"}',
      '--expires-in',
      '300',
      '--audience',
      'payments-api',
      '--metadata',
      'orderId=ord_1',
      'team=payments',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const { id, status } = JSON.parse(created.stdout);
    expect([id, status]).toEqual([expect.stringMatching(/^chl_/), 'pending']);
    const got = await keyra('challenges', 'get', id, '--json');
    expect(JSON.parse(got.stdout)).toMatchObject({
      id,
      action: 'transfer.approve',
      userId: 'usr_cli',
      payload: { amount: 12500, currency: 'USD' },
      audience: 'payments-api',
      metadata: { orderId: 'ord_1', team: 'payments' },
    });
    const human = await keyra('challenges', 'get', id);
    expect(human.stdout).toContain(`${id}  pending`);
    const listed = JSON.parse(
      (await keyra('challenges', 'list', '--status', 'pending', '--json')).stdout,
    );
    expect(listed.data.map((c: { id: string }) => c.id)).toContain(id);
    const canceled = await keyra('challenges', 'cancel', id, '--json');
    expect(JSON.parse(canceled.stdout)).toMatchObject({ id, status: 'canceled' });
    const again = await keyra('challenges', 'cancel', id);
    expect([again.code, again.stdout.trim()]).toEqual([0, `${id} is canceled.`]);
    const events = JSON.parse((await keyra('events', 'list', '--json')).stdout);
    expect(events).toMatchObject({ hasMore: false, nextCursor: null });
    expect(events.data).toEqual([
      expect.objectContaining({
        type: 'challenge.canceled',
        data: expect.objectContaining({
          challengeId: id,
          metadata: { orderId: 'ord_1', team: 'payments' },
        }),
      }),
    ]);
    const webhooks = await keyra('webhooks', 'list', '--json');
    expect(JSON.parse(webhooks.stdout)).toEqual({ data: [] });
  });

  it('fails with one readable line and exit 2: no key, bad input, unknown id, server down', async () => {
    const noKey = await runKeyra(['challenges', 'list'], { env: { KEYRA_API_KEY: '' } });
    expect([noKey.code, noKey.stderr]).toEqual([
      2,
      expect.stringMatching(/KEYRA_API_KEY is not set/),
    ]);
    const badPayload = await keyra(
      'challenges',
      'create',
      '--action',
      'a.b',
      '--user-id',
      'u',
      '--payload',
      '[1]',
    );
    expect([badPayload.code, badPayload.stderr]).toEqual([2, expect.stringMatching(/JSON object/)]);
    const badAction = await keyra(
      'challenges',
      'create',
      '--action',
      'Bad Action',
      '--user-id',
      'u',
    );
    expect([badAction.code, badAction.stderr]).toEqual([
      2,
      expect.stringMatching(/action must match/),
    ]);
    const missing = await keyra('challenges', 'get', 'chl_doesnotexist0000');
    expect([missing.code, missing.stderr]).toEqual([
      2,
      expect.stringMatching(/challenge_not_found/),
    ]);
    const badStatus = await keyra('challenges', 'list', '--status', 'done');
    expect(badStatus.stderr).toMatch(/Allowed choices are pending, approved, rejected, expired/);
    const wrongKey = await runKeyra(['events', 'list'], {
      env: { ...env, KEYRA_API_KEY: 'sk_test_00000000000000000000000000000000' },
    });
    expect([wrongKey.code, wrongKey.stderr]).toEqual([
      2,
      expect.stringMatching(/refused KEYRA_API_KEY/),
    ]);
    const down = await runKeyra(['webhooks', 'list'], {
      env: { ...env, KEYRA_BASE_URL: 'http://127.0.0.1:9' },
    });
    expect([down.code, down.stderr]).toEqual([2, expect.stringMatching(/Is keyra serve running/)]);
  }, 60_000);
});
