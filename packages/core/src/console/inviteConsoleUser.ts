import type { EpochMs } from '../domain.js';
import { KeyraError } from '../errors.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { ConsoleInviteRecord, ConsoleRole, ConsoleStore } from './consoleRecords.js';
import {
  CONSOLE_INVITE_PREFIX,
  CONSOLE_INVITE_TTL_MS,
  hashConsoleToken,
  newConsoleToken,
  normalizeConsoleEmail,
} from './consoleTokens.js';

export interface InviteConsoleUserInput {
  tenantId: string;
  email: string;
  role: ConsoleRole;
  /** The inviting console user, or null for the CLI. */
  invitedBy: string | null;
  /** Default 72 hours. */
  ttlMs?: number;
}

/**
 * Creates a one-time enrolment invite for `email` with `role` in a tenant. Checks, in order: the
 * email is well-formed (`validation_failed`); no console user of the tenant has it
 * (`console_user_exists`; a disabled user
 * cannot be invited again yet). Returns the invite and its token, which goes into the link once and is
 * stored only as a hash.
 */
export async function inviteConsoleUser(
  store: Pick<ConsoleStore, 'findUserByEmail' | 'insertInvite'>,
  input: InviteConsoleUserInput,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<{ invite: ConsoleInviteRecord; token: string }> {
  const email = normalizeConsoleEmail(input.email);
  const existing = await store.findUserByEmail(input.tenantId, email);
  if (existing) {
    throw new KeyraError(
      'console_user_exists',
      existing.disabledAt === null
        ? `${email} is already a console user of this tenant (${existing.id}, ${existing.role}); change their role instead.`
        : `${email} was a console user of this tenant (${existing.id}) and is disabled; disabled users cannot be invited again yet.`,
    );
  }
  const token = newConsoleToken(CONSOLE_INVITE_PREFIX, random);
  const invite: ConsoleInviteRecord = {
    id: newId('consoleInvite', random),
    tenantId: input.tenantId,
    email,
    role: input.role,
    tokenHash: hashConsoleToken(token),
    createdAt: now,
    expiresAt: now + (input.ttlMs ?? CONSOLE_INVITE_TTL_MS),
    usedAt: null,
    invitedBy: input.invitedBy,
  };
  await store.insertInvite(invite);
  return { invite, token };
}
