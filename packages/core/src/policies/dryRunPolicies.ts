import type { Scope } from '../domain.js';
import type { Storage } from '../ports.js';
import { CHALLENGE_LIMITS } from '../challenges/limits.js';
import { evaluateChallengePolicy } from './evaluateChallengePolicy.js';
import type { PolicyRequirement } from './policyRecords.js';

/** A would-be challenge: its action and payload, and optionally who would approve it. */
export interface PolicyDryRunInput {
  action: string;
  payload?: Record<string, unknown>;
  userId?: string;
  approvers?: string[];
  quorum?: number;
  expiresIn?: number;
}

/** Which rule would apply, what it would require, why each rule matched or not, and any refusal. */
export interface PolicyDryRun {
  policy: { id: string; name: string; version: number } | null;
  requirement: PolicyRequirement | null;
  reasons: string[];
  /** The 422 a create would answer (code, message, details), or null when it would pass. */
  refusal: { code: string; message: string; details: unknown } | null;
}

/**
 * Answers, without writing anything, which policy a challenge with this action and payload would
 * fall under and why (one reason per rule tried, in order). With `userId` or `approvers` (+
 * `quorum`) the create-time checks run too and `refusal` says what a create would answer.
 */
export async function dryRunPolicies(
  scope: Scope,
  input: PolicyDryRunInput,
  stores: Pick<Storage, 'policies' | 'approverGroups'>,
): Promise<PolicyDryRun> {
  const approvers = input.approvers ?? (input.userId !== undefined ? [input.userId] : undefined);
  const verdict = await evaluateChallengePolicy(
    scope,
    {
      action: input.action,
      payload: input.payload ?? {},
      ...(approvers
        ? { approvers, quorum: input.quorum ?? (input.approvers ? approvers.length : 1) }
        : {}),
      expiresIn: input.expiresIn ?? CHALLENGE_LIMITS.expiresInDefault,
    },
    stores,
  );
  const { refusal } = verdict;
  return {
    policy: verdict.evaluation.policy,
    requirement: verdict.policy?.requirement ?? null,
    reasons: verdict.evaluation.reasons,
    refusal: refusal
      ? { code: refusal.code, message: refusal.message, details: refusal.details }
      : null,
  };
}
