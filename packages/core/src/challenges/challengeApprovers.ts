import type { ChallengeRecord } from '../domain.js';

/** The humans who may answer a challenge: its `userId`, or a quorum challenge's `approvers`. */
export function challengeApprovers(challenge: ChallengeRecord): string[] {
  if (challenge.quorum) return [...challenge.quorum.approvers];
  return challenge.userId === null ? [] : [challenge.userId];
}
