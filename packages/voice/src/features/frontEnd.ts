import { createRealFft } from '../internal/fft.js';
import { melFilterbank } from '../internal/mel.js';
import { dctMatrix } from '../internal/dct.js';

/**
 * The exact front-end parameters of the classical back end. They are part of the model's
 * `params_version`: a model fit with one spec must never score features made with another.
 */
export const FRONT_END_SPEC = {
  sampleRate: 16000,
  frameLength: 400,
  frameShift: 160,
  preEmphasis: 0.97,
  window: 'hamming',
  fftSize: 512,
  melFilters: 40,
  lowHz: 20,
  highHz: 7600,
  ceps: 20,
  deltaWindow: 2,
  vadBelowPeakDb: 30,
  vadPeakPercentile: 98,
  vadSmoothing: '3-of-5',
} as const;

/** Frame-level features of one utterance. */
export interface FrontEndFeatures {
  /** Number of frames. */
  frames: number;
  /** c0..c19 per frame, row-major `frames x 20`. */
  mfcc: Float64Array;
  /** Frame log energy in dB (10 log10 of the DC-removed frame's energy). */
  energyDb: Float64Array;
  /** 1 where the energy VAD keeps the frame. */
  speech: Uint8Array;
}

const S = FRONT_END_SPEC;
const BINS = S.fftSize / 2 + 1;
const fft = createRealFft(S.fftSize);
const dct = dctMatrix(S.ceps, S.melFilters);
const hamming = Float64Array.from(
  { length: S.frameLength },
  (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (S.frameLength - 1)),
);
/** The band the mel filters cover; a model may narrow it (e.g. to what a telephone passes). */
export interface MelBand {
  lowHz: number;
  highHz: number;
}

interface Filterbank {
  weights: Float64Array;
  /** Sparse view: each triangle covers a few bins only. */
  ranges: Array<readonly [number, number]>;
}

const filterbanks = new Map<string, Filterbank>();

function filterbankFor(band: MelBand): Filterbank {
  const key = `${band.lowHz}-${band.highHz}`;
  let bank = filterbanks.get(key);
  if (!bank) {
    const weights = melFilterbank(S.melFilters, S.fftSize, S.sampleRate, band.lowHz, band.highHz);
    const ranges = Array.from({ length: S.melFilters }, (_, m) => {
      let first = -1;
      let last = -1;
      for (let k = 0; k < BINS; k++) {
        if (weights[m * BINS + k]! > 0) {
          if (first < 0) first = k;
          last = k;
        }
      }
      return [first, last] as const;
    });
    bank = { weights, ranges };
    filterbanks.set(key, bank);
  }
  return bank;
}

/**
 * Computes MFCC c0..c19 and the energy-VAD mask of 16 kHz mono audio, exactly as
 * `FRONT_END_SPEC` (and the yardstick's MODEL.md) describes: 400/160 framing, per-frame DC
 * removal, pre-emphasis 0.97, Hamming window, 512-point power spectrum, 40 HTK-mel filters
 * 20-7600 Hz, natural log, orthonormal DCT-II; VAD keeps frames above (98th percentile - 30 dB)
 * with 3-of-5 majority smoothing. Audio shorter than one frame yields zero frames. `band`
 * replaces the spec's 20-7600 Hz filter range (the model file records the one it was fit with).
 */
export function frontEnd(
  pcm: Float32Array,
  band: MelBand = { lowHz: S.lowHz, highHz: S.highHz },
): FrontEndFeatures {
  const { weights: mel, ranges: melRanges } = filterbankFor(band);
  const frames =
    pcm.length < S.frameLength ? 0 : 1 + Math.floor((pcm.length - S.frameLength) / S.frameShift);
  const mfcc = new Float64Array(frames * S.ceps);
  const energyDb = new Float64Array(frames);
  const frame = new Float64Array(S.fftSize);
  const power = new Float64Array(BINS);
  const logMel = new Float64Array(S.melFilters);
  for (let t = 0; t < frames; t++) {
    const start = t * S.frameShift;
    let mean = 0;
    for (let i = 0; i < S.frameLength; i++) mean += pcm[start + i]!;
    mean /= S.frameLength;
    let energy = 0;
    for (let i = 0; i < S.frameLength; i++) {
      const x = pcm[start + i]! - mean;
      frame[i] = x;
      energy += x * x;
    }
    energyDb[t] = 10 * Math.log10(Math.max(energy, 1e-20));
    // Pre-emphasis back to front so each sample still sees its unmodified predecessor.
    for (let i = S.frameLength - 1; i > 0; i--)
      frame[i] = frame[i]! - S.preEmphasis * frame[i - 1]!;
    frame[0] = frame[0]! * (1 - S.preEmphasis);
    for (let i = 0; i < S.frameLength; i++) frame[i] = frame[i]! * hamming[i]!;
    frame.fill(0, S.frameLength);
    fft.powerSpectrum(frame, power);
    for (let m = 0; m < S.melFilters; m++) {
      const [first, last] = melRanges[m]!;
      let sum = 0;
      for (let k = first; k <= last; k++) sum += mel[m * BINS + k]! * power[k]!;
      logMel[m] = Math.log(Math.max(sum, 1e-10));
    }
    for (let c = 0; c < S.ceps; c++) {
      let sum = 0;
      for (let m = 0; m < S.melFilters; m++) sum += dct[c * S.melFilters + m]! * logMel[m]!;
      mfcc[t * S.ceps + c] = sum;
    }
  }
  return { frames, mfcc, energyDb, speech: energyVad(energyDb) };
}

/** Energy VAD: above (98th percentile - 30 dB), then 3-of-5 majority smoothing. */
export function energyVad(energyDb: Float64Array): Uint8Array {
  const n = energyDb.length;
  const out = new Uint8Array(n);
  if (n === 0) return out;
  const sorted = Float64Array.from(energyDb).sort();
  const pos = (S.vadPeakPercentile / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const peak = sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
  const threshold = peak - S.vadBelowPeakDb;
  const raw = new Uint8Array(n);
  for (let t = 0; t < n; t++) raw[t] = energyDb[t]! > threshold ? 1 : 0;
  for (let t = 0; t < n; t++) {
    let votes = 0;
    for (let d = -2; d <= 2; d++) {
      const u = t + d;
      if (u >= 0 && u < n) votes += raw[u]!;
    }
    out[t] = votes >= 3 ? 1 : 0;
  }
  return out;
}

/**
 * Deltas with window N (regression over +-N frames, edges replicated): d_t = sum_n n (c_{t+n} -
 * c_{t-n}) / (2 sum_n n^2). Input and output are row-major `frames x dim`.
 */
export function deltas(
  features: Float64Array,
  frames: number,
  dim: number,
  n = S.deltaWindow,
): Float64Array {
  const out = new Float64Array(frames * dim);
  let denom = 0;
  for (let k = 1; k <= n; k++) denom += 2 * k * k;
  for (let t = 0; t < frames; t++) {
    for (let k = 1; k <= n; k++) {
      const next = Math.min(t + k, frames - 1) * dim;
      const prev = Math.max(t - k, 0) * dim;
      for (let d = 0; d < dim; d++)
        out[t * dim + d] =
          out[t * dim + d]! + (k * (features[next + d]! - features[prev + d]!)) / denom;
    }
  }
  return out;
}
