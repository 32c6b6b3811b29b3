import { describe, expect, it } from 'vitest';
import { MAX_ATTEMPTS, nextAttemptAt, RETRY_DELAYS_SECONDS } from '../../src/index.js';

/** mulberry32: a small seeded PRNG in [0, 1), so jitter is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const NOW = Date.UTC(2027, 0, 15, 9, 0, 0);
const middle = () => 0.5;

describe('webhook retry schedule', () => {
  it('is the documented schedule: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, 16 h, 24 h, 24 h', () => {
    expect(RETRY_DELAYS_SECONDS).toEqual([
      5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800, 57_600, 86_400, 86_400,
    ]);
    expect(MAX_ATTEMPTS).toBe(13);
    const total = RETRY_DELAYS_SECONDS.reduce((sum, delay) => sum + delay, 0);
    expect(total).toBe(286_955); // about 3.3 days
  });

  it('waits exactly the base delay at the middle of the jitter', () => {
    const waits = RETRY_DELAYS_SECONDS.map((_, i) => nextAttemptAt(i + 1, NOW, middle)! - NOW);
    expect(waits).toEqual(RETRY_DELAYS_SECONDS.map((seconds) => seconds * 1000));
  });

  it('retries the first failure within 10 seconds, whatever the jitter', () => {
    expect(nextAttemptAt(1, NOW, () => 0)! - NOW).toBe(4_000);
    expect(nextAttemptAt(1, NOW, () => 0.999_999_999)! - NOW).toBe(6_000);
  });

  it('keeps every delay within ±20 % of its base (seeded jitter)', () => {
    const random = seeded(20_270_115);
    for (let attempts = 1; attempts < MAX_ATTEMPTS; attempts++) {
      const base = RETRY_DELAYS_SECONDS[attempts - 1]! * 1000;
      const waits = Array.from({ length: 200 }, () => nextAttemptAt(attempts, NOW, random)! - NOW);
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(base * 0.8);
      expect(Math.max(...waits)).toBeLessThanOrEqual(base * 1.2);
      // The jitter spreads: retries of one outage do not land at one instant.
      expect(new Set(waits).size).toBeGreaterThan(100);
    }
  });

  it('is reproducible with the same seed', () => {
    const run = (seed: number) => {
      const random = seeded(seed);
      return Array.from({ length: 12 }, (_, i) => nextAttemptAt(i + 1, NOW, random));
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('gives up after the last delay', () => {
    expect(nextAttemptAt(MAX_ATTEMPTS - 1, NOW, middle)).toBe(NOW + 86_400_000);
    expect(nextAttemptAt(MAX_ATTEMPTS, NOW, middle)).toBeNull();
    expect(nextAttemptAt(MAX_ATTEMPTS + 5, NOW, middle)).toBeNull();
  });

  it('has no retry before a first failure', () => {
    expect(nextAttemptAt(0, NOW, middle)).toBeNull();
  });
});
