import type { ChallengeRecord, ChallengeStatus } from '../domain.js';
import { KeyraError } from '../errors.js';
import { formatTimestamp } from '../time.js';

/**
 * Throws the seed's errors for a challenge that can no longer be decided: 410 expired, 409
 * canceled (by the app), 409 used.
 */
export function assertDecidable(challenge: ChallengeRecord, status: ChallengeStatus): void {
  if (status === 'expired') {
    throw new KeyraError(
      'challenge_expired',
      `Challenge ${challenge.id} expired at ${formatTimestamp(challenge.expiresAt)}`,
    );
  }
  if (status === 'canceled') {
    throw new KeyraError(
      'challenge_canceled',
      `Challenge ${challenge.id} was canceled by the app and can no longer be decided.`,
    );
  }
  if (status !== 'pending') {
    throw new KeyraError(
      'challenge_already_used',
      `Challenge ${challenge.id} was already ${status}.`,
    );
  }
}
