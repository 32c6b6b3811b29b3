import type { Scope } from '../domain.js';
import type { ApproverGroupStore } from './policyRecords.js';
import { invalidPolicy } from './policyInput.js';

/** 400 `validation_failed` (`require.groups`/`unknown_group`) unless every named group exists here. */
export async function assertGroupsExist(
  scope: Scope,
  groups: readonly string[] | undefined,
  store: Pick<ApproverGroupStore, 'find'>,
): Promise<void> {
  for (const name of groups ?? []) {
    if (!(await store.find(scope, name)))
      throw invalidPolicy(
        'require.groups',
        'unknown_group',
        `No approver group ${name} in this environment; create it first (PUT /v1/approver_groups/${name}).`,
      );
  }
}
