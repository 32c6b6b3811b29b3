import type { Storage } from '@keyra/core';
import { connectDatabase, pingDatabase, type PoolStats } from './internal/connectDatabase.js';
import { createSealer, type SealKind } from './internal/sealer.js';
import { createStores } from './internal/createStores.js';
import { sql } from 'kysely';
import { createDeliverySignals, DELIVERIES_CHANNEL } from './internal/deliverySignals.js';
import {
  readMigrationStatus,
  runMigrations,
  type MigrationResult,
  type MigrationStatus,
} from './internal/runMigrations.js';

export interface OpenStorageOptions {
  /** Apply pending migrations before returning. Off by default: deployments run `keyra migrate` (or the server does at boot). */
  migrate?: boolean;
  /** PostgreSQL connection pool size (default 10). Ignored for SQLite, which uses one connection. */
  poolSize?: number;
  /** SQLite: how long a write waits for a lock held by another process, in ms (default 5000). */
  busyTimeoutMs?: number;
  /**
   * SQLite files: checkpoint the write-ahead log from a worker thread every this many ms, so no
   * commit on the request path pays for it (the server uses 1000; default 0, SQLite's own).
   */
  backgroundCheckpointMs?: number;
  /**
   * With `backgroundCheckpointMs`: WAL frames (4 KiB) past which the checkpoint restarts the WAL
   * (default 4096, about 16 MiB), so writes without a pause cannot grow it without bound.
   */
  walRestartFrames?: number;
  /**
   * PostgreSQL: run the statements used over and over as named prepared statements, parsed and
   * planned once per connection (default true). Turn off behind a pooler that cannot keep them
   * (PgBouncer in transaction mode before 1.21, or without `max_prepared_statements`):
   * `KEYRA_DATABASE_PREPARED_STATEMENTS=off` for the server.
   */
  preparedStatements?: boolean;
}

/** A {@link Storage} on SQLite or PostgreSQL, with its schema management. */
export interface DatabaseStorage extends Storage {
  /** Applies pending migrations; idempotent, safe to race with other instances. */
  migrate(): Promise<MigrationResult>;
  /** Applied and pending migration names. */
  migrationStatus(): Promise<MigrationStatus>;
  /** The connection pool's use now (PostgreSQL; SQLite reports its one connection). */
  poolStats(): PoolStats;
}

/**
 * Connects to `sqlite:PATH` (relative to the working directory or absolute; `sqlite::memory:` for
 * tests) or `postgres://…` / `postgresql://…`, checks the connection and returns the stores.
 *
 * SQLite runs in WAL mode with foreign keys on and a busy timeout, so several processes can share
 * one file; the file's directory is created if missing. PostgreSQL uses a connection pool whose
 * int8 columns come back as numbers; while someone watches for webhook deliveries
 * (`watchDeliveries`), one more connection outside the pool LISTENs for other processes' commits.
 * Throws on an unsupported URL or an unreachable database.
 *
 * @example
 * const storage = await openStorage('sqlite:.keyra/keyra.db', { migrate: true });
 * try { … } finally { await storage.close(); }
 */
export async function openStorage(
  url: string,
  options: OpenStorageOptions = {},
): Promise<DatabaseStorage> {
  const { kind, db, poolStats } = await connectDatabase(url, options);
  try {
    await pingDatabase(db);
    if (options.migrate) await runMigrations(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const signals = createDeliverySignals(kind === 'postgres' ? url : null, async () => {
    await sql`select pg_notify(${DELIVERIES_CHANNEL}, '')`.execute(db);
  });
  // PostgreSQL chains audit entries and bills usage right after they commit (sealer.ts).
  const sealer = kind === 'postgres' ? createSealer(db) : null;
  let closing: Promise<void> | null = null;
  return {
    // Outside a transaction each insert commits on its own: signal right after it.
    ...createStores(
      db,
      kind,
      signals.committed,
      sealer && { pending: (tenantId, sealKind) => sealer.kick(tenantId, sealKind), sealer },
    ),
    async transaction(fn) {
      let queued = false;
      const toSeal = new Map<string, SealKind>();
      const result = await db.transaction().execute((trx) =>
        fn(
          createStores(
            trx,
            kind,
            () => {
              queued = true;
            },
            {
              pending: (tenantId, sealKind) => toSeal.set(`${sealKind}:${tenantId}`, sealKind),
              sealer: null,
            },
          ),
        ),
      );
      // Only now are the rows visible to a woken worker or the sealer; a rolled-back transaction
      // never gets here.
      if (queued) signals.committed();
      if (sealer)
        for (const [key, sealKind] of toSeal) sealer.kick(key.slice(sealKind.length + 1), sealKind);
      return result;
    },
    watchDeliveries: (listener) => signals.watch(listener),
    ping: () => pingDatabase(db),
    close() {
      closing ??= Promise.all([signals.close(), sealer?.close()]).then(() => db.destroy());
      return closing;
    },
    migrate: () => runMigrations(db),
    migrationStatus: () => readMigrationStatus(db),
    poolStats,
  };
}
