import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestPostgresDatabase,
  shouldSkipPostgres,
  type TestPostgresDatabase,
} from '../packages/storage/test/postgresTestDatabase.js';
import { runKeyra, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';

describe.skipIf(await shouldSkipPostgres())(
  'two server processes on one PostgreSQL database',
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-pg-'));
    let database: TestPostgresDatabase;
    let a: KeyraServer;
    let b: KeyraServer;
    let key: string;

    beforeAll(async () => {
      database = await createTestPostgresDatabase();
      const created = await runKeyra([
        'keys',
        'create',
        '--env',
        'sandbox',
        '--tenant',
        'pg',
        '--database',
        database.url,
        '--json',
      ]);
      expect(created.code, created.stderr).toBe(0);
      key = JSON.parse(created.stdout).key;
      // Instances of a cluster share the server secret (docs/configuration.md).
      const env = { KEYRA_SECRET: randomBytes(32).toString('hex') };
      [a, b] = await Promise.all([
        startKeyra(['--database', database.url, '--data-dir', path.join(dir, 'a')], { env }),
        startKeyra(['--database', database.url, '--data-dir', path.join(dir, 'b')], {
          env: { ...env, KEYRA_DATABASE_POOL_SIZE: '3' },
        }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    const post = (server: KeyraServer, body: object, idempotencyKey: string) =>
      fetch(`${server.url}/v1/challenges`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
      }).then(async (res) => ({
        status: res.status,
        body: await res.text(),
        replayed: res.headers.get('idempotent-replayed'),
      }));

    async function countChallenges(server: KeyraServer): Promise<number> {
      const res = await fetch(`${server.url}/v1/challenges?limit=100`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return ((await res.json()) as { data: unknown[] }).data.length;
    }

    it('replays an Idempotency-Key across instances and refuses it with another body', async () => {
      const body = {
        action: 'transfer.approve',
        userId: 'usr_8f2a',
        payload: { amount: 12500, currency: 'USD' },
      };
      const first = await post(a, body, 'cross-instance-1');
      expect(first.status).toBe(201);
      const replay = await post(b, body, 'cross-instance-1');
      expect(replay).toEqual({ status: 201, body: first.body, replayed: 'true' });
      const reused = await post(
        b,
        { ...body, payload: { amount: 99999, currency: 'USD' } },
        'cross-instance-1',
      );
      expect(reused.status).toBe(422);
      expect(JSON.parse(reused.body).code).toBe('idempotency_key_reused');
      expect(await countChallenges(a)).toBe(1);
    });

    it('lets exactly one of many concurrent retries on both instances create the challenge', async () => {
      const before = await countChallenges(a);
      const body = { action: 'deploy.production', userId: 'usr_1', payload: { sha: 'abc123' } };
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) => post(i % 2 ? b : a, body, 'race-1')),
      );
      const created = results.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThan(0);
      expect(new Set(created.map((r) => r.body)).size).toBe(1);
      for (const r of results.filter((r) => r.status !== 201)) {
        expect(r.status).toBe(409);
        expect(JSON.parse(r.body).code).toBe('idempotency_key_in_use');
      }
      expect(await countChallenges(a)).toBe(before + 1);
      // Once settled, every retry on either instance replays the one response.
      for (const server of [a, b])
        expect((await post(server, body, 'race-1')).body).toBe(created[0]!.body);
    });

    it('refuses to start an instance whose server secret differs, with the fix', async () => {
      await expect(
        startKeyra(['--database', database.url, '--data-dir', path.join(dir, 'c')]),
      ).rejects.toThrow(/same KEYRA_SECRET/);
    });

    it('sizes each instance’s pool from KEYRA_DATABASE_POOL_SIZE and never opens more', async () => {
      const gauge = async (server: KeyraServer, name: string): Promise<number> => {
        const text = await (await fetch(`${server.url}/metrics`)).text();
        return text
          .split('\n')
          .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
          .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
      };
      expect(await gauge(a, 'keyra_db_pool_max_connections')).toBe(10);
      expect(await gauge(b, 'keyra_db_pool_max_connections')).toBe(3);
      // 30 creates at once on b: they queue for its 3 connections and all succeed.
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) => post(b, { action: 'a.b', userId: 'u' }, `pool-${i}`)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(30).fill(201));
      expect(await gauge(b, 'keyra_db_pool_connections')).toBeLessThanOrEqual(3);
      expect(await gauge(b, 'keyra_db_pool_connections')).toBeGreaterThan(0);
    });

    it('serves the same challenges from both instances', async () => {
      const created = await post(a, { action: 'a.b', userId: 'u' }, 'x-1');
      const id = JSON.parse(created.body).id as string;
      const res = await fetch(`${b.url}/v1/challenges/${id}`, { headers: { 'x-api-key': key } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('pending');
    });
  },
);
