import type { ApprovalMethod, ChallengeRecord, EpochMs } from '../domain.js';
import { isWithinWindows } from './isWithinWindows.js';
import { policyRefusal } from './evaluateChallengePolicy.js';

/**
 * Checks an approval against the policy version the challenge was created under (not the
 * policy's current version): the method must be one of `methods` (422
 * `policy_method_not_allowed`) and `now` inside one of `windows` (422 `policy_outside_window`).
 * Rejections are not checked: refusing an action is always allowed. Call it before anything is
 * written, so a refused approval changes nothing.
 */
export function assertPolicyAllows(
  challenge: Pick<ChallengeRecord, 'policy'>,
  method: ApprovalMethod,
  now: EpochMs,
): void {
  const policy = challenge.policy;
  if (!policy) return;
  const { methods, windows } = policy.requirement;
  if (methods !== undefined && !(methods as readonly string[]).includes(method))
    throw policyRefusal(
      'policy_method_not_allowed',
      policy,
      `approval by ${method} is not allowed; use ${methods.join(' or ')}.`,
      { method, allowedMethods: methods },
    );
  if (windows !== undefined && !isWithinWindows(windows, now))
    throw policyRefusal(
      'policy_outside_window',
      policy,
      'approvals are allowed only inside its time windows.',
      { windows },
    );
}
