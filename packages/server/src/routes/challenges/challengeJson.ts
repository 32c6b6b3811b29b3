import {
  effectiveStatus,
  formatTimestamp,
  type ChallengeRecord,
  type ChallengeVote,
  type EpochMs,
} from '@keyra/core';
import type {
  Challenge,
  ChallengeVote as ChallengeVoteJson,
  VerifiedChallenge,
} from '@keyra/contract';

function voteJson(vote: ChallengeVote): ChallengeVoteJson {
  return {
    userId: vote.userId,
    deviceId: vote.deviceId,
    method: vote.method,
    decidedAt: formatTimestamp(vote.decidedAt),
  };
}

/** A quorum challenge's rule and votes: `approvals`, `rejections` and the approvals `remaining`. */
export function quorumJson(
  record: ChallengeRecord,
): Pick<Challenge, 'approvers' | 'quorum' | 'rejectOn' | 'approvals' | 'rejections' | 'remaining'> {
  const rule = record.quorum;
  if (!rule) return {};
  const approvals = rule.votes.filter((vote) => vote.decision === 'approved');
  return {
    approvers: rule.approvers,
    quorum: rule.quorum,
    rejectOn: rule.rejectOn,
    approvals: approvals.map(voteJson),
    rejections: rule.votes.filter((vote) => vote.decision === 'rejected').map(voteJson),
    remaining: Math.max(0, rule.quorum - approvals.length),
  };
}

/** The API form of a challenge, as a reader at `now` should see it. */
export function challengeJson(record: ChallengeRecord, now: EpochMs): Challenge {
  return {
    id: record.id,
    status: effectiveStatus(record, now),
    action: record.action,
    userId: record.userId,
    payload: record.payload,
    digest: record.digest,
    createdAt: formatTimestamp(record.createdAt),
    expiresAt: formatTimestamp(record.expiresAt),
    decidedAt:
      record.decidedAt !== null
        ? formatTimestamp(record.decidedAt)
        : effectiveStatus(record, now) === 'expired'
          ? formatTimestamp(record.expiresAt)
          : null,
    deviceId: record.deviceId,
    method: record.method,
    proof: record.proof,
    stampRequested: record.stampRequested,
    stampId: record.stampId,
    audience: record.audience,
    metadata: record.metadata,
    ...(record.bindingMessage != null ? { bindingMessage: record.bindingMessage } : {}),
    ...(record.shownAt !== undefined ? { shownAt: formatTimestamp(record.shownAt) } : {}),
    ...quorumJson(record),
    policy: record.policy ?? null,
  };
}

/** The quorum part of a verify's answer: the approvals so far and how many are still needed. */
export function verifiedQuorumJson(
  challenge: ChallengeRecord,
): Pick<VerifiedChallenge, 'approvals' | 'remaining'> {
  const { approvals, remaining } = quorumJson(challenge);
  return approvals !== undefined && remaining !== undefined ? { approvals, remaining } : {};
}
