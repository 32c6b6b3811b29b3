import type {
  ApprovalMethod,
  AuditDraft,
  ChallengeRecord,
  ChallengeStore,
  Environment,
  IdempotentResponse,
} from '@keyra/core';
import { sql, type Insertable, type Kysely } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import { precompile, precompileInsert } from '../precompile.js';
import type { Sealing } from '../sealer.js';
import { pendingRowOf, writeAuditEntry } from './createAuditStore.js';
import { approverRows, challengeToRow, challengeWithApprovers } from '../rows.js';
import type {
  AuditPendingTable,
  ChallengeRow,
  ChallengesTable,
  Database,
  DatabaseKind,
} from '../schema.js';
import { inScope } from '../inScope.js';
import { newestFirst } from '../newestFirst.js';

/** Challenge rows as records, a quorum challenge's with its approvers and votes (one query). */
async function hydrate(
  db: Kysely<Database>,
  rows: readonly ChallengeRow[],
): Promise<ChallengeRecord[]> {
  const quorumIds = rows.filter((row) => row.quorum !== null).map((row) => row.id);
  const approvers =
    quorumIds.length === 0
      ? []
      : await db
          .selectFrom('challenge_approvers')
          .selectAll()
          .where('challenge_id', 'in', quorumIds)
          .orderBy('challenge_id')
          .orderBy('position')
          .execute();
  return rows.map((row) =>
    challengeWithApprovers(
      row,
      approvers.filter((approver) => approver.challenge_id === row.id),
    ),
  );
}

async function hydrateOne(
  db: Kysely<Database>,
  row: ChallengeRow | undefined,
): Promise<ChallengeRecord | null> {
  return row ? ((await hydrate(db, [row]))[0] ?? null) : null;
}

/**
 * Challenges one expiry transaction takes by default. SQLite: the requests share the sweep's one
 * connection, so a transaction takes 100 (about 30 ms of writes: an event and an audit entry each)
 * and the sweep lets requests in between batches; 500 at a time held every request for 100-400 ms
 * in a burst of expiries, and smaller batches pay more per challenge and fell behind a sustained
 * stream of them. PostgreSQL's sweep blocks no request.
 */
const EXPIRY_BATCH: Record<DatabaseKind, number> = { sqlite: 100, postgres: 500 };

// The two queries of every create and every read, compiled once (precompile.ts).
const insertChallenge = precompileInsert('challenges');
const selectChallenge = precompile(3, (db, id: string, tenantId: string, environment: string) =>
  db
    .selectFrom('challenges')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', tenantId)
    .where('environment', '=', environment as Environment),
);

/** A verify's decision (the request path's one conditional write), compiled once. */
const decideWithDetails = precompile(
  9,
  (
    db,
    status: string,
    now: number,
    deviceId: string,
    method: string,
    proof: string | null,
    stampId: string | null,
    id: string,
    tenantId: string,
    environment: string,
  ) =>
    db
      .updateTable('challenges')
      .set({
        status: status as ChallengeRecord['status'],
        decided_at: now,
        device_id: deviceId,
        method: method as ApprovalMethod,
        proof,
        stamp_id: stampId,
      })
      .where('id', '=', id)
      .where('tenant_id', '=', tenantId)
      .where('environment', '=', environment as Environment)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .returningAll(),
);

/** `IdempotencyStore.complete`'s update, on the challenge's transaction. */
const completeIdempotency = precompile(
  6,
  (
    db,
    statusCode: number,
    responseBody: string,
    tenantId: string,
    environment: string,
    key: string,
    token: number,
  ) =>
    db
      .updateTable('idempotency_keys')
      .set({ state: 'completed', status_code: statusCode, response_body: responseBody })
      .where('tenant_id', '=', tenantId)
      .where('environment', '=', environment as Environment)
      .where('key', '=', key)
      .where('state', '=', 'in_progress')
      .where('locked_until', '=', token),
);
const completeIdempotencyKey = (
  db: Kysely<Database>,
  challenge: ChallengeRecord,
  response: IdempotentResponse,
): Promise<unknown> =>
  completeIdempotency(
    db,
    response.statusCode,
    response.responseBody,
    challenge.tenantId,
    challenge.environment,
    response.key,
    response.token,
  );

/**
 * PostgreSQL: a challenge and its pending audit entry in one statement (a data-modifying CTE is
 * atomic on its own), precompiled per pair of column sets like `precompileInsert`.
 */
