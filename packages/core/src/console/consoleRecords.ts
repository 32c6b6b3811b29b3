import type { EpochMs, Environment } from '../domain.js';

/**
 * What a console user may do, weakest first. `viewer` reads and never sees secrets; `developer`
 * also works with challenges, devices, webhooks and voice; `admin` also rotates secrets and
 * redelivers; `owner` does everything, including members. See docs/console.md for the table.
 */
export type ConsoleRole = 'viewer' | 'developer' | 'admin' | 'owner';

export const CONSOLE_ROLES: readonly ConsoleRole[] = ['viewer', 'developer', 'admin', 'owner'];

/** Whether `role` is at least `minimum`. */
export function hasConsoleRole(role: ConsoleRole, minimum: ConsoleRole): boolean {
  return CONSOLE_ROLES.indexOf(role) >= CONSOLE_ROLES.indexOf(minimum);
}

/** A person who signs in to the console of one tenant (both environments). */
export interface ConsoleUserRecord {
  id: string;
  tenantId: string;
  /** Lower-cased; unique per tenant. */
  email: string;
  role: ConsoleRole;
  createdAt: EpochMs;
  disabledAt: EpochMs | null;
}

/** A one-time enrolment link. Only the SHA-256 of its token is stored. */
export interface ConsoleInviteRecord {
  id: string;
  tenantId: string;
  email: string;
  role: ConsoleRole;
  tokenHash: string;
  createdAt: EpochMs;
  expiresAt: EpochMs;
  usedAt: EpochMs | null;
  /** The console user who invited, or null for the CLI (`keyra console invite`). */
  invitedBy: string | null;
}

/** A console user's passkey (a discoverable WebAuthn credential). */
export interface ConsolePasskeyRecord {
  credentialId: string;
  userId: string;
  tenantId: string;
  /** base64url of the COSE public key. */
  publicKey: string;
  counter: number;
  transports: string[];
  createdAt: EpochMs;
  lastUsedAt: EpochMs | null;
}

/** A WebAuthn challenge issued to the console: for an invite's enrolment, or a sign-in. */
export interface ConsoleCeremonyRecord {
  challenge: string;
  kind: 'enrolment' | 'sign_in';
  /** The invite being redeemed (enrolment only). */
  inviteId: string | null;
  createdAt: EpochMs;
  expiresAt: EpochMs;
  usedAt: EpochMs | null;
}

/** A signed-in browser. Only the SHA-256 of the cookie's token is stored. */
export interface ConsoleSessionRecord {
  /** A non-secret id (`cs_…`) for listing sessions. */
  id: string;
  tokenHash: string;
  userId: string;
  tenantId: string;
  createdAt: EpochMs;
  lastSeenAt: EpochMs;
  /** The session ends once it has been idle this long. */
  idleTimeoutMs: number;
  /** The session ends at this instant whatever its use (absolute lifetime). */
  expiresAt: EpochMs;
  revokedAt: EpochMs | null;
}

/**
 * One state-changing request made through a console session: who, what, on which object, and
 * how it ended. A small table of its own until the audit log takes these over.
 */
export interface ConsoleActionRecord {
  id: string;
  tenantId: string;
  userId: string;
  /** The environment the request acted in; null for the console's own API (members, sessions). */
  environment: Environment | null;
  method: string;
  /** The route pattern, e.g. `/v1/webhook_endpoints/:id`. */
  route: string;
  targetId: string | null;
  statusCode: number;
  at: EpochMs;
}

/** Console users, invites, passkeys, ceremonies, sessions and actions: one narrow store. */
export interface ConsoleStore {
  insertInvite(invite: ConsoleInviteRecord): Promise<void>;
  findInviteByHash(tokenHash: string): Promise<ConsoleInviteRecord | null>;
  /** The one conditional write that redeems an invite: unused and unexpired at `now` → used. */
  useInvite(id: string, now: EpochMs): Promise<boolean>;

  insertUser(user: ConsoleUserRecord): Promise<void>;
  findUser(tenantId: string, id: string): Promise<ConsoleUserRecord | null>;
  findUserByEmail(tenantId: string, email: string): Promise<ConsoleUserRecord | null>;
  /** A tenant's users, oldest first, disabled ones included. */
  listUsers(tenantId: string): Promise<ConsoleUserRecord[]>;
  /**
   * Sets the role of an active user. One conditional write: an owner is demoted only while
   * another active owner remains. Returns the user after, or null when nothing changed (absent,
   * disabled, or the last owner).
   */
  setRole(tenantId: string, id: string, role: ConsoleRole): Promise<ConsoleUserRecord | null>;
  /** Disables an active user, with the same last-owner guard as `setRole`. */
  disableUser(tenantId: string, id: string, now: EpochMs): Promise<ConsoleUserRecord | null>;

  insertPasskey(passkey: ConsolePasskeyRecord): Promise<void>;
  /** By credential id alone: a discoverable sign-in does not say who is signing in. */
  findPasskey(credentialId: string): Promise<ConsolePasskeyRecord | null>;
  /** Sets the counter and last use only if the stored counter is still `previous` (one winner). */
  recordPasskeyUse(
    credentialId: string,
    previous: number,
    next: number,
    now: EpochMs,
  ): Promise<boolean>;

  insertCeremony(ceremony: ConsoleCeremonyRecord): Promise<void>;
  /** Marks an unused, unexpired ceremony of `kind` used and returns it, for exactly one caller. */
  consumeCeremony(
    challenge: string,
    kind: ConsoleCeremonyRecord['kind'],
    now: EpochMs,
  ): Promise<ConsoleCeremonyRecord | null>;

  /**
   * Deletes ceremonies that expired before `before` (sign-in options are asked for without a
   * session, so they must not pile up); returns how many.
   */
  purgeCeremoniesBefore(before: EpochMs): Promise<number>;

  insertSession(session: ConsoleSessionRecord): Promise<void>;
  findSession(tokenHash: string): Promise<ConsoleSessionRecord | null>;
  /** Moves `lastSeenAt` forward (never back). */
  touchSession(tokenHash: string, now: EpochMs): Promise<void>;
  /** Revokes one session; false when absent or already revoked. */
  revokeSession(tokenHash: string, now: EpochMs): Promise<boolean>;
  /** Revokes every unrevoked session of a user; returns how many. */
  revokeUserSessions(tenantId: string, userId: string, now: EpochMs): Promise<number>;
  /** A user's unrevoked sessions whose absolute lifetime has not ended, newest first. */
  listSessions(tenantId: string, userId: string, now: EpochMs): Promise<ConsoleSessionRecord[]>;

  recordAction(action: ConsoleActionRecord): Promise<void>;
  /** A tenant's actions, newest first. */
  listActions(tenantId: string, limit: number): Promise<ConsoleActionRecord[]>;
}
