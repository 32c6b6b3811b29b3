import type { DatabaseStorage } from './openStorage.js';
import { openStorage } from './openStorage.js';
import type { MigrationResult } from './internal/runMigrations.js';

/**
 * Brings a database to the current schema. Idempotent: running it on an up-to-date database
 * applies nothing. Concurrent runs are safe (PostgreSQL takes an advisory lock; SQLite
 * serializes the migration transaction). Throws, naming the migration, if one fails; a failed
 * migration is rolled back.
 *
 * Pass a URL (a connection is opened and closed) or an open storage. Note that each
 * `sqlite::memory:` URL is its own empty database: migrate those through the storage, or open
 * them with `{ migrate: true }`.
 */
export async function migrateToLatest(target: string | DatabaseStorage): Promise<MigrationResult> {
  if (typeof target !== 'string') return target.migrate();
  const storage = await openStorage(target, { poolSize: 1 });
  try {
    return await storage.migrate();
  } finally {
    await storage.close();
  }
}