const insertChallengeAudited = (() => {
  const byColumns = new Map<
    string,
    (db: Kysely<Database>, ...values: unknown[]) => Promise<unknown>
  >();
  return (
    db: Kysely<Database>,
    challenge: Insertable<ChallengesTable>,
    entry: Omit<AuditPendingTable, 'pos'>,
    response?: IdempotentResponse,
  ): Promise<unknown> => {
    const a = Object.keys(challenge) as (keyof typeof challenge)[];
    const b = Object.keys(entry) as (keyof typeof entry)[];
    const key = `${a.join(',')}|${b.join(',')}|${response ? 'completes' : ''}`;
    let insert = byColumns.get(key);
    if (!insert) {
      const n = a.length + b.length;
      insert = response
        ? // The Idempotency-Key's completion as the statement's last part: `complete`'s update.
          precompile(n + 6, (db: Kysely<Database>, ...values: unknown[]) =>
            db
              .with('challenge', (qb) =>
                qb
                  .insertInto('challenges')
                  .values(Object.fromEntries(a.map((column, i) => [column, values[i]])) as never),
              )
              .with('audit', (qb) =>
                qb
                  .insertInto('audit_pending')
                  .values(
                    Object.fromEntries(
                      b.map((column, i) => [column, values[a.length + i]]),
                    ) as never,
                  ),
              )
              .updateTable('idempotency_keys')
              .set({
                state: 'completed',
                status_code: values[n] as number,
                response_body: values[n + 1] as string,
              })
              .where('tenant_id', '=', values[n + 2] as string)
              .where('environment', '=', values[n + 3] as Environment)
              .where('key', '=', values[n + 4] as string)
              .where('state', '=', 'in_progress')
              .where('locked_until', '=', values[n + 5] as number),
          )
        : precompile(n, (db: Kysely<Database>, ...values: unknown[]) =>
            db
              .with('challenge', (qb) =>
                qb
                  .insertInto('challenges')
                  .values(Object.fromEntries(a.map((column, i) => [column, values[i]])) as never),
              )
              .insertInto('audit_pending')
              .values(
                Object.fromEntries(b.map((column, i) => [column, values[a.length + i]])) as never,
              ),
          );
      byColumns.set(key, insert);
    }
    return insert(
      db,
      ...a.map((column) => challenge[column]),
      ...b.map((column) => entry[column]),
      ...(response
        ? [
            response.statusCode,
            response.responseBody,
            challenge.tenant_id,
            challenge.environment,
            response.key,
            response.token,
          ]
        : []),
    );
  };
})();

