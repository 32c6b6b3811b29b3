import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createSqliteDialect } from './createSqliteDialect.js';
import { withNamedStatements } from './namedStatements.js';
import {
  startCheckpointer,
  WAL_SIZE_LIMIT_BYTES,
  type Checkpointer,
  type WithWritesPaused,
} from './startCheckpointer.js';
import type { Database, DatabaseKind } from './schema.js';

export interface ConnectOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** SQLite: how long a writer waits for the lock held by another connection or process. */
  busyTimeoutMs?: number;
  /**
   * SQLite file databases: checkpoint the write-ahead log from a worker thread every this many ms
   * instead of inside commits on this connection (long-lived servers; 0 = SQLite's default).
   */
  backgroundCheckpointMs?: number;
  /** With `backgroundCheckpointMs`: WAL frames past which the checkpoint restarts the WAL. */
  walRestartFrames?: number;
  /**
   * PostgreSQL: send the statements run over and over as named prepared statements (default
   * true). Turn off behind a pooler that cannot keep them (PgBouncer in transaction mode before
   * 1.21, or without `max_prepared_statements`).
   */
  preparedStatements?: boolean;
}

/** Connection pool use at one moment (`keyra_db_pool_*` metrics). */
export interface PoolStats {
  /** The most connections the pool opens (SQLite: its one connection). */
  max: number;
  /** Connections open now, busy or idle. */
  total: number;
  /** Open connections not lent to a query. */
  idle: number;
  /** Queries waiting for a connection because all `max` are busy. */
  waiting: number;
}

export interface Connection {
  kind: DatabaseKind;
  db: Kysely<Database>;
  poolStats(): PoolStats;
}

const PG_INT8_OID = 20;

/** Parses PostgreSQL int8 to a JS number; refuses values a double cannot hold exactly. */
function parseInt8(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed))
    throw new RangeError(`int8 value ${value} is outside the safe integer range`);
  return parsed;
}

// Per-pool parsers: the process-wide pg.types stays untouched for other pg users.
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === PG_INT8_OID && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** `sqlite:PATH` → PATH (`:memory:` kept as is); null for other schemes. */
export function sqlitePathOf(url: string): string | null {
  if (!url.startsWith('sqlite:')) return null;
  return url.slice('sqlite:'.length);
}

export function isPostgresUrl(url: string): boolean {
  return url.startsWith('postgres://') || url.startsWith('postgresql://');
}

/** Opens a Kysely instance for a `sqlite:` or `postgres://` URL. Throws for anything else. */
export async function connectDatabase(
  url: string,
  options: ConnectOptions = {},
): Promise<Connection> {
  const file = sqlitePathOf(url);
  if (file !== null) {
    if (file === '')
      throw new Error(
        'sqlite: URL needs a file path, e.g. sqlite:.keyra/keyra.db or sqlite::memory:',
      );
    if (file !== ':memory:')
      // 0700: the directory holds the database (hashes and sealed secrets) and, by default, the
      // server secret; created directories are private to the server's user.
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
    // `timeout` is SQLite's busy_timeout: writers wait for another connection's lock instead of failing.
    const database = new BetterSqlite3(file, { timeout: options.busyTimeoutMs ?? 5000 });
    try {
      database.pragma('journal_mode = WAL');
      database.pragma('foreign_keys = ON');
      database.pragma('synchronous = NORMAL');
    } catch (error) {
      database.close();
      throw error;
    }
    const checkpointMs = options.backgroundCheckpointMs ?? 0;
    let checkpointer: Checkpointer | null = null;
    let kysely: Kysely<Database> | null = null;
    // Holding the one connection pauses every write of this process; it is granted between
    // transactions, never inside one.
    const withWritesPaused: WithWritesPaused = async (restart) => {
      await kysely?.connection().execute(() => restart());
    };
    if (checkpointMs > 0 && file !== ':memory:') {
      database.pragma('wal_autocheckpoint = 0');
      // A WAL file that grew past this (a burst between checkpoints) is cut back when it restarts.
      // The cut runs inside the next commit on this thread (12.8 ms under strace, from over
      // 100 MiB to 64) and the file then grows again, block by block: the limit sits above what a
      // second of creates at the benchmark machine's saturation leaves (220–250 MiB), so steady
      // load does not truncate.
      database.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      checkpointer = startCheckpointer(
        path.resolve(file),
        checkpointMs,
        () => {
          // Back to SQLite's own checkpoints rather than a WAL that only grows.
          if (database.open) database.pragma('wal_autocheckpoint = 1000');
        },
        withWritesPaused,
        options.walRestartFrames,
      );
    }
    kysely = new Kysely<Database>({
      dialect: createSqliteDialect(database, file, () => checkpointer?.stop()),
    });
    return {
      kind: 'sqlite',
      db: kysely,
      // One synchronous connection: queries never wait for another.
      poolStats: () => ({ max: 1, total: database.open ? 1 : 0, idle: 0, waiting: 0 }),
    };
  }
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      types: pgTypes,
      // Without a bound, a connection attempt to an unreachable host waits for TCP to give up
      // (minutes); with it, the request fails with 503 and the client retries.
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    // When PostgreSQL restarts or the network drops, a connection with no query running fails
    // with nothing to reject: pg emits 'error' on the pool (idle connections) or on the client
    // itself (checked out, between a transaction's queries), and an 'error' event nobody listens
    // to kills the process. The broken connection is discarded on release (it is no longer
    // queryable) and the next query opens a new one; queries that run while the database is away
    // reject, which the server answers with 503 service_unavailable.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: options.preparedStatements === false ? pool : withNamedStatements(pool),
      }),
    });
    const max = options.poolSize ?? 10;
    return {
      kind: 'postgres',
      db,
      poolStats: () => ({
        max,
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }),
    };
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? '(none)';
  throw new Error(
    `Unsupported database URL (scheme ${JSON.stringify(scheme)}): use sqlite:PATH, sqlite::memory: or postgres://USER@HOST:PORT/DB`,
  );
}

/** A cheap round trip; throws when the database is unreachable. */
export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
