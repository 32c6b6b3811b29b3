import { appendAudit } from '../audit/appendAudit.js';
import type {
  ApprovalMethod,
  ChallengeRecord,
  ChallengeVote,
  DeviceRecord,
  EpochMs,
  Scope,
} from '../domain.js';
import { KeyraError } from '../errors.js';
import type { RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import type { ProofSigner } from '../proofs/proofSigner.js';
import type { ProofApprover } from '../proofs/signProof.js';
import type { StampIssuer, StampRecord } from '../stamps/stampRecords.js';
import { formatTimestamp } from '../time.js';
import { meterVerification } from '../usage/meterVerification.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import { assertDecidable } from './assertDecidable.js';
import { effectiveStatus } from './effectiveStatus.js';

/** 409 `duplicate_vote`: the device's human already voted on this quorum challenge. */
export function duplicateVote(challenge: ChallengeRecord, device: DeviceRecord): KeyraError {
  return new KeyraError(
    'duplicate_vote',
    `${device.userId} already voted on challenge ${challenge.id}; each approver counts once.`,
  );
}

/** A verified answer from one approver's device. */
export interface QuorumBallot {
  device: DeviceRecord;
  decision: 'approved' | 'rejected';
  method: ApprovalMethod;
  /** The signature counter the assertion carried. */
  newCounter: number;
}

export interface RecordQuorumVoteDeps {
  storage: Storage;
  signer: ProofSigner;
  stamps: StampIssuer;
  now: EpochMs;
  random: RandomBytes;
}

/**
 * The approvals that count toward the quorum, as the proof's `approvers` claim lists them: oldest
 * first, ties by user id.
 */
export function proofApprovers(challenge: ChallengeRecord): ProofApprover[] {
  return (challenge.quorum?.votes ?? [])
    .filter((vote) => vote.decision === 'approved')
    .map((vote) => ({
      sub: vote.userId,
      method: vote.method,
      deviceId: vote.deviceId,
      at: Math.floor(vote.decidedAt / 1000),
    }))
    .sort((a, b) => a.at - b.at || (a.sub < b.sub ? -1 : a.sub > b.sub ? 1 : 0));
}

/** Whether the votes of `challenge` settle it, and how. */
function settles(challenge: ChallengeRecord): 'approved' | 'rejected' | null {
  const rule = challenge.quorum;
  if (!rule) return null;
  const approvals = rule.votes.filter((vote) => vote.decision === 'approved').length;
  const rejections = rule.votes.length - approvals;
  if (approvals >= rule.quorum) return 'approved';
  if (rejections > 0 && rule.rejectOn === 'any') return 'rejected';
  if (rule.approvers.length - rejections < rule.quorum) return 'rejected';
  return null;
}

/** `challenge` as it will be once `vote` is recorded (the store keeps votes in this order too). */
function withVote(challenge: ChallengeRecord, vote: ChallengeVote): ChallengeRecord {
  const rule = challenge.quorum;
  if (!rule) return challenge;
  const votes = [...rule.votes, vote].sort(
    (a, b) => a.decidedAt - b.decidedAt || (a.userId < b.userId ? -1 : 1),
  );
  return { ...challenge, quorum: { ...rule, votes } };
}

/** The proof (and stamp) were prepared for other approvals than the ones the vote completed. */
class StaleApproval extends Error {}

/** A vote as webhooks and the API show it. */
export function voteJson(vote: ChallengeVote): Record<string, unknown> {
  return {
    userId: vote.userId,
    deviceId: vote.deviceId,
    method: vote.method,
    decidedAt: formatTimestamp(vote.decidedAt),
  };
}

/**
 * Records one approver's verified vote on a quorum challenge, in one transaction: the vote (the
 * store counts votes on a challenge one at a time and refuses a second vote by the same human), the
 * device's counter and a `challenge.approval_recorded` event. The vote that settles the challenge
 * decides it in the same transaction: the `quorum`-th approval approves it (proof naming every
 * approver, stamp when asked for, usage metered once, one `challenge.approved`); a rejection
 * rejects it when `rejectOn` is `any`, or once fewer approvers than the quorum are left who have
 * not rejected (`impossible`). Any other vote leaves it `pending`.
 *
 * The proof and stamp are signed before the transaction (the signer may read the database, which
 * a SQLite transaction holds), for the approvals this vote is expected to complete. When a racing
 * vote committed in between and the approvals differ, the transaction rolls back and the vote is
 * tried again on the fresh state; each retry means another approver's vote landed, so there are
 * at most as many as approvers.
 */
export async function recordQuorumVote(
  scope: Scope,
  challenge: ChallengeRecord,
  ballot: QuorumBallot,
  deps: RecordQuorumVoteDeps,
): Promise<{ challenge: ChallengeRecord; device: DeviceRecord; stamp: StampRecord | null }> {
  const { storage, now } = deps;
  const { device, decision, method } = ballot;
  const vote: ChallengeVote = {
    userId: device.userId,
    decision,
    deviceId: device.id,
    method,
    decidedAt: now,
  };
  const attempts = (challenge.quorum?.approvers.length ?? 0) + 1;
  let seen = challenge;
  for (let attempt = 1; ; attempt++) {
    const expected = withVote(seen, vote);
    const prepared =
      settles(expected) === 'approved'
        ? await prepareApproval(scope, expected, ballot, deps)
        : null;
    try {
      return await decideInTransaction(scope, challenge, ballot, vote, prepared, deps);
    } catch (error) {
      if (!(error instanceof StaleApproval) || attempt >= attempts) throw error;
    }
    const current = await storage.challenges.find(scope, challenge.id);
    if (!current)
      throw new KeyraError(
        'challenge_not_found',
        `No challenge ${challenge.id} in this environment.`,
      );
    assertDecidable(current, effectiveStatus(current, now));
    seen = current;
  }
}

interface PreparedApproval {
  /** The approvals the proof names. */
  approvers: ProofApprover[];
  proof: string;
  stamp: StampRecord | null;
}

async function prepareApproval(
  scope: Scope,
  expected: ChallengeRecord,
  ballot: QuorumBallot,
  deps: RecordQuorumVoteDeps,
): Promise<PreparedApproval> {
  const approvers = proofApprovers(expected);
  const proof = await deps.signer.sign(
    {
      challengeId: expected.id,
      action: expected.action,
      userId: expected.id,
      payload: expected.payload,
      challengeDigest: expected.digest,
      environment: scope.environment,
      method: ballot.method,
      deviceId: ballot.device.id,
      audience: expected.audience,
      approvers,
    },
    deps.now,
  );
  const stamp = expected.stampRequested
    ? await deps.stamps.issue(
        scope,
        { subjectId: expected.id, method: ballot.method, proof },
        deps.now,
      )
    : null;
  return { approvers, proof, stamp };
}

const sameApprovers = (a: ProofApprover[], b: ProofApprover[]): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

async function decideInTransaction(
  scope: Scope,
  challenge: ChallengeRecord,
  ballot: QuorumBallot,
  vote: ChallengeVote,
  prepared: PreparedApproval | null,
  deps: RecordQuorumVoteDeps,
): Promise<{ challenge: ChallengeRecord; device: DeviceRecord; stamp: StampRecord | null }> {
  const { storage, now, random } = deps;
  const { device, decision, method } = ballot;
  return storage.transaction(async (tx) => {
    const outcome = await tx.challenges.vote(scope, challenge.id, vote, now);
    if (outcome.outcome === 'duplicate') throw duplicateVote(challenge, device);
    if (outcome.outcome === 'not_an_approver') {
      throw new KeyraError(
        'not_an_approver',
        `${device.userId} is not an approver of challenge ${challenge.id}.`,
      );
    }
    if (outcome.outcome === 'closed') {
      const current = await tx.challenges.find(scope, challenge.id);
      assertDecidable(challenge, current ? effectiveStatus(current, now) : 'expired');
      throw new KeyraError(
        'challenge_already_used',
        `Challenge ${challenge.id} was already consumed.`,
      );
    }
    const voted = outcome.challenge;
    const rule = voted.quorum;
    if (!rule) throw new Error(`Challenge ${voted.id} lost its quorum rule.`);
    const settled = settles(voted);
    if (
      settled === 'approved' &&
      (!prepared || !sameApprovers(prepared.approvers, proofApprovers(voted)))
    ) {
      throw new StaleApproval(`Challenge ${voted.id} gained votes while this one was signed.`);
    }
    if (!(await tx.devices.recordUse(scope, device.id, device.signCount, ballot.newCounter, now))) {
      // Another verify used the same counter value concurrently: a replayed or cloned signature.
      throw new KeyraError(
        'attestation_invalid',
        `Device ${device.id}'s signature counter was already used.`,
      );
    }
    const approvals = rule.votes.filter((v) => v.decision === 'approved').length;
    const usedDevice = { ...device, signCount: ballot.newCounter, lastUsedAt: now };
    await recordEvent(
      tx,
      scope,
      'challenge.approval_recorded',
      {
        challengeId: voted.id,
        action: voted.action,
        userId: device.userId,
        decision,
        deviceId: device.id,
        method,
        decidedAt: formatTimestamp(now),
        quorum: rule.quorum,
        approvalCount: approvals,
        remaining: Math.max(0, rule.quorum - approvals),
        metadata: voted.metadata,
      },
      now,
      random,
    );
    await appendAudit(
      tx,
      scope,
      {
        type: 'challenge.vote_recorded',
        actor: device.id,
        subject: voted.id,
        data: { userId: device.userId, decision, method, approvalCount: approvals },
      },
      now,
      random,
    );
    if (settled === null) return { challenge: voted, device: usedDevice, stamp: null };

    const approved = settled === 'approved';
    const proof = approved ? (prepared?.proof ?? null) : null;
    const stamp = approved ? (prepared?.stamp ?? null) : null;
    // We hold the challenge row (the vote's counter write), so this conditional write matches.
    const decided = await tx.challenges.decide(scope, voted.id, settled, now, {
      deviceId: device.id,
      method,
      proof,
      stampId: stamp?.id ?? null,
    });
    if (!decided) {
      throw new KeyraError('challenge_already_used', `Challenge ${voted.id} was already consumed.`);
    }
    if (stamp) await tx.stamps.insert(stamp);
    if (approved) await meterVerification(tx, scope, voted.id, method, now, random);
    const votes = rule.votes.filter((v) => v.decision === settled).map(voteJson);
    await recordEvent(
      tx,
      scope,
      approved ? 'challenge.approved' : 'challenge.rejected',
      {
        challengeId: voted.id,
        action: voted.action,
        userId: null,
        deviceId: device.id,
        method,
        decidedAt: formatTimestamp(now),
        ...(stamp ? { stampId: stamp.id } : {}),
        quorum: rule.quorum,
        ...(approved ? { approvals: votes } : { rejections: votes }),
        metadata: voted.metadata,
      },
      now,
      random,
    );
    await appendAudit(
      tx,
      scope,
      {
        type: approved ? 'challenge.approved' : 'challenge.rejected',
        actor: device.id,
        subject: voted.id,
        data: { method, quorum: rule.quorum, ...(stamp ? { stampId: stamp.id } : {}) },
      },
      now,
      random,
    );
    return { challenge: decided, device: usedDevice, stamp };
  });
}
