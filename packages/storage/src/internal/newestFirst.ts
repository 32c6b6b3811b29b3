import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';

/** Tables listed newest first by (created_at, id) with keyset pagination. */
type KeysetTable = 'challenges' | 'events' | 'verify_logs' | 'audit_checkpoints';

/**
 * Orders newest first (created_at desc, id desc), keeps only rows strictly after the keyset
 * position `after` (older, or as old with a smaller id), and takes `limit` rows.
 */
export function newestFirst<T extends KeysetTable, O>(
  query: SelectQueryBuilder<Database, T, O>,
  limit: number,
  after?: { createdAt: number; id: string },
): SelectQueryBuilder<Database, T, O> {
  const positioned = after
    ? query.where(
        sql<boolean>`(created_at < ${after.createdAt} or (created_at = ${after.createdAt} and id < ${after.id}))`,
      )
    : query;
  return positioned
    .orderBy(sql`created_at`, 'desc')
    .orderBy(sql`id`, 'desc')
    .limit(Math.max(0, Math.trunc(limit)));
}
