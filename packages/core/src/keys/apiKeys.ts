import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, EpochMs, Environment } from '../domain.js';
import { randomBase62, systemRandom, type RandomBytes } from '../ids.js';

const KEY_PREFIX: Readonly<Record<Environment, string>> = {
  sandbox: 'sk_test_',
  production: 'sk_live_',
};

/** 32 base62 characters ≈ 190 bits of entropy: a plain SHA-256 is enough to store it safely. */
const SECRET_LENGTH = 32;
const KEY_PATTERN = /^sk_(test|live)_[0-9A-Za-z]{32}$/;

export interface GeneratedApiKey {
  /** The secret, shown once and never stored. */
  secret: string;
  hash: string;
  displayPrefix: string;
}

/** Creates a new secret key for `environment` with its storage hash and display prefix. */
export function generateApiKey(
  environment: Environment,
  random: RandomBytes = systemRandom,
): GeneratedApiKey {
  const secret = `${KEY_PREFIX[environment]}${randomBase62(SECRET_LENGTH, random)}`;
  return { secret, hash: hashApiKey(secret), displayPrefix: `${secret.slice(0, 12)}…` };
}

/** SHA-256 hex of the key; this is the only form that reaches the database. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The environment a key string claims, or null when it is not shaped like a KEYRA key. */
export function parseApiKeyEnvironment(secret: string): Environment | null {
  const match = KEY_PATTERN.exec(secret);
  if (!match) return null;
  return match[1] === 'live' ? 'production' : 'sandbox';
}

/** Constant-time comparison of two hex digests of equal length. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Where a key stands at `now`: `rotating` keys still work until their `expiresAt`. */
export type ApiKeyState = 'active' | 'rotating' | 'expired' | 'revoked';

/** The state of `key` at `now`, as `keyra keys list` and the console show it. */
export function apiKeyState(key: ApiKeyRecord, now: EpochMs): ApiKeyState {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null) return key.expiresAt > now ? 'rotating' : 'expired';
  return 'active';
}
