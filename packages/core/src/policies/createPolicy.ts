import type { EpochMs, Scope } from '../domain.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { appendAudit } from '../audit/appendAudit.js';
import { assertGroupsExist } from './assertGroupsExist.js';
import { normalizePolicy, type PolicyInput } from './policyInput.js';
import type { PolicyRecord } from './policyRecords.js';

export interface PolicyChangeDeps {
  storage: Pick<Storage, 'policies' | 'approverGroups' | 'transaction'>;
  now: EpochMs;
  random?: RandomBytes;
}

/**
 * Creates a policy at version 1. Checks its content (400 `validation_failed` naming the field,
 * see `normalizePolicy`) and that the approver groups it names exist here; then writes it and the
 * `policy.changed` audit entry (`change: created`) in one transaction.
 */
export async function createPolicy(
  scope: Scope,
  input: PolicyInput,
  deps: PolicyChangeDeps,
): Promise<PolicyRecord> {
  const content = normalizePolicy(input);
  await assertGroupsExist(scope, content.require.groups, deps.storage.approverGroups);
  const random = deps.random ?? systemRandom;
  const policy: PolicyRecord = {
    id: newId('policy', random),
    tenantId: scope.tenantId,
    environment: scope.environment,
    ...content,
    version: 1,
    createdAt: deps.now,
    updatedAt: deps.now,
    deletedAt: null,
  };
  await deps.storage.transaction(async (tx) => {
    await tx.policies.create(policy);
    await appendAudit(
      tx,
      scope,
      {
        type: 'policy.changed',
        subject: policy.id,
        data: { change: 'created', name: policy.name, version: 1 },
      },
      deps.now,
      random,
    );
  });
  return policy;
}
