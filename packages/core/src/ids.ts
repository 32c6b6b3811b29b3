import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random source seam: returns `n` cryptographically random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

// Random bytes are drawn from the CSPRNG 4 KiB at a time: a call for a few bytes (an id takes 48)
// cost about as much as one for 4 KiB, and ids are made several times per request. Each byte is
// handed out once, as a copy; requests over 1 KiB go to the CSPRNG directly.
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let poolOffset = POOL_BYTES;

export const systemRandom: RandomBytes = (n) => {
  if (n > POOL_BYTES / 4) return randomBytes(n);
  if (poolOffset + n > POOL_BYTES) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return bytes;
};

/** Object id prefixes. An id is `prefix_` followed by {@link ID_BODY_LENGTH} base62 characters. */
export const ID_PREFIX = {
  tenant: 'ten',
  apiKey: 'key',
  challenge: 'chl',
  proof: 'prf',
  device: 'dev',
  event: 'evt',
  webhookEndpoint: 'we',
  delivery: 'whd',
  attempt: 'wha',
  stamp: 'stp',
  usage: 'use',
  oauthClient: 'cli',
  auditEntry: 'aud',
  auditCheckpoint: 'acp',
  consoleUser: 'cu',
  consoleInvite: 'cinv',
  consoleSession: 'cs',
  consoleAction: 'cact',
  policy: 'pol',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

export const ID_BODY_LENGTH = 24;

/** Base62 text of `length` characters with no modulo bias (rejection sampling). */
export function randomBase62(length: number, random: RandomBytes = systemRandom): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random(length * 2)) {
      // 248 = 62 * 4: bytes at or above it would bias the alphabet.
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function newId(kind: IdKind, random: RandomBytes = systemRandom): string {
  return `${ID_PREFIX[kind]}_${randomBase62(ID_BODY_LENGTH, random)}`;
}

/**
 * Whether `value` is well-formed for `kind`. Lenient on the body length (8..64) so ids from older
 * or external systems (like the docs' `chl_9k2m`) are merely "not found", never malformed.
 */
export function isIdOf(kind: IdKind, value: string): boolean {
  return ID_PATTERNS[kind].test(value);
}

const ID_PATTERNS = Object.fromEntries(
  Object.entries(ID_PREFIX).map(([kind, prefix]) => [
    kind,
    new RegExp(`^${prefix}_[0-9A-Za-z]{4,64}$`),
  ]),
) as Record<IdKind, RegExp>;
