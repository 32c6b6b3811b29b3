import { describe, expect, it } from 'vitest';
import {
  fitChannelDetector,
  isNarrowBandChannel,
  narrowBandProbability,
} from '../src/internal/channelDetector.js';
import { createPrng } from '../src/internal/prng.js';

describe('isNarrowBandChannel', () => {
  it('calls telephone bands, 8 kHz lines and G.711 narrow, wideband colourings not', () => {
    expect(isNarrowBandChannel([{ kind: 'band', lowHz: 300, highHz: 3400 }])).toBe(true);
    expect(isNarrowBandChannel([{ kind: 'narrowband' }])).toBe(true);
    expect(isNarrowBandChannel([{ kind: 'g711', law: 'a' }])).toBe(true);
    expect(isNarrowBandChannel([{ kind: 'band', lowHz: 100, highHz: 7000 }])).toBe(false);
    expect(isNarrowBandChannel([{ kind: 'eq', hz: 2500, gainDb: 6 }])).toBe(false);
    expect(isNarrowBandChannel([])).toBe(false);
  });
});

describe('fitChannelDetector', () => {
  it('separates two kinds of recordings that differ along one hidden direction', () => {
    const prng = createPrng(4);
    const gauss = (): number =>
      Math.sqrt(-2 * Math.log(Math.max(prng.next(), 1e-12))) * Math.cos(2 * Math.PI * prng.next());
    const dim = 12;
    // Narrow-band recordings sit 1.5 units further along (1, -1, 0, ...) / sqrt 2, under noise
    // that is large in the other directions.
    const make = (narrow: boolean): Float64Array =>
      Float64Array.from({ length: dim }, (_, j) => {
        const shift = narrow ? (j === 0 ? 1.5 : j === 1 ? -1.5 : 0) / Math.SQRT2 : 0;
        return shift + (j < 2 ? 0.3 : 2) * gauss();
      });
    const labels = Array.from({ length: 400 }, (_, i) => i % 2 === 1);
    const d = fitChannelDetector(labels.map(make), labels);
    const test = Array.from({ length: 400 }, (_, i) => i % 3 === 0);
    let right = 0;
    for (const narrow of test) {
      const p = narrowBandProbability(make(narrow), d.w, d.center, d.slope);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
      if (p > 0.5 === narrow) right++;
    }
    expect(right / test.length).toBeGreaterThan(0.95);
  });

  it('refuses data without both kinds', () => {
    expect(() => fitChannelDetector([[1], [2], [3]], [false, false, false])).toThrow(/each kind/);
  });
});
