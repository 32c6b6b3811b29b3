import type { Environment, IdempotencyClaim, IdempotencyStore } from '@keyra/core';
import { sql, type Kysely } from 'kysely';
import { idempotencyFromRow } from '../rows.js';
import type { Database, DatabaseKind } from '../schema.js';
import { inScope } from '../inScope.js';
import { precompile } from '../precompile.js';

/** A claim loops only when the row vanished between its insert and its read (released or purged). */
const MAX_CLAIM_ATTEMPTS = 5;

/**
 * Rows one purge statement deletes. On SQLite the requests share the connection: one statement
 * deleting an hour of records (300,000 rows took 490 ms here) stalled every request; 1,000 take
 * about 2 ms, and requests get in between.
 */
const PURGE_BATCH: Record<DatabaseKind, number> = { sqlite: 1_000, postgres: 10_000 };

/** The claim's insert, compiled once (it runs on every request with an Idempotency-Key). */
const insertClaim = precompile(
  8,
  (
    db,
    tenantId: string,
    environment: string,
    key: string,
    fingerprint: string,
    method: string,
    path: string,
    createdAt: number,
    lockedUntil: number,
  ) =>
    db
      .insertInto('idempotency_keys')
      .values({
        tenant_id: tenantId,
        environment: environment as Environment,
        key,
        fingerprint,
        method,
        path,
        state: 'in_progress',
        status_code: null,
        response_body: null,
        created_at: createdAt,
        locked_until: lockedUntil,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'environment', 'key']).doNothing())
      .returning('key'),
);

export function createIdempotencyStore(db: Kysely<Database>, kind: DatabaseKind): IdempotencyStore {
  return {
    async claim(input): Promise<IdempotencyClaim> {
      const { scope, key, now } = input;
      const fresh = {
        fingerprint: input.fingerprint,
        method: input.method,
        path: input.path,
        state: 'in_progress' as const,
        status_code: null,
        response_body: null,
        created_at: now,
        locked_until: now + input.lockMs,
      };
      for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
        const { rows: inserted } = await insertClaim(
          db,
          scope.tenantId,
          scope.environment,
          key,
          fresh.fingerprint,
          fresh.method,
          fresh.path,
          fresh.created_at,
          fresh.locked_until,
        );
        if (inserted.length > 0) return { outcome: 'claimed', token: fresh.locked_until };

        const row = await db
          .selectFrom('idempotency_keys')
          .selectAll()
          .where(inScope(scope))
          .where('key', '=', key)
          .executeTakeFirst();
        if (!row) continue;

        const isExpired = row.created_at < now - input.retentionMs;
        const isAbandoned = row.state === 'in_progress' && row.locked_until < now;
        if (!isExpired && !isAbandoned) {
          const record = idempotencyFromRow(row);
          return row.state === 'completed'
            ? { outcome: 'completed', record }
            : { outcome: 'in_progress', record };
        }

        // Take the stale row over only if it is still the version we read: of several racers, one
        // update matches (PostgreSQL re-checks the WHERE after waiting for the row lock); the others
        // re-read and find the winner's fresh claim.
        const taken = await db
          .updateTable('idempotency_keys')
          .set(fresh)
          .where(inScope(scope))
          .where('key', '=', key)
          .where('state', '=', row.state)
          .where('created_at', '=', row.created_at)
          .where('locked_until', '=', row.locked_until)
          .executeTakeFirst();
        if (Number(taken.numUpdatedRows) > 0)
          return { outcome: 'claimed', token: fresh.locked_until };
      }
      throw new Error(`Idempotency key claim did not settle after ${MAX_CLAIM_ATTEMPTS} attempts`);
    },

    // The claim token is the claim's locked_until: a takeover always sets a later one.
    async complete(scope, key, token, statusCode, responseBody) {
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'completed', status_code: statusCode, response_body: responseBody })
        .where(inScope(scope))
        .where('key', '=', key)
        .where('state', '=', 'in_progress')
        .where('locked_until', '=', token)
        .execute();
    },

    async release(scope, key, token) {
      await db
        .deleteFrom('idempotency_keys')
        .where(inScope(scope))
        .where('key', '=', key)
        .where('state', '=', 'in_progress')
        .where('locked_until', '=', token)
        .execute();
    },

    async purgeCreatedBefore(before, batchSize = PURGE_BATCH[kind]) {
      let purged = 0;
      for (;;) {
        const batch =
          kind === 'sqlite'
            ? sql`delete from idempotency_keys where rowid in (select rowid from idempotency_keys
                where created_at < ${before} limit ${batchSize})`
            : sql`delete from idempotency_keys where (tenant_id, environment, key) in (select
                tenant_id, environment, key from idempotency_keys where created_at < ${before}
                limit ${batchSize})`;
        const deleted = Number((await batch.execute(db)).numAffectedRows ?? 0n);
        purged += deleted;
        if (deleted < batchSize) return purged;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    },
  };
}
