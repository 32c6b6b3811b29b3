import type { DatabaseStorage } from './openStorage.js';
import { openStorage } from './openStorage.js';
import type { MigrationStatus } from './internal/runMigrations.js';

/**
 * Lists the migrations a database has applied and those still pending (for `keyra migrate
 * --status` and readiness checks). Changes nothing in the schema.
 */
export async function getMigrationStatus(
  target: string | DatabaseStorage,
): Promise<MigrationStatus> {
  if (typeof target !== 'string') return target.migrationStatus();
  const storage = await openStorage(target, { poolSize: 1 });
  try {
    return await storage.migrationStatus();
  } finally {
    await storage.close();
  }
}
