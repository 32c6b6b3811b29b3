import type { EpochMs } from '../domain.js';
import { newId, type RandomBytes } from '../ids.js';
import type { ConsoleSessionRecord, ConsoleStore, ConsoleUserRecord } from './consoleRecords.js';
import {
  CONSOLE_SESSION_PREFIX,
  consoleCsrfToken,
  hashConsoleToken,
  newConsoleToken,
  type ConsoleSessionPolicy,
} from './consoleTokens.js';

/** A session just opened: the record, and the secrets for the cookie and the page. */
export interface OpenedConsoleSession {
  session: ConsoleSessionRecord;
  user: ConsoleUserRecord;
  /** The cookie's value. Shown once, stored only as a hash. */
  token: string;
  csrfToken: string;
}

/** Opens a session for `user` (after enrolment or sign-in). */
export async function createConsoleSession(
  store: Pick<ConsoleStore, 'insertSession'>,
  user: ConsoleUserRecord,
  policy: ConsoleSessionPolicy,
  now: EpochMs,
  random: RandomBytes,
): Promise<OpenedConsoleSession> {
  const token = newConsoleToken(CONSOLE_SESSION_PREFIX, random);
  const session: ConsoleSessionRecord = {
    id: newId('consoleSession', random),
    tokenHash: hashConsoleToken(token),
    userId: user.id,
    tenantId: user.tenantId,
    createdAt: now,
    lastSeenAt: now,
    idleTimeoutMs: policy.idleTimeoutMs,
    expiresAt: now + policy.absoluteTimeoutMs,
    revokedAt: null,
  };
  await store.insertSession(session);
  return { session, user, token, csrfToken: consoleCsrfToken(token) };
}
