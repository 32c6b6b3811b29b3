import { Migrator, type Kysely } from 'kysely';
import { migrationProvider } from './migrations/migrations.js';
import type { Database } from './schema.js';

/** What `migrateToLatest` did. */
export interface MigrationResult {
  /** Migrations applied by this call, in order (empty when already up to date). */
  applied: string[];
  /** The latest applied migration after the call; null on an empty migration list. */
  current: string | null;
}

/** Which migrations a database has and still needs. */
export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

function migratorFor(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: migrationProvider });
}

export async function runMigrations(db: Kysely<Database>): Promise<MigrationResult> {
  const { error, results = [] } = await migratorFor(db).migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Database migration ${failed ? `${failed} ` : ''}failed: ${message}`, {
      cause: error,
    });
  }
  const applied = results
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
  const status = await readMigrationStatus(db);
  return { applied, current: status.applied.at(-1) ?? null };
}

export async function readMigrationStatus(db: Kysely<Database>): Promise<MigrationStatus> {
  const migrations = await migratorFor(db).getMigrations();
  return {
    applied: migrations.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: migrations.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}
