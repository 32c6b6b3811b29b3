import type { Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { systemRandom } from '../ids.js';
import { appendAudit } from '../audit/appendAudit.js';
import type { PolicyChangeDeps } from './createPolicy.js';
import { findPolicy } from './findPolicy.js';
import type { PolicyRecord } from './policyRecords.js';

/**
 * Deletes a policy: it no longer applies to new challenges; its versions stay readable
 * (`?version=N`) and challenges created under it keep enforcing the version they stored. One
 * transaction marks it deleted and appends `policy.changed` (`change: deleted`). Returns its last
 * version, with `deletedAt`.
 */
export async function deletePolicy(
  scope: Scope,
  id: string,
  deps: PolicyChangeDeps,
): Promise<PolicyRecord> {
  await findPolicy(scope, id, deps.storage.policies);
  return deps.storage.transaction(async (tx) => {
    const deleted = await tx.policies.delete(scope, id, deps.now);
    if (!deleted) throw new KeyraError('policy_not_found', `No policy ${id} in this environment.`);
    await appendAudit(
      tx,
      scope,
      {
        type: 'policy.changed',
        subject: id,
        data: { change: 'deleted', name: deleted.name, version: deleted.version },
      },
      deps.now,
      deps.random ?? systemRandom,
    );
    return deleted;
  });
}
