import type { StampRecord, StampStore } from '@keyra/core';
import type { Kysely, Selectable } from 'kysely';
import { inTransaction } from '../inTransaction.js';
import type { Database, DatabaseKind, StampsTable } from '../schema.js';
import { scopeColumns } from '../inScope.js';

function fromRow(row: Selectable<StampsTable>): StampRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    environment: row.environment,
    subjectId: row.subject_id,
    method: row.method,
    proofSha256: row.proof_sha256,
    issuedAt: Number(row.issued_at),
    signature: row.signature,
    offchain: row.offchain,
    chainStatus: row.chain_status,
    chainAttempts: row.chain_attempts,
    chainNextAttemptAt: row.chain_next_attempt_at,
    chainLeaseUntil: row.chain_lease_until,
    chainId: row.chain_id === null ? null : Number(row.chain_id),
    chainTxHash: row.chain_tx_hash,
    chainUid: row.chain_uid,
    chainError: row.chain_error,
    chainConfirmedAt: row.chain_confirmed_at,
  };
}

export function createStampStore(db: Kysely<Database>, kind: DatabaseKind): StampStore {
  return {
    async insert(stamp) {
      await db
        .insertInto('stamps')
        .values({
          id: stamp.id,
          ...scopeColumns(stamp),
          subject_id: stamp.subjectId,
          method: stamp.method,
          proof_sha256: stamp.proofSha256,
          issued_at: stamp.issuedAt,
          signature: stamp.signature,
          offchain: stamp.offchain,
          chain_status: stamp.chainStatus,
          chain_attempts: stamp.chainAttempts,
          chain_next_attempt_at: stamp.chainNextAttemptAt,
          chain_lease_until: stamp.chainLeaseUntil,
          chain_id: stamp.chainId,
          chain_tx_hash: stamp.chainTxHash,
          chain_uid: stamp.chainUid,
          chain_error: stamp.chainError,
          chain_confirmed_at: stamp.chainConfirmedAt,
        })
        .execute();
    },

    async findById(id) {
      const row = await db.selectFrom('stamps').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    async claimChainDue(now, limit, leaseMs) {
      const batch = Math.max(0, Math.trunc(limit));
      if (batch === 0) return [];
      return inTransaction(db, async (trx) => {
        let select = trx
          .selectFrom('stamps')
          .select('id')
          .where('chain_status', '=', 'pending')
          .where('chain_next_attempt_at', '<=', now)
          .where((eb) =>
            eb.or([eb('chain_lease_until', 'is', null), eb('chain_lease_until', '<', now)]),
          )
          .orderBy('chain_next_attempt_at')
          .limit(batch);
        // PostgreSQL: concurrent workers skip each other's rows; SQLite serializes writers.
        if (kind === 'postgres') select = select.forUpdate().skipLocked();
        const due = await select.execute();
        if (due.length === 0) return [];
        const rows = await trx
          .updateTable('stamps')
          .set({ chain_lease_until: now + leaseMs })
          .where(
            'id',
            'in',
            due.map((row) => row.id),
          )
          .where('chain_status', '=', 'pending')
          .where((eb) =>
            eb.or([eb('chain_lease_until', 'is', null), eb('chain_lease_until', '<', now)]),
          )
          .returningAll()
          .execute();
        return rows.map(fromRow);
      });
    },

    async recordChainSubmission(id, chainId, txHash) {
      await db
        .updateTable('stamps')
        .set({ chain_id: chainId, chain_tx_hash: txHash })
        .where('id', '=', id)
        .execute();
    },

    async completeChain(id, outcome) {
      await db
        .updateTable('stamps')
        .set((eb) => ({
          chain_status: outcome.status,
          chain_attempts: eb('chain_attempts', '+', 1),
          chain_lease_until: null,
          chain_next_attempt_at: outcome.nextAttemptAt,
          chain_tx_hash: outcome.txHash,
          chain_error: outcome.error,
          ...(outcome.status === 'confirmed'
            ? { chain_uid: outcome.uid, chain_confirmed_at: outcome.now }
            : {}),
        }))
        .where('id', '=', id)
        .execute();
    },

    async countChainPending() {
      // A range of the (chain_status, chain_next_attempt_at) index: cheap enough for every scrape.
      const row = await db
        .selectFrom('stamps')
        .select((eb) => eb.fn.countAll<string | number>().as('count'))
        .where('chain_status', '=', 'pending')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },
  };
}
