import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { Storage } from '../ports.js';
import type { ConsoleUserRecord } from './consoleRecords.js';
import { requireConsoleRole } from './requireConsoleRole.js';

/**
 * An owner disables a member: they can no longer sign in, and every session they have ends at
 * once. Checks, in order: the actor is an owner (`console_role_insufficient`); the member exists
 * in the actor's tenant and is active (`console_user_not_found`); the tenant's last active owner
 * is never disabled (`console_last_owner`). One transaction.
 */
export async function disableConsoleUser(
  storage: Pick<Storage, 'transaction'>,
  actor: ConsoleUserRecord,
  userId: string,
  now: EpochMs,
): Promise<ConsoleUserRecord> {
  requireConsoleRole(actor, 'owner', 'Disabling members');
  return storage.transaction(async (tx) => {
    const target = await tx.console.findUser(actor.tenantId, userId);
    if (!target || target.disabledAt !== null)
      throw new KeyraError(
        'console_user_not_found',
        `No active console user ${userId} in this tenant.`,
      );
    const disabled = await tx.console.disableUser(actor.tenantId, userId, now);
    if (!disabled)
      throw new KeyraError(
        'console_last_owner',
        `${target.email} is the tenant's last owner; make someone else owner first.`,
      );
    await tx.console.revokeUserSessions(actor.tenantId, userId, now);
    return disabled;
  });
}
