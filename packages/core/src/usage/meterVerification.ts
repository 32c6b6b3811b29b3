import type { EpochMs, Scope } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { ProofMethod } from '../proofs/signProof.js';
import type { UsageStore } from '../ports.js';

/** UTC `YYYY-MM-DD` of an instant. */
export function utcDay(at: EpochMs): string {
  return new Date(at).toISOString().slice(0, 10);
}

/**
 * Meters one successful verification of `subjectId` (a challenge or a phrase). Call it through the
 * transaction that records the verification, so a crash meters both or neither; the store keeps at
 * most one record per subject, so retries, idempotent replays and racing instances count once.
 * Returns false when the subject was already metered.
 */
export async function meterVerification(
  tx: { usage: UsageStore },
  scope: Scope,
  subjectId: string,
  method: ProofMethod,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<boolean> {
  return tx.usage.record({
    id: newId('usage', random),
    tenantId: scope.tenantId,
    environment: scope.environment,
    subjectId,
    method,
    day: utcDay(now),
    createdAt: now,
  });
}
