import type { EpochMs } from '../domain.js';
import type { Storage } from '../ports.js';
import { formatTimestamp } from '../time.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface ExpiryOptions {
  /** The most challenges one transaction expires; by default the store's `expiryBatch`. */
  batchSize?: number;
}

/**
 * One sweep of the expiry job: marks overdue pending challenges expired, in batches, until none
 * are left, writing a `challenge.expired` event and audit entry for each in the same transaction,
 * and letting queued requests in between batches. Safe with many instances sweeping at once (the
 * store hands each row to one caller). Returns how many challenges this call expired (a backlog
 * of hundreds of thousands is swept without holding them all).
 */
export async function expireChallenges(
  storage: Pick<Storage, 'transaction' | 'challenges'>,
  now: EpochMs,
  options: ExpiryOptions = {},
): Promise<number> {
  const batchSize = options.batchSize ?? storage.challenges.expiryBatch;
  let expired = 0;
  for (;;) {
    const batch = await storage.transaction(async (tx) => {
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
      return rows.length;
    });
    expired += batch;
    if (batch < batchSize) return expired;
    // Let the requests that queued behind this batch in before the next.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
