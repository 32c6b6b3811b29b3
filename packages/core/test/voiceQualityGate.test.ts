import { describe, expect, it } from 'vitest';
import { QUALITY_THRESHOLDS, qualityGate } from '../src/index.js';

const good = {
  durationSec: 3,
  speechSec: 2.5,
  clippingRatio: 0,
  levelDbfs: -25,
  bandwidthHz: 7800,
  snrDb: 30,
};

describe('qualityGate', () => {
  it('passes a clean recording and reports what it measured', () => {
    const gate = qualityGate(good);
    expect(gate).toMatchObject({
      passed: true,
      bandwidth_hz: 7800,
      min_bandwidth_hz: QUALITY_THRESHOLDS.minBandwidthHz,
      snr_db: 30,
      min_snr_db: QUALITY_THRESHOLDS.minSnrDb,
      issues: [],
      advice: [],
    });
  });

  it('refuses band-limited and noisy audio with advice for each issue', () => {
    const gate = qualityGate({ ...good, bandwidthHz: 1500, snrDb: 3 });
    expect(gate.passed).toBe(false);
    expect(gate.issues).toEqual(['narrow_band', 'noisy']);
    expect(gate.advice).toHaveLength(2);
    expect(gate.advice[1]).toMatch(/quieter place/);
  });

  it('keeps telephone-band audio (a line passes ~3.4-4 kHz)', () => {
    expect(qualityGate({ ...good, bandwidthHz: 3700, snrDb: 15 }).passed).toBe(true);
  });

  it('skips the measures a caller did not make', () => {
    const { bandwidthHz: _b, snrDb: _s, ...old } = good;
    const gate = qualityGate(old);
    expect(gate.passed).toBe(true);
    expect(gate).not.toHaveProperty('bandwidth_hz');
  });
});
