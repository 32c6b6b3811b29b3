import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

/** The part of a better-sqlite3 database that Kysely's SQLite driver calls. */
export interface PreparingDatabase {
  prepare(sql: string): Statement;
  close(): void;
}

/**
 * Kysely's SQLite driver calls `prepare(sql)` for every query, and preparing (parsing and planning
 * the SQL) costs more than running a typical indexed read or insert. This wrapper keeps the
 * prepared statements of the last `capacity` distinct SQL strings and hands them out again.
 *
 * Reuse is safe because the driver runs one query at a time on the connection and reads every
 * result fully (`all`/`run`) before the next; SQLite re-prepares a cached statement by itself when
 * a migration changes the schema under it.
 */
export function cacheStatements(database: SqliteDatabase, capacity = 256): PreparingDatabase {
  const statements = new Map<string, Statement>();
  return {
    prepare(sql: string): Statement {
      const cached = statements.get(sql);
      if (cached) {
        // Move to the back: the Map's insertion order is the recency order.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next().value as string;
        statements.delete(oldest);
      }
      return statement;
    },
    close(): void {
      statements.clear();
      database.close();
    },
  };
}
