import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { ConsoleInviteRecord, ConsoleStore } from './consoleRecords.js';
import { CONSOLE_INVITE_PREFIX, hashConsoleToken } from './consoleTokens.js';

/**
 * The invite behind a link's token, if it is still usable at `now`. Unknown, expired and used
 * invites are the same `console_invite_invalid` from outside; the reason rides in `cause`.
 */
export async function findUsableInvite(
  store: Pick<ConsoleStore, 'findInviteByHash'>,
  token: string,
  now: EpochMs,
): Promise<ConsoleInviteRecord> {
  const refuse = (reason: string): never => {
    throw new KeyraError(
      'console_invite_invalid',
      'This invite link is unknown, expired or already used; ask an owner for a new one.',
      { cause: reason },
    );
  };
  if (!token.startsWith(CONSOLE_INVITE_PREFIX)) return refuse('malformed');
  const invite = await store.findInviteByHash(hashConsoleToken(token));
  if (!invite) return refuse('unknown');
  if (invite.usedAt !== null) return refuse('used');
  if (invite.expiresAt <= now) return refuse('expired');
  return invite;
}
