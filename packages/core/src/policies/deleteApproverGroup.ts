import type { Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { systemRandom } from '../ids.js';
import { appendAudit } from '../audit/appendAudit.js';
import { approverGroupSubject, groupNotFound, type ApproverGroupDeps } from './putApproverGroup.js';

/**
 * Deletes an approver group. Refused with 409 `approver_group_in_use` while a live policy's
 * current version names it (`details.policies` lists them), since that policy could then never be
 * met; 404 `approver_group_not_found` when there is none. Writes the delete and `policy.changed`
 * (`change: group_deleted`) in one transaction.
 */
export async function deleteApproverGroup(
  scope: Scope,
  name: string,
  deps: ApproverGroupDeps,
): Promise<void> {
  if (!(await deps.storage.approverGroups.find(scope, name))) throw groupNotFound(name);
  const users = (await deps.storage.policies.listActive(scope)).filter((policy) =>
    policy.require.groups?.includes(name),
  );
  if (users.length > 0)
    throw new KeyraError(
      'approver_group_in_use',
      `Approver group ${name} is named by ${users.map((p) => `${p.name} (${p.id})`).join(', ')}.`,
      { details: { policies: users.map((p) => p.id) } },
    );
  await deps.storage.transaction(async (tx) => {
    if (!(await tx.approverGroups.delete(scope, name))) throw groupNotFound(name);
    await appendAudit(
      tx,
      scope,
      {
        type: 'policy.changed',
        subject: approverGroupSubject(name),
        data: { change: 'group_deleted', group: name },
      },
      deps.now,
      deps.random ?? systemRandom,
    );
  });
}
