import path from 'node:path';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { cacheStatements } from './cacheStatements.js';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';

/** A FIFO async lock. */
class Mutex {
  #tail: Promise<void> = Promise.resolve();

  async lock(): Promise<() => void> {
    let release!: () => void;
    const previous = this.#tail;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    return release;
  }
}

// better-sqlite3 is synchronous: if two connections of one process interleave (one inside a
// transaction, awaiting, the other writing), SQLite's busy handler blocks the thread the holder
// needs, and the waiter fails with SQLITE_BUSY after busy_timeout. So every connection of this
// process to one file takes the same lock; other processes wait on SQLite's own lock instead.
const fileLocks = new Map<string, Mutex>();

function lockFor(file: string): Mutex | null {
  if (file === ':memory:' || file === '') return null;
  const key = path.resolve(file);
  let mutex = fileLocks.get(key);
  if (!mutex) {
    mutex = new Mutex();
    fileLocks.set(key, mutex);
  }
  return mutex;
}

/**
 * Transactions start with `BEGIN IMMEDIATE`: the write lock is taken up front (waiting up to
 * busy_timeout), so a transaction that reads before it writes cannot fail with SQLITE_BUSY when
 * another process committed in between.
 */
class KeyraSqliteDriver extends SqliteDriver {
  readonly #fileLock: Mutex | null;
  #release: (() => void) | null = null;

  constructor(config: SqliteDialectConfig, fileLock: Mutex | null) {
    super(config);
    this.#fileLock = fileLock;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    // The driver's own mutex first (one user of this connection at a time), then the file's.
    const connection = await super.acquireConnection();
    if (this.#fileLock) this.#release = await this.#fileLock.lock();
    return connection;
  }

  override async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
    await super.releaseConnection();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** SQLite runs DDL inside transactions, so migrations run in one (atomic, and serialized across processes). */
class KeyraSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * The Kysely dialect for one better-sqlite3 connection to `file`, with its statements cached;
 * `beforeClose` runs (and is awaited) before the connection closes.
 */
export function createSqliteDialect(
  database: SqliteDatabase,
  file: string,
  beforeClose?: () => Promise<void> | undefined,
): Dialect {
  const config: SqliteDialectConfig = { database: cacheStatements(database) };
  const fileLock = lockFor(file);
  return new (class extends SqliteDialect {
    override createDriver(): Driver {
      const driver = new KeyraSqliteDriver(config, fileLock);
      if (beforeClose) {
        const destroy = driver.destroy.bind(driver);
        driver.destroy = async () => {
          await beforeClose();
          await destroy();
        };
      }
      return driver;
    }
    override createAdapter(): DialectAdapter {
      return new KeyraSqliteAdapter();
    }
  })(config);
}
