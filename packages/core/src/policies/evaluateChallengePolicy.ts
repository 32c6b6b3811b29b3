import type { Scope } from '../domain.js';
import { KeyraError, type ErrorCode } from '../errors.js';
import type { Storage } from '../ports.js';
import { evaluatePolicies, type PolicyEvaluation } from './evaluatePolicies.js';
import type { ChallengePolicy } from './policyRecords.js';

/** What a new challenge is judged on: what it asks, and who must approve it. */
export interface ChallengePolicySubject {
  action: string;
  payload: Record<string, unknown>;
  /** The humans who must approve (the one `userId`, or the `approvers`); omitted: not checked. */
  approvers?: readonly string[];
  /** How many of them must approve (1 for a one-approver challenge). */
  quorum?: number;
  /** The challenge's lifetime in seconds, default applied. */
  expiresIn?: number;
}

/** The matching rule's verdict on a new challenge. */
export interface ChallengePolicyVerdict {
  evaluation: PolicyEvaluation;
  /** What the challenge stores: the matching version and its requirement; null when none matched. */
  policy: ChallengePolicy | null;
  /** Why the challenge cannot be created under it (a 422 `policy_*` error), or null. */
  refusal: KeyraError | null;
}

/** A `policy_*` refusal whose details name the rule (id, name, version) and what failed. */
export function policyRefusal(
  code: ErrorCode,
  policy: Pick<ChallengePolicy, 'id' | 'name' | 'version'>,
  message: string,
  details: Record<string, unknown>,
): KeyraError {
  return new KeyraError(
    code,
    `Policy ${policy.name} (${policy.id} v${policy.version}): ${message}`,
    {
      details: {
        policy: { id: policy.id, name: policy.name, version: policy.version },
        ...details,
      },
    },
  );
}

/**
 * Finds the policy a new challenge falls under (the first matching live rule, current version,
 * see `evaluatePolicies`) and checks what can be checked at creation: enough distinct approvers
 * for the rule's `quorum` (`policy_quorum_required`), every approver a member of one of its
 * `groups` (`policy_approver_not_in_group`), `expiresIn` within `maxExpiresIn`
 * (`policy_expires_in_too_long`: refused, never clamped, so the caller learns the limit). Methods
 * and time windows are checked at verify (`assertPolicyAllows`), `stamp` by the creator. No rule
 * matching requires nothing. Pure reads: the dry run answers with the same verdict.
 */
export async function evaluateChallengePolicy(
  scope: Scope,
  subject: ChallengePolicySubject,
  stores: Pick<Storage, 'policies' | 'approverGroups'>,
): Promise<ChallengePolicyVerdict> {
  const rules = await stores.policies.listActive(scope);
  const evaluation = evaluatePolicies(rules, { action: subject.action, payload: subject.payload });
  if (!evaluation.policy) return { evaluation, policy: null, refusal: null };
  const policy: ChallengePolicy = { ...evaluation.policy, requirement: evaluation.requirement };
  const required = policy.requirement;
  const refuse = (
    code: ErrorCode,
    message: string,
    details: Record<string, unknown>,
  ): ChallengePolicyVerdict => ({
    evaluation,
    policy,
    refusal: policyRefusal(code, policy, message, details),
  });

  if (
    required.maxExpiresIn !== undefined &&
    subject.expiresIn !== undefined &&
    subject.expiresIn > required.maxExpiresIn
  )
    return refuse(
      'policy_expires_in_too_long',
      `expiresIn is ${subject.expiresIn} s; at most ${required.maxExpiresIn} s.`,
      { expiresIn: subject.expiresIn, maxExpiresIn: required.maxExpiresIn },
    );
  if (subject.approvers === undefined) return { evaluation, policy, refusal: null };

  const quorum = subject.quorum ?? 1;
  if (required.quorum !== undefined && quorum < required.quorum)
    return refuse(
      'policy_quorum_required',
      `${required.quorum} distinct approvers must approve; the challenge asks for ${quorum}. Give approvers and quorum >= ${required.quorum}.`,
      { quorum, requiredQuorum: required.quorum },
    );
  if (required.groups !== undefined) {
    const members = new Set<string>();
    for (const name of required.groups)
      for (const userId of (await stores.approverGroups.find(scope, name))?.members ?? [])
        members.add(userId);
    const outsider = subject.approvers.find((userId) => !members.has(userId));
    if (outsider !== undefined)
      return refuse(
        'policy_approver_not_in_group',
        `${outsider} is not a member of ${required.groups.join(' or ')}.`,
        { userId: outsider, groups: required.groups },
      );
  }
  return { evaluation, policy, refusal: null };
}
