import { describe, expect, it } from 'vitest';
import { isIdOf, newId, randomBase62, systemRandom } from '../src/ids.js';
import { decodeCursor, encodeCursor } from '../src/challenges/listChallenges.js';
import {
  generateApiKey,
  hashApiKey,
  hashesEqual,
  parseApiKeyEnvironment,
} from '../src/keys/apiKeys.js';
import { KeyraError } from '../src/errors.js';
import { jsonDepth } from '../src/challenges/createChallenge.js';

describe('ids and keys', () => {
  it('makes prefixed base62 ids', () => {
    const id = newId('challenge');
    expect(id).toMatch(/^chl_[0-9A-Za-z]{24}$/);
    expect(isIdOf('challenge', id)).toBe(true);
    expect(isIdOf('challenge', 'chl_9k2m')).toBe(true);
    expect(isIdOf('challenge', 'key_9k2m')).toBe(false);
    expect(isIdOf('challenge', 'chl_9k2m/../x')).toBe(false);
  });

  it('hands out each pooled random byte once, across refills', () => {
    // 40-byte draws across several 4 KiB refills: no two draws share bytes (for 40 random bytes a
    // repeat has probability 2^-320, so a repeat means a reused pool position).
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const bytes = systemRandom(40);
      expect(bytes).toHaveLength(40);
      seen.add(Buffer.from(bytes).toString('hex'));
    }
    expect(seen.size).toBe(1000);
    // Large requests go to the CSPRNG directly.
    const large = systemRandom(8192);
    expect(large).toHaveLength(8192);
    expect(new Set(large).size).toBeGreaterThan(200);
  });

  it('draws base62 characters without bias from a byte source', () => {
    // A source that only yields 255 (rejected) then 61 ('z') proves rejection sampling.
    let calls = 0;
    const source = (n: number): Uint8Array => {
      calls += 1;
      return new Uint8Array(n).fill(calls === 1 ? 255 : 61);
    };
    expect(randomBase62(4, source)).toBe('zzzz');
  });

  it('creates sk_test_/sk_live_ keys, stored as SHA-256 only', () => {
    const test = generateApiKey('sandbox');
    const live = generateApiKey('production');
    expect(test.secret).toMatch(/^sk_test_[0-9A-Za-z]{32}$/);
    expect(live.secret).toMatch(/^sk_live_[0-9A-Za-z]{32}$/);
    expect(test.hash).toBe(hashApiKey(test.secret));
    expect(test.hash).not.toContain(test.secret.slice(8));
    expect(test.displayPrefix).toBe(`${test.secret.slice(0, 12)}…`);
    expect(parseApiKeyEnvironment(test.secret)).toBe('sandbox');
    expect(parseApiKeyEnvironment(live.secret)).toBe('production');
    expect(parseApiKeyEnvironment('sk_prod_x')).toBeNull();
    expect(hashesEqual(test.hash, test.hash)).toBe(true);
    expect(hashesEqual(test.hash, live.hash)).toBe(false);
    expect(hashesEqual(test.hash, 'ab')).toBe(false);
  });

  it('round-trips cursors and refuses forged ones', () => {
    const cursor = { createdAt: 1780000000000, id: 'chl_abcdef' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of [
      '',
      '!!!',
      Buffer.from('[1,"x"]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(KeyraError);
    }
  });

  it('measures JSON depth', () => {
    expect(jsonDepth(1)).toBe(0);
    expect(jsonDepth({})).toBe(1);
    expect(jsonDepth({ a: [{}] })).toBe(3);
  });
});
