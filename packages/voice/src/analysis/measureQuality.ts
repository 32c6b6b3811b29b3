import type { DecodedAudio } from '../audio/DecodedAudio.js';
import { frontEnd, FRONT_END_SPEC } from '../features/frontEnd.js';

/** Signal measurements for the quality gate. */
export interface QualityMeasurements {
  durationSec: number;
  /** Seconds the energy VAD keeps that are also above an absolute floor of -55 dBFS. */
  speechSec: number;
  /** Fraction of decoded samples at (or within 0.1 % of) full scale, over all channels. */
  clippingRatio: number;
  /** Mean power of the speech frames, dBFS (RMS); -120 when there is none. */
  levelDbfs: number;
}

const FLOOR_DBFS = -55;

/** Measures duration, VAD speech, clipping and level of a recording. */
export function measureQuality(decoded: DecodedAudio, pcm16k: Float32Array): QualityMeasurements {
  let clipped = 0;
  for (const x of decoded.samples) if (Math.abs(x) >= 0.999) clipped++;
  const fe = frontEnd(pcm16k);
  const offsetDb = 10 * Math.log10(FRONT_END_SPEC.frameLength);
  let speechFrames = 0;
  let power = 0;
  for (let t = 0; t < fe.frames; t++) {
    const dbfs = fe.energyDb[t]! - offsetDb;
    if (fe.speech[t] === 1 && dbfs > FLOOR_DBFS) {
      speechFrames++;
      power += 10 ** (dbfs / 10);
    }
  }
  return {
    durationSec: decoded.durationSec,
    speechSec: (speechFrames * FRONT_END_SPEC.frameShift) / FRONT_END_SPEC.sampleRate,
    clippingRatio: decoded.samples.length > 0 ? clipped / decoded.samples.length : 0,
    levelDbfs: speechFrames > 0 ? 10 * Math.log10(power / speechFrames) : -120,
  };
}
