import type { Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { systemRandom } from '../ids.js';
import { appendAudit } from '../audit/appendAudit.js';
import { assertGroupsExist } from './assertGroupsExist.js';
import type { PolicyChangeDeps } from './createPolicy.js';
import { findPolicy } from './findPolicy.js';
import { normalizePolicy, type PolicyInput } from './policyInput.js';
import type { PolicyRecord } from './policyRecords.js';

/** A change to a policy: the fields given replace the current version's (`match` and `require` whole). */
export type PolicyPatch = Partial<PolicyInput>;

/**
 * Writes version N+1 of a live policy: the current version with the patch's fields replaced,
 * checked like a new policy. Existing challenges keep the version they were created under. Checks,
 * in order: the id (400/404), the merged content (400), the groups (400); then one transaction
 * appends the version only if N is still current (else 409 `policy_conflict`: a concurrent change
 * or delete won) and the `policy.changed` audit entry (`change: updated`).
 */
export async function updatePolicy(
  scope: Scope,
  id: string,
  patch: PolicyPatch,
  deps: PolicyChangeDeps,
): Promise<PolicyRecord> {
  const current = await findPolicy(scope, id, deps.storage.policies);
  const content = normalizePolicy({
    name: patch.name ?? current.name,
    description: patch.description === undefined ? current.description : patch.description,
    priority: patch.priority ?? current.priority,
    match: patch.match ?? current.match,
    require: patch.require ?? current.require,
  });
  await assertGroupsExist(scope, content.require.groups, deps.storage.approverGroups);
  const next: PolicyRecord = {
    ...current,
    ...content,
    version: current.version + 1,
    updatedAt: deps.now,
  };
  return deps.storage.transaction(async (tx) => {
    const written = await tx.policies.update(scope, next);
    if (!written)
      throw new KeyraError(
        'policy_conflict',
        `Policy ${id} changed or was deleted since version ${current.version}; read it again and retry.`,
      );
    await appendAudit(
      tx,
      scope,
      {
        type: 'policy.changed',
        subject: id,
        data: { change: 'updated', name: written.name, version: written.version },
      },
      deps.now,
      deps.random ?? systemRandom,
    );
    return written;
  });
}