export function createChallengeStore(
  db: Kysely<Database>,
  kind: DatabaseKind,
  sealing: Sealing | null = null,
): ChallengeStore {
  return {
    async insert(challenge, audit?: AuditDraft, response?: IdempotentResponse) {
      const approvers = approverRows(challenge);
      if (approvers.length === 0 && !audit && !response) {
        await insertChallenge(db, challengeToRow(challenge));
        return;
      }
      if (approvers.length === 0 && audit && kind === 'postgres') {
        await insertChallengeAudited(db, challengeToRow(challenge), pendingRowOf(audit), response);
      } else {
        await inTransaction(db, async (trx) => {
          await insertChallenge(trx, challengeToRow(challenge));
          if (approvers.length > 0)
            await trx.insertInto('challenge_approvers').values(approvers).execute();
          if (audit) await writeAuditEntry(trx, kind, audit);
          if (response) await completeIdempotencyKey(trx, challenge, response);
        });
      }
      if (audit && kind === 'postgres') sealing?.pending(audit.tenantId, 'audit');
    },

    async find(scope, id) {
      const { rows } = await selectChallenge(db, id, scope.tenantId, scope.environment);
      return hydrateOne(db, rows[0]);
    },

    async list(scope, filter, limit, after) {
      let query = db.selectFrom('challenges').selectAll().where(inScope(scope));
      const { status, asOf } = filter;
      if (status === 'pending' && asOf !== undefined)
        query = query.where('status', '=', 'pending').where('expires_at', '>', asOf);
      else if (status === 'expired' && asOf !== undefined)
        query = query.where((eb) =>
          eb.or([
            eb('status', '=', 'expired'),
            eb.and([eb('status', '=', 'pending'), eb('expires_at', '<=', asOf)]),
          ]),
        );
      else if (status !== undefined) query = query.where('status', '=', status);
      if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
      if (filter.action !== undefined) query = query.where('action', '=', filter.action);
      if (filter.createdFrom !== undefined)
        query = query.where('created_at', '>=', filter.createdFrom);
      if (filter.createdTo !== undefined) query = query.where('created_at', '<', filter.createdTo);
      const rows = await newestFirst(query, limit, after).execute();
      return hydrate(db, rows);
    },

    async decide(scope, id, status, now, details) {
      // One conditional write: every racer runs it, the database lets exactly one match.
      if (details) {
        const { rows } = await decideWithDetails(
          db,
          status,
          now,
          details.deviceId,
          details.method,
          details.proof,
          details.stampId,
          id,
          scope.tenantId,
          scope.environment,
        );
        return hydrateOne(db, rows[0]);
      }
      const row = await db
        .updateTable('challenges')
        .set({ status, decided_at: now })
        .where('id', '=', id)
        .where(inScope(scope))
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return hydrateOne(db, row);
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
      return hydrateOne(db, row);
    },

    async markShown(scope, ids, now) {
      if (ids.length === 0) return 0;
      const result = await db
        .updateTable('challenges')
        .set({ shown_at: now })
        .where(inScope(scope))
        .where('id', 'in', ids)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .where('shown_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    expiryBatch: EXPIRY_BATCH[kind],

    async expireDue(now, limit = EXPIRY_BATCH[kind]) {
      const batch = Math.max(0, Math.trunc(limit));
      if (batch === 0) return [];
      return kind === 'postgres'
        ? expireDuePostgres(db, now, batch)
        : expireDueSqlite(db, now, batch);
    },

    async listPendingFor(scope, userId, now, limit) {
      const query = db
        .selectFrom('challenges')
        .selectAll()
        .where(inScope(scope))
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .where((eb) =>
          eb.or([
            eb('user_id', '=', userId),
            eb(
              'id',
              'in',
              eb
                .selectFrom('challenge_approvers')
                .select('challenge_id')
                .where(inScope(scope))
                .where('user_id', '=', userId)
                .where('decision', 'is', null),
            ),
          ]),
        );
      return hydrate(db, await newestFirst(query, limit).execute());
    },

    async vote(scope, id, vote, now) {
      return inTransaction(db, async (trx) => {
        // The counter write first: on PostgreSQL it locks the challenge row, so votes on one
        // challenge are counted one at a time and the next voter sees this one once committed.
        const counted = await trx
          .updateTable('challenges')
          .set((eb) => ({ vote_count: eb('vote_count', '+', 1) }))
          .where('id', '=', id)
          .where(inScope(scope))
          .where('quorum', 'is not', null)
          .where('status', '=', 'pending')
          .where('expires_at', '>', now)
          .returning('id')
          .executeTakeFirst();
        if (!counted) return { outcome: 'closed' };
        const claimed = await trx
          .updateTable('challenge_approvers')
          .set({
            decision: vote.decision,
            device_id: vote.deviceId,
            method: vote.method,
            decided_at: vote.decidedAt,
          })
          .where('challenge_id', '=', id)
          .where('user_id', '=', vote.userId)
          .where('decision', 'is', null)
          .returning('user_id')
          .executeTakeFirst();
        if (!claimed) {
          // Not a vote after all: take the count back (the caller's rollback would too).
          await trx
            .updateTable('challenges')
            .set((eb) => ({ vote_count: eb('vote_count', '-', 1) }))
            .where('id', '=', id)
            .execute();
          const approver = await trx
            .selectFrom('challenge_approvers')
            .select('user_id')
            .where('challenge_id', '=', id)
            .where('user_id', '=', vote.userId)
            .executeTakeFirst();
          return { outcome: approver ? 'duplicate' : 'not_an_approver' };
        }
        const row = await trx
          .selectFrom('challenges')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        const challenge = await hydrateOne(trx, row);
        return challenge ? { outcome: 'recorded', challenge } : { outcome: 'closed' };
      });
    },
  };
}

/** SQLite serializes writers, so one UPDATE over a limited sub-select is atomic across processes. */
async function expireDueSqlite(
  db: Kysely<Database>,
  now: number,
  limit: number,
): Promise<ChallengeRecord[]> {
  return hydrate(db, await sqliteExpiryStatement(db, now, limit).execute());
}

/**
 * The SQLite sweep's one statement: expire the `limit` pending challenges that expired first
 * (exported for its query-plan test).
 */
export function sqliteExpiryStatement(db: Kysely<Database>, now: number, limit: number) {
  return (
    db
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
      // `+status` keeps SQLite off the status index for the outer rows: with it, SQLite walked
      // every pending challenge and tested each against the batch (16 ms per sweep at 52k
      // pending, every second, on the event loop); without it, it looks the batch up by id.
      .where(sql<string>`+${sql.ref('status')}`, '=', 'pending')
      .returningAll()
  );
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
    return hydrate(trx, rows);
  });
}
