import { effectiveStatus, formatTimestamp, type ChallengeRecord, type EpochMs } from '@keyra/core';
import type { Challenge } from '@keyra/contract';

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
  };
}
