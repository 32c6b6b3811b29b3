import type { EpochMs } from '../domain.js';
import type { ConsoleStore, ConsoleUserRecord } from './consoleRecords.js';

/** Ends every session of `user`, in every browser, this one included; returns how many ended. */
export async function signOutEverywhere(
  store: Pick<ConsoleStore, 'revokeUserSessions'>,
  user: Pick<ConsoleUserRecord, 'tenantId' | 'id'>,
  now: EpochMs,
): Promise<number> {
  return store.revokeUserSessions(user.tenantId, user.id, now);
}
