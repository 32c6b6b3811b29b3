import type { CibaRequestRecord, CibaRequestStore, Environment } from '@keyra/core';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { CibaRequestsTable, Database } from '../schema.js';
import { scopeColumns } from '../inScope.js';
import { precompile } from '../precompile.js';

/** The CIBA request behind a challenge, read by every event's routing on SQLite: compiled once. */
const selectByChallenge = precompile(
  3,
  (db, challengeId: string, tenantId: string, environment: string) =>
    db
      .selectFrom('ciba_requests')
      .selectAll()
      .where('challenge_id', '=', challengeId)
      .where('tenant_id', '=', tenantId)
      .where('environment', '=', environment as Environment),
);

export function cibaRequestFromRow(row: Selectable<CibaRequestsTable>): CibaRequestRecord {
  return {
    handleHash: row.handle_hash,
    tenantId: row.tenant_id,
    environment: row.environment,
    challengeId: row.challenge_id,
    clientId: row.client_id,
    scope: row.scope,
    sealedNotificationToken: row.sealed_notification_token,
    sealedAuthReqId: row.sealed_auth_req_id,
    intervalSeconds: row.interval_seconds,
    lastPolledAt: row.last_polled_at,
    tokensIssuedAt: row.tokens_issued_at,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function createCibaRequestStore(db: Kysely<Database>): CibaRequestStore {
  return {
    async insert(request) {
      await db
        .insertInto('ciba_requests')
        .values({
          handle_hash: request.handleHash,
          ...scopeColumns(request),
          challenge_id: request.challengeId,
          client_id: request.clientId,
          scope: request.scope,
          sealed_notification_token: request.sealedNotificationToken,
          sealed_auth_req_id: request.sealedAuthReqId,
          interval_seconds: request.intervalSeconds,
          last_polled_at: request.lastPolledAt,
          tokens_issued_at: request.tokensIssuedAt,
          created_at: request.createdAt,
          expires_at: request.expiresAt,
        })
        .execute();
    },

    async findByHandle(handleHash) {
      const row = await db
        .selectFrom('ciba_requests')
        .selectAll()
        .where('handle_hash', '=', handleHash)
        .executeTakeFirst();
      return row ? cibaRequestFromRow(row) : null;
    },

    async findByChallenge(scope, challengeId) {
      const row = (await selectByChallenge(db, challengeId, scope.tenantId, scope.environment))
        .rows[0];
      return row ? cibaRequestFromRow(row) : null;
    },

    async recordPoll(handleHash, now) {
      // One conditional write: of two polls inside one interval, the database lets one through.
      const result = await db
        .updateTable('ciba_requests')
        .set({ last_polled_at: now })
        .where('handle_hash', '=', handleHash)
        .where((eb) =>
          eb.or([
            eb('last_polled_at', 'is', null),
            eb(sql<number>`last_polled_at + interval_seconds * 1000`, '<=', now),
          ]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async markTokensIssued(handleHash, now) {
      // The exactly-once write: every racer runs it, the database lets one match.
      const result = await db
        .updateTable('ciba_requests')
        .set({ tokens_issued_at: now })
        .where('handle_hash', '=', handleHash)
        .where('tokens_issued_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
