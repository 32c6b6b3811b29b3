import { KeyraError } from '../errors.js';
import type { ConsoleRole, ConsoleStore, ConsoleUserRecord } from './consoleRecords.js';
import { requireConsoleRole } from './requireConsoleRole.js';

/**
 * An owner changes a member's role. Checks, in order: the actor is an owner
 * (`console_role_insufficient`); the member exists in the actor's tenant and is active
 * (`console_user_not_found`); demoting the tenant's last active owner is refused
 * (`console_last_owner`), decided by the store's one conditional write.
 */
export async function changeConsoleRole(
  store: Pick<ConsoleStore, 'findUser' | 'setRole'>,
  actor: ConsoleUserRecord,
  userId: string,
  role: ConsoleRole,
): Promise<ConsoleUserRecord> {
  requireConsoleRole(actor, 'owner', 'Changing roles');
  const target = await store.findUser(actor.tenantId, userId);
  if (!target || target.disabledAt !== null)
    throw new KeyraError(
      'console_user_not_found',
      `No active console user ${userId} in this tenant.`,
    );
  const updated = await store.setRole(actor.tenantId, userId, role);
  if (!updated)
    throw new KeyraError(
      'console_last_owner',
      `${target.email} is the tenant's last owner; make someone else owner first.`,
    );
  return updated;
}
