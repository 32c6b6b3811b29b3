import type { ChallengeRecord, ChallengeStatus, EpochMs } from '../domain.js';

/**
 * The status a reader should see: a pending challenge past its expiry is expired even before the
 * expiry job has written that down.
 */
export function effectiveStatus(challenge: ChallengeRecord, now: EpochMs): ChallengeStatus {
  return challenge.status === 'pending' && challenge.expiresAt <= now
    ? 'expired'
    : challenge.status;
}
