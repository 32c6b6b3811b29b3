import type { DecodedAudio } from '../audio/decodedAudio.js';
import { frontEnd, FRONT_END_SPEC } from '../features/frontEnd.js';
import { createRealFft } from '../internal/fft.js';

/** Signal measurements for the quality gate. */
export interface QualityMeasurements {
  durationSec: number;
  /** Seconds the energy VAD keeps that are also above an absolute floor of -55 dBFS. */
  speechSec: number;
  /** Fraction of decoded samples at (or within 0.1 % of) full scale, over all channels. */
  clippingRatio: number;
  /** Mean power of the speech frames, dBFS (RMS); -120 when there is none. */
  levelDbfs: number;
  /**
   * Audio bandwidth, Hz: the highest frequency at which the long-term spectrum of the speech
   * frames is within 50 dB of its peak (about 3,400-4,000 for a telephone line, 7,000-8,000
   * for a wideband microphone); 0 when there is no speech.
   */
  bandwidthHz: number;
  /**
   * Signal-to-noise ratio, dB: mean power of the speech frames over the mean power of the
   * quietest tenth of all frames (the background between words), capped at 60.
   */
  snrDb: number;
}

const FLOOR_DBFS = -55;
const S = FRONT_END_SPEC;
const fft = createRealFft(S.fftSize);
const BINS = S.fftSize / 2 + 1;
const hann = Float64Array.from(
  { length: S.frameLength },
  (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (S.frameLength - 1)),
);

/** Measures duration, VAD speech, clipping, level, bandwidth and SNR of a recording. */
export function measureQuality(decoded: DecodedAudio, pcm16k: Float32Array): QualityMeasurements {
  let clipped = 0;
  for (const x of decoded.samples) if (Math.abs(x) >= 0.999) clipped++;
  const fe = frontEnd(pcm16k);
  const offsetDb = 10 * Math.log10(S.frameLength);
  let speechFrames = 0;
  let power = 0;
  const spectrum = new Float64Array(BINS);
  const frame = new Float64Array(S.fftSize);
  const bins = new Float64Array(BINS);
  for (let t = 0; t < fe.frames; t++) {
    const dbfs = fe.energyDb[t]! - offsetDb;
    if (fe.speech[t] === 1 && dbfs > FLOOR_DBFS) {
      speechFrames++;
      power += 10 ** (dbfs / 10);
      const start = t * S.frameShift;
      for (let i = 0; i < S.frameLength; i++) frame[i] = pcm16k[start + i]! * hann[i]!;
      frame.fill(0, S.frameLength);
      fft.powerSpectrum(frame, bins);
      for (let k = 0; k < BINS; k++) spectrum[k] = spectrum[k]! + bins[k]!;
    }
  }
  return {
    durationSec: decoded.durationSec,
    speechSec: (speechFrames * S.frameShift) / S.sampleRate,
    clippingRatio: decoded.samples.length > 0 ? clipped / decoded.samples.length : 0,
    levelDbfs: speechFrames > 0 ? 10 * Math.log10(power / speechFrames) : -120,
    bandwidthHz: speechFrames > 0 ? bandwidth(spectrum) : 0,
    snrDb: speechFrames > 0 ? snr(fe.energyDb, fe.speech) : 0,
  };
}

function bandwidth(spectrum: Float64Array): number {
  let peak = 0;
  // Ignore the DC and sub-100 Hz bins: hum and offsets are not bandwidth.
  const first = Math.ceil((100 * S.fftSize) / S.sampleRate);
  for (let k = first; k < BINS; k++) peak = Math.max(peak, spectrum[k]!);
  if (peak <= 0) return 0;
  const floor = peak * 1e-5;
  let last = first;
  for (let k = first; k < BINS; k++) if (spectrum[k]! >= floor) last = k;
  return Math.round((last * S.sampleRate) / S.fftSize);
}

function snr(energyDb: Float64Array, speech: Uint8Array): number {
  const sorted = Float64Array.from(energyDb).sort();
  const quiet = Math.max(1, Math.floor(sorted.length / 10));
  let noise = 0;
  for (let i = 0; i < quiet; i++) noise += 10 ** (sorted[i]! / 10) / quiet;
  let signal = 0;
  let count = 0;
  for (let t = 0; t < energyDb.length; t++) {
    if (speech[t] !== 1) continue;
    signal += 10 ** (energyDb[t]! / 10);
    count++;
  }
  if (count === 0) return 0;
  signal /= count;
  return noise > 0 ? Math.min(60, 10 * Math.log10(signal / noise)) : 60;
}
