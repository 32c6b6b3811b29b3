import { describe, expect, it } from 'vitest';
import {
  QUALITY_THRESHOLDS,
  qualityGate,
  replayGate,
  REPLAY_SIMILARITY_THRESHOLD,
  speakerGate,
  type VoiceFingerprintRecord,
} from '../../src/index.js';

/** A reproducible fingerprint: `frames` 16-bit sub-fingerprints from a seeded xorshift. */
function fingerprint(seed: number, frames = 100): Uint16Array {
  let x = seed >>> 0 || 1;
  return Uint16Array.from({ length: frames }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x & 0xffff;
  });
}

/** `source` with its first `bits` bits inverted: a bit error rate of bits / (16 × frames). */
function withFlippedBits(source: Uint16Array, bits: number): Uint16Array {
  const copy = Uint16Array.from(source);
  for (let k = 0; k < bits; k++) copy[Math.floor(k / 16)]! ^= 1 << (k % 16);
  return copy;
}

const PROBE = fingerprint(42);

function earlier(
  fields: Partial<VoiceFingerprintRecord> & Pick<VoiceFingerprintRecord, 'fingerprint'>,
): VoiceFingerprintRecord {
  return {
    id: 'vfp_1',
    tenantId: 'ten_1',
    environment: 'sandbox',
    wallet: '0xabc',
    source: 'verify',
    phraseId: 'phr_old',
    bytesSha256: 'b'.repeat(64),
    createdAt: 0,
    ...fields,
  };
}

const current = { bytesSha256: 'a'.repeat(64), fingerprint: PROBE };

describe('replayGate', () => {
  it('passes a first recording', () => {
    expect(replayGate(current, [], 'phr_new')).toEqual({
      passed: true,
      reason: null,
      similarity: 0,
      threshold: REPLAY_SIMILARITY_THRESHOLD,
    });
  });

  it('passes a different recording (similarity near 0.5)', () => {
    const gate = replayGate(current, [earlier({ fingerprint: fingerprint(7) })], 'phr_new');
    expect(gate.passed).toBe(true);
    expect(gate.similarity).toBeLessThan(0.7);
  });

  it('refuses the same bytes sent again, whatever their fingerprint', () => {
    const gate = replayGate(
      current,
      [earlier({ bytesSha256: current.bytesSha256, fingerprint: fingerprint(7) })],
      'phr_new',
    );
    expect(gate).toMatchObject({ passed: false, reason: 'same_recording', similarity: 1 });
  });

  it('refuses the enrolment recording played back', () => {
    const gate = replayGate(
      current,
      [earlier({ source: 'enroll', phraseId: null, fingerprint: withFlippedBits(PROBE, 80) })],
      'phr_new',
    );
    expect(gate).toMatchObject({ passed: false, reason: 'enrollment_recording', similarity: 0.95 });
  });

  it('refuses at the threshold and passes just below it', () => {
    // 320 of 1600 bits differ: similarity exactly 0.8; 321 bits: 0.799.
    expect(
      replayGate(current, [earlier({ fingerprint: withFlippedBits(PROBE, 320) })], 'phr_new'),
    ).toMatchObject({ passed: false, reason: 'near_identical_recording', similarity: 0.8 });
    expect(
      replayGate(current, [earlier({ fingerprint: withFlippedBits(PROBE, 321) })], 'phr_new'),
    ).toMatchObject({ passed: true, reason: null, similarity: 0.799 });
  });

  it('finds a re-recording that starts later (trimmed)', () => {
    const trimmed = PROBE.subarray(10);
    expect(replayGate(current, [earlier({ fingerprint: trimmed })], 'phr_new')).toMatchObject({
      passed: false,
      reason: 'near_identical_recording',
      similarity: 1,
    });
  });

  it('skips earlier attempts at the same phrase: a retry is not a replay', () => {
    const retry = earlier({
      phraseId: 'phr_same',
      bytesSha256: current.bytesSha256,
      fingerprint: PROBE,
    });
    expect(replayGate(current, [retry], 'phr_same')).toMatchObject({ passed: true, similarity: 0 });
    expect(replayGate(current, [retry], null)).toMatchObject({ passed: false });
  });

  it('names an exact copy over a near-identical one seen more recently', () => {
    const gate = replayGate(
      current,
      [
        earlier({ fingerprint: withFlippedBits(PROBE, 40) }),
        earlier({
          source: 'enroll',
          phraseId: null,
          bytesSha256: current.bytesSha256,
          fingerprint: PROBE,
        }),
      ],
      'phr_new',
    );
    expect(gate).toMatchObject({ passed: false, reason: 'enrollment_recording', similarity: 1 });
  });
});

