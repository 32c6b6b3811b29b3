import { mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openStorage } from '../src/index.js';
import { storageContract } from './contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'keyra-storage-'));
let counter = 0;
const nextUrl = (): string => `sqlite:${path.join(dir, `db-${++counter}.sqlite`)}`;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

storageContract({
  kind: 'sqlite',
  async cleanDatabase() {
    const url = nextUrl();
    await migrateToLatest(url);
    return url;
  },
  emptyDatabase: () => Promise.resolve(nextUrl()),
});

describe('sqlite specifics', () => {
  it('reports its one connection as the pool', async () => {
    const storage = await openStorage(`sqlite:${path.join(dir, 'pool', 'keyra.db')}`);
    try {
      expect(storage.poolStats()).toEqual({ max: 1, total: 1, idle: 0, waiting: 0 });
    } finally {
      await storage.close();
    }
    expect(storage.poolStats().total).toBe(0);
  });

  it('creates the parent directory and uses WAL mode', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'keyra.db');
    const storage = await openStorage(`sqlite:${file}`, { migrate: true });
    try {
      expect(existsSync(file)).toBe(true);
      expect(existsSync(`${file}-wal`)).toBe(true);
      // Private to the server's user: the directory holds hashes and sealed secrets.
      expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dir, 'nested')).mode & 0o777).toBe(0o700);
    } finally {
      await storage.close();
    }
  });

  it('accepts a path relative to the working directory', async () => {
    const relative = path.relative(process.cwd(), path.join(dir, 'relative', 'keyra.db'));
    const storage = await openStorage(`sqlite:${relative}`, { migrate: true });
    try {
      expect(await storage.tenants.count()).toBe(0);
      expect(existsSync(path.resolve(relative))).toBe(true);
    } finally {
      await storage.close();
    }
  });

  it('sqlite::memory: is a private, migratable database', async () => {
    const storage = await openStorage('sqlite::memory:', { migrate: true });
    try {
      await storage.tenants.create({
        id: 'tnt_1',
        name: 'one',
        createdAt: 1,
        plan: 'pilot',
        freeCredits: 1000,
      });
      expect(await storage.tenants.count()).toBe(1);
    } finally {
      await storage.close();
    }
  });

  it('enforces foreign keys', async () => {
    const storage = await openStorage('sqlite::memory:', { migrate: true });
    try {
      await expect(
        storage.apiKeys.insert({
          id: 'key_1',
          tenantId: 'tnt_missing',
          environment: 'sandbox',
          hash: 'h',
          displayPrefix: 'sk_test_x',
          createdAt: 1,
          expiresAt: null,
          revokedAt: null,
          replacedBy: null,
          audience: 'x',
        }),
      ).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      await storage.close();
    }
  });
});
