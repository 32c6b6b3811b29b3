import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  decodeTemplate,
  deriveProjection,
  encodeTemplate,
  fingerprintSimilarity,
  keyedLegacyHash,
  legacyHashesEqual,
} from '../src/index.js';

const secret = Buffer.alloc(32, 7);
const context = {
  tenantId: 'ten_1',
  environment: 'sandbox' as const,
  wallet: 'w',
  projectionId: 'p0',
};

function unit(n: number, seed: number): Float32Array {
  let s = seed;
  const v = Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const dot = (a: Float32Array, b: Float32Array): number =>
  a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe('deriveProjection', () => {
  it('is orthogonal: dot products and lengths are preserved', () => {
    const p = deriveProjection(secret, context, 2580);
    expect(p.dimension).toBe(4096);
    const a = unit(2580, 1);
    const b = unit(2580, 2);
    expect(dot(p.apply(a), p.apply(b))).toBeCloseTo(dot(a, b), 5);
    expect(dot(p.apply(a), p.apply(a))).toBeCloseTo(1, 5);
  });

  it('is deterministic for one key and unrelated across wallets, tenants and projection ids', () => {
    const a = unit(2580, 3);
    const base = deriveProjection(secret, context, 2580).apply(a);
    expect(deriveProjection(secret, context, 2580).apply(a)).toEqual(base);
    for (const other of [
      { ...context, projectionId: 'p1' },
      { ...context, wallet: 'w2' },
      { ...context, tenantId: 'ten_2' },
      { ...context, environment: 'production' as const },
    ]) {
      // The same voice under another key scores like a stranger (|cos| ~ 1/sqrt(4096)).
      expect(Math.abs(dot(deriveProjection(secret, other, 2580).apply(a), base))).toBeLessThan(
        0.08,
      );
    }
    expect(
      Math.abs(dot(deriveProjection(randomBytes(32), context, 2580).apply(a), base)),
    ).toBeLessThan(0.08);
  });

  it('round-trips templates through their stored text', () => {
    const v = deriveProjection(secret, context, 2580).apply(unit(2580, 4));
    expect(decodeTemplate(encodeTemplate(v))).toEqual(v);
  });
});

describe('legacy hashes', () => {
  it('stores a keyed hash and compares in constant time', () => {
    const scope = { tenantId: 'ten_1', environment: 'sandbox' as const };
    const h = 'ab'.repeat(32);
    const stored = keyedLegacyHash(secret, scope, 'w', h);
    expect(stored).not.toContain(h);
    expect(legacyHashesEqual(keyedLegacyHash(secret, scope, 'w', h.toUpperCase()), stored)).toBe(
      true,
    );
    expect(legacyHashesEqual(keyedLegacyHash(secret, scope, 'w2', h), stored)).toBe(false);
    expect(legacyHashesEqual('', stored)).toBe(false);
  });
});

describe('fingerprintSimilarity', () => {
  it('is 1 for the same print, ~0.5 for random ones, and finds shifted copies', () => {
    const a = Uint16Array.from({ length: 200 }, (_, i) => (i * 2654435761) & 0xffff);
    const b = Uint16Array.from({ length: 200 }, (_, i) => (i * 40503 + 17) & 0xffff);
    expect(fingerprintSimilarity(a, a)).toBe(1);
    expect(fingerprintSimilarity(a, b)).toBeLessThan(0.7);
    expect(fingerprintSimilarity(a.subarray(30, 150), a)).toBe(1);
    expect(fingerprintSimilarity(a.subarray(0, 5), a)).toBe(0);
  });
});
