import type { ChallengeRecord, EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { formatTimestamp } from '../time.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import { effectiveStatus } from './effectiveStatus.js';
import { appendAudit } from '../audit/appendAudit.js';

export interface CancelChallengeDeps {
  storage: Pick<Storage, 'challenges' | 'transaction'>;
  now: EpochMs;
  random?: RandomBytes;
}

/**
 * Withdraws a pending challenge the app no longer needs (the agent's request was cancelled, the
 * user closed the checkout): no device or passkey can decide it afterwards (409
 * `challenge_canceled`). Checks, in order: the challenge exists in this tenant and environment
 * (404); it is already canceled (returned as is, so a retried cancel succeeds); it is still pending
 * and unexpired (else 409 `challenge_not_cancelable`, with its status in `details`). Then one
 * conditional write cancels it, racing any verify on the same condition so exactly one wins, and
 * the `challenge.canceled` event is written in the same transaction.
 */
export async function cancelChallenge(
  scope: Scope,
  challengeId: string,
  deps: CancelChallengeDeps,
): Promise<ChallengeRecord> {
  const { storage, now } = deps;
  const challenge = await storage.challenges.find(scope, challengeId);
  if (!challenge)
    throw new KeyraError('challenge_not_found', `No challenge ${challengeId} in this environment.`);
  const refuse = (current: ChallengeRecord): never => {
    const status = effectiveStatus(current, now);
    throw new KeyraError(
      'challenge_not_cancelable',
      `Challenge ${current.id} was already ${status}; only a pending challenge can be canceled.`,
      { details: { status } },
    );
  };
  if (challenge.status === 'canceled') return challenge;
  if (effectiveStatus(challenge, now) !== 'pending') refuse(challenge);

  return storage.transaction(async (tx) => {
    const canceled = await tx.challenges.cancel(scope, challenge.id, now);
    if (!canceled) {
      // A verify (or another cancel) won the race: answer with what the row became.
      const current = (await tx.challenges.find(scope, challenge.id)) ?? challenge;
      if (current.status === 'canceled') return current;
      return refuse(current);
    }
    await recordEvent(
      tx,
      scope,
      'challenge.canceled',
      {
        challengeId: canceled.id,
        action: canceled.action,
        userId: canceled.userId,
        ...(canceled.quorum
          ? { approvers: canceled.quorum.approvers, quorum: canceled.quorum.quorum }
          : {}),
        canceledAt: formatTimestamp(now),
        metadata: canceled.metadata,
      },
      now,
      deps.random,
    );
    await appendAudit(
      tx,
      scope,
      { type: 'challenge.canceled', subject: canceled.id },
      now,
      deps.random,
    );
    return canceled;
  });
}
