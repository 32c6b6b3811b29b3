import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { ConsoleSessionRecord, ConsoleStore, ConsoleUserRecord } from './consoleRecords.js';
import { CONSOLE_SESSION_PREFIX, consoleCsrfToken, hashConsoleToken } from './consoleTokens.js';

/**
 * Sliding the idle timeout costs a write; one per minute of use is enough (or per tenth of the
 * idle timeout, when that is shorter, so a short timeout still slides).
 */
export const SESSION_TOUCH_INTERVAL_MS = 60 * 1000;

export interface ResolvedConsoleSession {
  session: ConsoleSessionRecord;
  user: ConsoleUserRecord;
  csrfToken: string;
}

/**
 * The session and user behind a cookie's token. Every refusal is the same
 * `console_session_invalid` from outside (the reason in `cause`). Checks, in order: a token of the
 * right form; a stored session; not revoked; not idle for `idleTimeoutMs` or more; before its
 * absolute expiry; its user exists and is not disabled. A session in use is then slid forward
 * (`lastSeenAt`), at most once per {@link SESSION_TOUCH_INTERVAL_MS}
 * (or a tenth of the idle timeout).
 */
export async function resolveSession(
  store: Pick<ConsoleStore, 'findSession' | 'findUser' | 'touchSession'>,
  token: string | undefined,
  now: EpochMs,
): Promise<ResolvedConsoleSession> {
  const refuse = (reason: string): never => {
    throw new KeyraError(
      'console_session_invalid',
      'No console session, or it has ended; sign in again.',
      { cause: reason },
    );
  };
  if (!token || !token.startsWith(CONSOLE_SESSION_PREFIX) || token.length > 128)
    return refuse('missing');
  const session = await store.findSession(hashConsoleToken(token));
  if (!session) return refuse('unknown');
  if (session.revokedAt !== null) return refuse('signed out');
  if (now >= session.lastSeenAt + session.idleTimeoutMs) return refuse('idle timeout');
  if (now >= session.expiresAt) return refuse('absolute timeout');
  const user = await store.findUser(session.tenantId, session.userId);
  if (!user || user.disabledAt !== null) return refuse('user disabled');
  if (now - session.lastSeenAt >= Math.min(SESSION_TOUCH_INTERVAL_MS, session.idleTimeoutMs / 10)) {
    await store.touchSession(session.tokenHash, now);
    session.lastSeenAt = now;
  }
  return { session, user, csrfToken: consoleCsrfToken(token) };
}
