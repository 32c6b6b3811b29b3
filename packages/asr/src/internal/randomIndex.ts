import type { RandomBytes } from '../randomBytes.js';

/**
 * A uniform integer in [0, n) from 16-bit draws, rejecting the top of the range so every index is
 * equally likely (n is at most a few dozen here).
 */
export function randomIndex(n: number, random: RandomBytes): number {
  if (!Number.isInteger(n) || n < 1 || n > 0x10000) throw new RangeError(`bad range ${n}`);
  const limit = 0x10000 - (0x10000 % n);
  for (;;) {
    const bytes = random(2);
    if (bytes.length < 2) throw new RangeError('random source returned too few bytes');
    const value = (bytes[0]! << 8) | bytes[1]!;
    if (value < limit) return value % n;
  }
}
