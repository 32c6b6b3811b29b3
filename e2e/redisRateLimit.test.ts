import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeyra, startKeyra, type KeyraServer } from './helpers/keyraProcess.js';
import { REDIS_URL, serviceAvailable } from './helpers/services.js';

const redisUp = await serviceAvailable(
  'Redis',
  '127.0.0.1',
  Number(new URL(REDIS_URL).port || 6379),
);

describe.skipIf(!redisUp)('rate limits shared through Redis by two server processes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-redis-'));
  const database = `sqlite:${path.join(dir, 'shared.db')}`;
  const env = {
    KEYRA_RATE_LIMIT_PER_KEY: '6',
    KEYRA_RATE_LIMIT_PER_IP: '100000',
    KEYRA_RATE_LIMIT_WINDOW_SECONDS: '3600',
  };
  let a: KeyraServer;
  let b: KeyraServer;
  let key: string;

  beforeAll(async () => {
    const created = await runKeyra([
      'keys',
      'create',
      '--env',
      'sandbox',
      '--tenant',
      'rl',
      '--database',
      database,
      '--json',
    ]);
    key = JSON.parse(created.stdout).key;
    [a, b] = await Promise.all([
      startKeyra(['--database', database, '--redis', REDIS_URL, '--data-dir', dir], { env }),
      startKeyra(['--database', database, '--redis', REDIS_URL, '--data-dir', dir], { env }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts one budget across both instances', async () => {
    const results: { server: string; status: number; remaining: string | null }[] = [];
    for (let i = 0; i < 8; i += 1) {
      const server = i % 2 ? b : a;
      const res = await fetch(`${server.url}/v1/challenges`, {
        headers: { authorization: `Bearer ${key}` },
      });
      results.push({
        server: i % 2 ? 'b' : 'a',
        status: res.status,
        remaining: res.headers.get('x-ratelimit-remaining'),
      });
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await res.json()) as { code: string }).code).toBe('rate_limit_exceeded');
      } else {
        await res.arrayBuffer();
      }
    }
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    expect(results.map((r) => r.remaining)).toEqual(['5', '4', '3', '2', '1', '0', '0', '0']);
    // Each instance alone would have allowed 6: both refused once the shared budget was spent.
    expect(results.filter((r) => r.status === 429).map((r) => r.server)).toEqual(['a', 'b']);
  });

  it('reports Redis in /readyz', async () => {
    const res = await fetch(`${a.url}/readyz`);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', rateLimitStore: 'ok' },
    });
  });
});
