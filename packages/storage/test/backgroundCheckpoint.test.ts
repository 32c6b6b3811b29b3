import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { ensureTenant } from '@keyra/core';
import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../src/index.js';
import { startCheckpointer } from '../src/internal/startCheckpointer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Whether tenant `name` is in the database file itself (not only in its write-ahead log): a copy
 * of the main file alone holds exactly what was checkpointed.
 */
function inMainFile(file: string, name: string): boolean {
  const copy = `${file}.copy`;
  copyFileSync(file, copy);
  const probe = new BetterSqlite3(copy, { readonly: true });
  try {
    return probe.prepare('select 1 from tenants where name = ?').get(name) !== undefined;
  } catch {
    return false; // not even the schema is checkpointed yet
  } finally {
    probe.close();
    rmSync(copy, { force: true });
  }
}

describe('background WAL checkpoints (SQLite)', () => {
  it('turns automatic checkpoints off on the connection and checkpoints from a worker thread', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-ckpt-'));
    dirs.push(dir);
    const file = path.join(dir, 'db.sqlite');
    const storage = await openStorage(`sqlite:${file}`, {
      migrate: true,
      backgroundCheckpointMs: 100,
    });
    try {
      // A few rows: far below the 1,000 WAL pages at which SQLite would checkpoint by itself, so
      // only the worker can copy them into the main file.
      const { tenant } = await ensureTenant(storage.tenants, 'acme', Date.now());
      expect(tenant.name).toBe('acme');
      await waitFor(() => inMainFile(file, 'acme'));
      await ensureTenant(storage.tenants, 'globex', Date.now());
      await waitFor(() => inMainFile(file, 'globex'));
    } finally {
      await storage.close();
    }
  });

  it('keeps the WAL bounded under writes that never pause', async () => {
    // With only PASSIVE checkpoints the WAL never starts over while writes keep coming (each
    // checkpoint finds new frames behind it): a server's grew to 3.2 GB in a benchmark.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-ckpt-'));
    dirs.push(dir);
    const file = path.join(dir, 'db.sqlite');
    const storage = await openStorage(`sqlite:${file}`, {
      migrate: true,
      backgroundCheckpointMs: 20,
      walRestartFrames: 256,
    });
    try {
      // Over 100 MB of WAL frames, a few pages per transaction, the event loop turning every ten
      // writes as a server's does between requests.
      let largest = 0;
      for (let i = 0; i < 6000; i += 1) {
        await ensureTenant(storage.tenants, `tenant-${i}-${'x'.repeat(200)}`, Date.now());
        if (i % 10 === 0) {
          largest = Math.max(largest, statSync(`${file}-wal`).size);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      // Without the restart this reaches 114 MB. With it, the WAL grows between restarts for as
      // long as the worker's passes and its sync of the database file take, writes going on:
      // 11–14 MB on an idle machine, 25 MB once in CI beside other test files' I/O.
      expect(largest).toBeLessThan(48 * 1024 * 1024);
      expect(await storage.tenants.findByName(`tenant-5999-${'x'.repeat(200)}`)).not.toBeNull();
    } finally {
      await storage.close();
    }
  });

  it('closes cleanly, stopping the worker, and the data is all there afterwards', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-ckpt-'));
    dirs.push(dir);
    const file = path.join(dir, 'db.sqlite');
    const storage = await openStorage(`sqlite:${file}`, {
      migrate: true,
      backgroundCheckpointMs: 50,
    });
    for (let i = 0; i < 50; i += 1) await ensureTenant(storage.tenants, `t-${i}`, Date.now());
    await storage.close();
    const again = await openStorage(`sqlite:${file}`);
    try {
      expect(await again.tenants.findByName('t-49')).not.toBeNull();
    } finally {
      await again.close();
    }
  });

  // /proc is Linux's: elsewhere the worker finds no descriptor and the restart syncs everything.
  it.runIf(existsSync('/proc/self/fd'))(
    "syncs the database file before the restart through its connection's own descriptor, keeping every lock of the process",
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-ckpt-'));
      dirs.push(dir);
      const file = path.join(dir, 'db.sqlite');
      const db = new BetterSqlite3(file);
      db.pragma('journal_mode = WAL');
      db.pragma('wal_autocheckpoint = 0');
      db.exec('create table t (id integer primary key, body text)');
      // Per restart: whether the worker synced the database file before it.
      const restarts: boolean[] = [];
      const errors: string[] = [];
      const checkpointer = startCheckpointer(
        file,
        10,
        (message) => errors.push(message),
        // Nothing to pause: SQLite's busy handler makes the test's writes wait for the restart.
        (restart) => restart(),
        64,
        (synced) => restarts.push(synced),
      );
      // This process's POSIX locks on the database file, from /proc/locks: an idle connection
      // in WAL mode holds a shared one. Closing any descriptor of the file would drop it.
      const { ino } = statSync(file);
      const locksHeld = () =>
        readFileSync('/proc/locks', 'utf8')
          .split('\n')
          .filter((line) => line.includes(` ${process.pid} `) && line.includes(`:${ino} `));
      try {
        const insert = db.prepare('insert into t (body) values (?)');
        for (let i = 0; restarts.length < 2 && i < 200_000; i += 1) {
          insert.run('x'.repeat(500));
          if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
        }
        expect(errors).toEqual([]);
        expect(restarts.length).toBeGreaterThanOrEqual(2);
        expect(restarts.every((synced) => synced)).toBe(true);
        expect(locksHeld().length).toBeGreaterThan(0);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        await checkpointer.stop();
      }
      // The worker's connection is closed; the test's connection keeps its lock.
      expect(locksHeld().length).toBeGreaterThan(0);
      db.close();
    },
  );
});
