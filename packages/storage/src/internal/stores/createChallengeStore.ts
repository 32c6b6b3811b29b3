import type { ChallengeRecord, ChallengeStore } from '@keyra/core';
import type { Kysely } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import { challengeFromRow, challengeToRow } from '../rows.js';
import type { Database, DatabaseKind } from '../schema.js';
import { inScope } from '../inScope.js';
import { newestFirst } from '../newestFirst.js';

export function createChallengeStore(db: Kysely<Database>, kind: DatabaseKind): ChallengeStore {
  return {
    async insert(challenge) {
      await db.insertInto('challenges').values(challengeToRow(challenge)).execute();
    },

    async find(scope, id) {
      const row = await db
        .selectFrom('challenges')
        .selectAll()
        .where('id', '=', id)
        .where(inScope(scope))
        .executeTakeFirst();
      return row ? challengeFromRow(row) : null;
    },

    async list(scope, filter, limit, after) {
      let query = db.selectFrom('challenges').selectAll().where(inScope(scope));
      if (filter.status !== undefined) query = query.where('status', '=', filter.status);
      if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
      if (filter.action !== undefined) query = query.where('action', '=', filter.action);
      if (filter.createdFrom !== undefined)
        query = query.where('created_at', '>=', filter.createdFrom);
      if (filter.createdTo !== undefined) query = query.where('created_at', '<', filter.createdTo);
      const rows = await newestFirst(query, limit, after).execute();
      return rows.map(challengeFromRow);
    },

    async decide(scope, id, status, now, details) {
      // One conditional write: every racer runs it, the database lets exactly one match.
      const row = await db
        .updateTable('challenges')
        .set({
          status,
          decided_at: now,
          ...(details
            ? {
                device_id: details.deviceId,
                method: details.method,
                proof: details.proof,
                stamp_id: details.stampId,
              }
            : {}),
        })
        .where('id', '=', id)
        .where(inScope(scope))
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row ? challengeFromRow(row) : null;
    },

    async cancel(scope, id, now) {
      // The same condition as decide(): a cancel and a verify racing on one row, one wins.
      const row = await db
        .updateTable('challenges')
        .set({ status: 'canceled', decided_at: now })
        .where('id', '=', id)
        .where(inScope(scope))
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row ? challengeFromRow(row) : null;
    },

    async expireDue(now, limit) {
      const batch = Math.max(0, Math.trunc(limit));
      if (batch === 0) return [];
      return kind === 'postgres'
        ? expireDuePostgres(db, now, batch)
        : expireDueSqlite(db, now, batch);
    },
  };
}

/** SQLite serializes writers, so one UPDATE over a limited sub-select is atomic across processes. */
async function expireDueSqlite(
  db: Kysely<Database>,
  now: number,
  limit: number,
): Promise<ChallengeRecord[]> {
  const rows = await db
    .updateTable('challenges')
    .set((eb) => ({ status: 'expired', decided_at: eb.ref('expires_at') }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('challenges')
        .select('id')
        .where('status', '=', 'pending')
        .where('expires_at', '<=', now)
        .orderBy('expires_at')
        .limit(limit),
    )
    .where('status', '=', 'pending')
    .returningAll()
    .execute();
  return rows.map(challengeFromRow);
}

/**
 * PostgreSQL: lock a batch with SKIP LOCKED so concurrent sweepers take disjoint batches instead of
 * queueing on the same rows, then update only rows still pending.
 */
async function expireDuePostgres(
  db: Kysely<Database>,
  now: number,
  limit: number,
): Promise<ChallengeRecord[]> {
  return inTransaction(db, async (trx) => {
    const due = await trx
      .selectFrom('challenges')
      .select('id')
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .orderBy('expires_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return [];
    const rows = await trx
      .updateTable('challenges')
      .set((eb) => ({ status: 'expired', decided_at: eb.ref('expires_at') }))
      .where(
        'id',
        'in',
        due.map((row) => row.id),
      )
      .where('status', '=', 'pending')
      .returningAll()
      .execute();
    return rows.map(challengeFromRow);
  });
}
