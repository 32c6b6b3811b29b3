import type { EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { appendAudit } from '../audit/appendAudit.js';
import { CHALLENGE_LIMITS } from '../challenges/limits.js';
import { invalidPolicy, POLICY_LIMITS } from './policyInput.js';
import type { ApproverGroupRecord } from './policyRecords.js';

export interface ApproverGroupDeps {
  storage: Pick<Storage, 'approverGroups' | 'policies' | 'transaction'>;
  now: EpochMs;
  random?: RandomBytes;
}

/** The audit subject of an approver group (groups are named, not numbered). */
export const approverGroupSubject = (name: string): string => `approver_group:${name}`;

/**
 * Creates the approver group `name` or replaces its members. Names are lowercase
 * (`^[a-z0-9_-]{1,64}$`); members are distinct user ids (at most 100). New challenges are checked
 * against the members at creation; a challenge already created keeps its approvers. Writes the
 * group and `policy.changed` (`change: group_put`, the members) in one transaction.
 */
export async function putApproverGroup(
  scope: Scope,
  name: string,
  members: string[],
  deps: ApproverGroupDeps,
): Promise<ApproverGroupRecord> {
  if (!new RegExp(POLICY_LIMITS.groupNamePattern).test(name))
    throw invalidPolicy('name', 'invalid', 'A group name is 1 to 64 of a-z, 0-9, _ and -.');
  if (members.length > POLICY_LIMITS.groupMembersMax)
    throw invalidPolicy('members', 'size', `At most ${POLICY_LIMITS.groupMembersMax} members.`);
  const pattern = new RegExp(CHALLENGE_LIMITS.userIdPattern);
  const bad = members.find(
    (userId) => !pattern.test(userId) || userId.length > CHALLENGE_LIMITS.userIdMaxLength,
  );
  if (bad !== undefined)
    throw invalidPolicy('members', 'invalid_user_id', `${JSON.stringify(bad)} is not a user id.`);
  const duplicate = members.find((userId, index) => members.indexOf(userId) !== index);
  if (duplicate !== undefined)
    throw invalidPolicy('members', 'duplicate', `members lists ${duplicate} twice.`);
  return deps.storage.transaction(async (tx) => {
    const group = await tx.approverGroups.put({
      tenantId: scope.tenantId,
      environment: scope.environment,
      name,
      members: [...members],
      createdAt: deps.now,
      updatedAt: deps.now,
    });
    await appendAudit(
      tx,
      scope,
      {
        type: 'policy.changed',
        subject: approverGroupSubject(name),
        data: { change: 'group_put', group: name, members: group.members },
      },
      deps.now,
      deps.random ?? systemRandom,
    );
    return group;
  });
}

/** 404 `approver_group_not_found`. */
export function groupNotFound(name: string): KeyraError {
  return new KeyraError(
    'approver_group_not_found',
    `No approver group ${name.slice(0, 80)} in this environment.`,
  );
}