describe('speakerGate', () => {
  it('passes at the threshold and fails below it', () => {
    expect(speakerGate(0.5, 0.5)).toEqual({ passed: true, score: 0.5, threshold: 0.5 });
    expect(speakerGate(0.499_9, 0.5)).toMatchObject({ passed: false, score: 0.5 });
    expect(speakerGate(0.123_456, 0.1)).toEqual({ passed: true, score: 0.123, threshold: 0.1 });
  });
});

describe('qualityGate', () => {
  const good = { durationSec: 3, speechSec: 2, clippingRatio: 0, levelDbfs: -20 };

  it('passes at every limit', () => {
    expect(
      qualityGate({
        durationSec: 1,
        speechSec: QUALITY_THRESHOLDS.minSpeechSec,
        clippingRatio: QUALITY_THRESHOLDS.maxClippingRatio,
        levelDbfs: QUALITY_THRESHOLDS.minLevelDbfs,
        bandwidthHz: QUALITY_THRESHOLDS.minBandwidthHz,
        snrDb: QUALITY_THRESHOLDS.minSnrDb,
      }),
    ).toEqual({
      passed: true,
      speech_seconds: 0.6,
      min_speech_seconds: 0.6,
      clipping_ratio: 0.01,
      max_clipping_ratio: 0.01,
      level_dbfs: -45,
      min_level_dbfs: -45,
      bandwidth_hz: 2000,
      min_bandwidth_hz: 2000,
      snr_db: 6,
      min_snr_db: 6,
      issues: [],
      advice: [],
    });
  });

  it('refuses narrow-band and noisy audio below the floors, with advice', () => {
    const gate = qualityGate({ ...good, bandwidthHz: 1999, snrDb: 5.9 });
    expect(gate.passed).toBe(false);
    expect(gate.issues).toEqual(['narrow_band', 'noisy']);
    expect(gate.advice).toHaveLength(2);
  });

  it.each([
    ['too little speech', { speechSec: 0.59 }, ['too_little_speech']],
    ['clipping', { clippingRatio: 0.010_1 }, ['clipping']],
    ['too quiet', { levelDbfs: -45.1 }, ['too_quiet']],
    ['silence (no level at all)', { levelDbfs: Number.NEGATIVE_INFINITY }, ['too_quiet']],
    ['an unmeasurable level', { levelDbfs: Number.NaN }, ['too_quiet']],
    [
      'everything at once',
      { speechSec: 0, clippingRatio: 0.5, levelDbfs: -90 },
      ['too_little_speech', 'clipping', 'too_quiet'],
    ],
  ])('fails %s', (_name, measures, issues) => {
    const gate = qualityGate({ ...good, ...measures });
    expect(gate).toMatchObject({ passed: false, issues });
  });

  it('reports a silent level as -120 dBFS and rounds the measures', () => {
    expect(qualityGate({ ...good, levelDbfs: Number.NEGATIVE_INFINITY }).level_dbfs).toBe(-120);
    expect(
      qualityGate({ ...good, speechSec: 1.234_56, clippingRatio: 0.000_123_4, levelDbfs: -20.26 }),
    ).toMatchObject({ speech_seconds: 1.23, clipping_ratio: 0.0001, level_dbfs: -20.3 });
  });

  it('asks an enrolment for more speech', () => {
    const enrol = (speechSec: number) =>
      qualityGate({ ...good, speechSec }, QUALITY_THRESHOLDS.minEnrollSpeechSec);
    expect(enrol(1.5)).toMatchObject({ passed: true, min_speech_seconds: 1.5 });
    expect(enrol(1.49)).toMatchObject({ passed: false, issues: ['too_little_speech'] });
  });
});
