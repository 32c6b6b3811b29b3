import type { ChallengeRecord, EpochMs } from '../domain.js';
import type { Storage } from '../ports.js';
import { formatTimestamp } from '../time.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface ExpiryOptions {
  /** The most challenges one transaction expires (default 500). */
  batchSize?: number;
  /**
   * Keeps each transaction near this many milliseconds by sizing the next batch from the pace of
   * the last one (from 8 up to `batchSize`), and yields to the event loop between batches. For
   * SQLite, whose one connection the requests share: a 500-challenge transaction (an event and an
   * audit entry each) held it for 100-200 ms, and a backlog of them stalled every request for
   * seconds. Null (the default): every batch is `batchSize`.
   */
  budgetMs?: number | null;
}

const FIRST_BUDGETED_BATCH = 8;

/**
 * One sweep of the expiry job: marks overdue pending challenges expired, in batches, until none
 * are left, writing a `challenge.expired` event and audit entry for each in the same transaction.
 * Safe with many instances sweeping at once (the store hands each row to one caller). Returns the
 * challenges this call expired.
 */
export async function expireChallenges(
  storage: Pick<Storage, 'transaction'>,
  now: EpochMs,
  options: ExpiryOptions = {},
): Promise<ChallengeRecord[]> {
  const maxBatch = options.batchSize ?? 500;
  const budgetMs = options.budgetMs ?? null;
  let batchSize = budgetMs === null ? maxBatch : Math.min(FIRST_BUDGETED_BATCH, maxBatch);
  const expired: ChallengeRecord[] = [];
  for (;;) {
    let heldMs = 0;
    const batch = await storage.transaction(async (tx) => {
      const started = performance.now();
      const rows = await tx.challenges.expireDue(now, batchSize);
      // Tenant order: on SQLite the whole transaction holds the write lock anyway, and on
      // PostgreSQL appends lock no chain head (the sealer chains them after the commit); the order
      // keeps each tenant's entries together in the chain.
      const byTenant = [...rows].sort((a, b) =>
        a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0,
      );
      for (const challenge of byTenant) {
        const scope = { tenantId: challenge.tenantId, environment: challenge.environment };
        await recordEvent(
          tx,
          { tenantId: challenge.tenantId, environment: challenge.environment },
          'challenge.expired',
          {
            challengeId: challenge.id,
            action: challenge.action,
            userId: challenge.userId,
            ...(challenge.quorum
              ? { approvers: challenge.quorum.approvers, quorum: challenge.quorum.quorum }
              : {}),
            expiredAt: formatTimestamp(challenge.expiresAt),
            metadata: challenge.metadata,
          },
          now,
        );
        await appendAudit(
          tx,
          scope,
          {
            type: 'challenge.expired',
            actor: 'system',
            subject: challenge.id,
            data: { expiredAt: formatTimestamp(challenge.expiresAt) },
          },
          now,
        );
      }
      heldMs = performance.now() - started;
      return rows;
    });
    expired.push(...batch);
    if (batch.length < batchSize) return expired;
    if (budgetMs !== null) {
      const perChallenge = heldMs / batch.length;
      batchSize = Math.max(
        1,
        Math.min(maxBatch, Math.floor(budgetMs / Math.max(perChallenge, 0.001))),
      );
      // Let the requests that queued behind this batch in.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
