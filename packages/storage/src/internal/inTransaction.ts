import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Runs `fn` in a transaction: a new one, or the caller's when the stores are already bound to a
 * transaction (`storage.transaction(tx => tx.apiKeys.rotate(…))`), since Kysely cannot nest them.
 */
export async function inTransaction<T>(
  db: Kysely<Database>,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) return fn(db);
  return db.transaction().execute(fn);
}
