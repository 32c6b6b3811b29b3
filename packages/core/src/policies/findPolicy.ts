import type { Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { isIdOf } from '../ids.js';
import type { PolicyRecord, PolicyStore } from './policyRecords.js';

/**
 * The live policy `id` of this tenant and environment (its current version, or `version` of it,
 * which a deleted policy keeps). 400 `invalid_id` for a malformed id; 404 `policy_not_found` for
 * an absent one, another tenant's or environment's, or a version that was never written.
 */
export async function findPolicy(
  scope: Scope,
  id: string,
  store: Pick<PolicyStore, 'find'>,
  version?: number,
): Promise<PolicyRecord> {
  if (!isIdOf('policy', id))
    throw new KeyraError('invalid_id', `"${id.slice(0, 80)}" is not a policy id (pol_…).`);
  const policy = await store.find(scope, id, version);
  if (!policy)
    throw new KeyraError(
      'policy_not_found',
      version === undefined
        ? `No policy ${id} in this environment.`
        : `No version ${version} of policy ${id} in this environment.`,
    );
  return policy;
}
