import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStorage, type DatabaseStorage } from '@keyra/storage';
import { ensureTenant, type EpochMs, type Environment, type Scope } from '../../src/index.js';

/** A migrated SQLite storage for one test, and how to drop it. */
export interface TestStorage {
  storage: DatabaseStorage;
  /** The database URL, to open a second connection to the same database. */
  url: string;
  close(): Promise<void>;
}

/**
 * Opens a real, migrated SQLite storage: in memory by default, or in a fresh temp file when the
 * test needs a file (several connections, or a look at the database after close).
 */
export async function openTestStorage(options: { file?: boolean } = {}): Promise<TestStorage> {
  if (!options.file) {
    const url = 'sqlite::memory:';
    const storage = await openStorage(url, { migrate: true });
    return { storage, url, close: () => storage.close() };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keyra-core-test-'));
  const url = `sqlite:${path.join(dir, 'keyra.db')}`;
  const storage = await openStorage(url, { migrate: true });
  return {
    storage,
    url,
    async close() {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates (or finds) the tenant called `name` and returns its scope in `environment`. */
export async function tenantScope(
  storage: DatabaseStorage,
  name: string,
  now: EpochMs,
  environment: Environment = 'sandbox',
): Promise<Scope> {
  const { tenant } = await ensureTenant(storage.tenants, name, now);
  return { tenantId: tenant.id, environment };
}
