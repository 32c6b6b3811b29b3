import type { EpochMs } from '../domain.js';
import type { ConsoleStore } from './consoleRecords.js';
import { hashConsoleToken } from './consoleTokens.js';

/** Ends the session of this cookie's token. Signing out twice is not an error. */
export async function signOut(
  store: Pick<ConsoleStore, 'revokeSession'>,
  token: string,
  now: EpochMs,
): Promise<void> {
  await store.revokeSession(hashConsoleToken(token), now);
}
