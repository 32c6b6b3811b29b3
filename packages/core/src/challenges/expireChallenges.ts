import type { ChallengeRecord, EpochMs } from '../domain.js';
import type { ChallengeStore } from '../ports.js';

/**
 * One sweep of the expiry job: marks overdue pending challenges expired, in batches, until none
 * are left. Safe with many instances sweeping at once (the store hands each row to one caller).
 * Returns the challenges this call expired.
 */
export async function expireChallenges(
  store: ChallengeStore,
  now: EpochMs,
  batchSize = 500,
): Promise<ChallengeRecord[]> {
  const expired: ChallengeRecord[] = [];
  for (;;) {
    const batch = await store.expireDue(now, batchSize);
    expired.push(...batch);
    if (batch.length < batchSize) return expired;
  }
}
