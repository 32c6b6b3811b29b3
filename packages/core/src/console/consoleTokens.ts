import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { KeyraError } from '../errors.js';
import type { RandomBytes } from '../ids.js';

/** The prefixes of the console's bearer secrets: session cookies and invite links. */
export const CONSOLE_SESSION_PREFIX = 'kcs_';
export const CONSOLE_INVITE_PREFIX = 'kci_';

/** A fresh secret token: `prefix` and 32 random bytes in base64url. */
export function newConsoleToken(prefix: string, random: RandomBytes): string {
  return `${prefix}${Buffer.from(random(32)).toString('base64url')}`;
}

/** The SHA-256 (hex) under which a token is stored; the token itself never is. */
export function hashConsoleToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The CSRF token of a session: an HMAC keyed by the session's own secret token, so the server
 * recomputes it from the cookie and stores nothing more, and a page without the cookie's value
 * (which scripts cannot read: HttpOnly) cannot produce it. `GET /console/api/session` hands it to
 * the console page, which sends it back as `X-CSRF-Token`.
 */
export function consoleCsrfToken(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('keyra-console-csrf-v1').digest('base64url');
}

/** Checks a presented CSRF token against the session's in constant time. */
export function checkConsoleCsrf(sessionToken: string, presented: string | undefined): void {
  const expected = Buffer.from(consoleCsrfToken(sessionToken));
  const given = Buffer.from(presented ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new KeyraError(
      'console_csrf_failed',
      'Missing or wrong X-CSRF-Token: read it from GET /console/api/session and send it with every change.',
      { cause: presented === undefined ? 'missing' : 'mismatch' },
    );
  }
}

/** How long console sessions live. */
export interface ConsoleSessionPolicy {
  /** Idle timeout: a session unused this long ends. */
  idleTimeoutMs: number;
  /** Absolute lifetime from sign-in, however busy the session is. */
  absoluteTimeoutMs: number;
}

export const DEFAULT_CONSOLE_SESSION_POLICY: ConsoleSessionPolicy = {
  idleTimeoutMs: 30 * 60 * 1000,
  absoluteTimeoutMs: 12 * 60 * 60 * 1000,
};

/** How long an invite link stays usable, by default. */
export const CONSOLE_INVITE_TTL_MS = 72 * 60 * 60 * 1000;

/** How long a console WebAuthn ceremony may take. */
export const CONSOLE_CEREMONY_TTL_MS = 5 * 60 * 1000;

/** Lower-cases and checks an email address; `validation_failed` when it does not look like one. */
export function normalizeConsoleEmail(email: string): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(normalized)) {
    throw new KeyraError('validation_failed', `"${email.slice(0, 80)}" is not an email address.`, {
      details: [{ field: 'email', issue: 'format' }],
    });
  }
  return normalized;
}
