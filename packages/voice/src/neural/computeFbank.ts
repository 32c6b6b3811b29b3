import { createRealFft } from '../internal/fft.js';
import { melFilterbank } from '../internal/mel.js';

/** Analysis window of the neural front end. WeSpeaker trains with `hamming`. */
export type FbankWindow = 'hamming' | 'povey';

/**
 * The neural back end's front end: Kaldi `compute-fbank-feats` with the settings WeSpeaker uses
 * for its ResNet34 models (`torchaudio.compliance.kaldi.fbank` in `wespeaker/dataset`), followed
 * by cepstral mean normalisation over the utterance. Part of the neural model's
 * `paramsVersion`: changing any value here must change `NEURAL_PARAMS_VERSION`.
 */
export const NEURAL_FRONT_END_SPEC = {
  sampleRate: 16000,
  /** Samples in [-1, 1] are multiplied by 32768 first (WeSpeaker feeds int16-scaled audio). */
  inputScale: 32768,
  /** 25 ms. */
  frameLength: 400,
  /** 10 ms. */
  frameShift: 160,
  /** Kaldi `snip_edges=true`: only whole frames, 1 + floor((n - 400) / 160) of them. */
  snipEdges: true,
  dither: 0,
  removeDcOffset: true,
  preEmphasis: 0.97,
  window: 'hamming' as FbankWindow,
  /** 400 samples zero-padded to the next power of two. */
  fftSize: 512,
  /** Power spectrum (|X|^2), not magnitude. */
  usePower: true,
  melBins: 80,
  lowHz: 20,
  /** Kaldi `high_freq=0`: the Nyquist frequency. */
  highHz: 8000,
  /** Mel scale 1127 ln(1 + f / 700) (the same curve as HTK's 2595 log10). */
  melScale: 'kaldi',
  /** Natural log of each filter's energy, floored at float32 epsilon. */
  logFloor: 1.1920928955078125e-7,
  useEnergy: false,
  /** Subtract each dimension's mean over the utterance's frames (no variance normalisation). */
  cmn: 'utterance-mean',
} as const;

/** Options for {@link computeFbank}. */
export interface ComputeFbankOptions {
  /** Analysis window (default `hamming`, as WeSpeaker; sherpa-onnx's extractor uses `povey`). */
  window?: FbankWindow;
  /** Apply utterance CMN (default true). */
  cmn?: boolean;
}

/** Row-major `frames x 80` log mel filterbank features. */
export interface Fbank {
  frames: number;
  dim: number;
  data: Float32Array;
}

const S = NEURAL_FRONT_END_SPEC;
const BINS = S.fftSize / 2 + 1;
const fft = createRealFft(S.fftSize);
const mel = melFilterbank(S.melBins, S.fftSize, S.sampleRate, S.lowHz, S.highHz);
const melRanges = Array.from({ length: S.melBins }, (_, m) => {
  let first = 0;
  let last = -1;
  for (let k = 0; k < BINS; k++) {
    if (mel[m * BINS + k]! > 0) {
      if (last < 0) first = k;
      last = k;
    }
  }
  return [first, last] as const;
});
const windows: Record<FbankWindow, Float64Array> = {
  hamming: Float64Array.from(
    { length: S.frameLength },
    (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (S.frameLength - 1)),
  ),
  povey: Float64Array.from(
    { length: S.frameLength },
    (_, i) => (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (S.frameLength - 1))) ** 0.85,
  ),
};

/**
 * Computes the 80-dim log mel filterbank of 16 kHz mono audio in [-1, 1] exactly as
 * `NEURAL_FRONT_END_SPEC` describes. Audio shorter than one 25 ms frame yields zero frames.
 */
export function computeFbank(pcm16kMono: Float32Array, options: ComputeFbankOptions = {}): Fbank {
  const window = windows[options.window ?? S.window];
  const n = pcm16kMono.length;
  const frames = n < S.frameLength ? 0 : 1 + Math.floor((n - S.frameLength) / S.frameShift);
  const data = new Float32Array(frames * S.melBins);
  const frame = new Float64Array(S.fftSize);
  const power = new Float64Array(BINS);
  const means = new Float64Array(S.melBins);
  for (let t = 0; t < frames; t++) {
    const start = t * S.frameShift;
    let mean = 0;
    for (let i = 0; i < S.frameLength; i++) {
      const x = pcm16kMono[start + i]! * S.inputScale;
      frame[i] = x;
      mean += x;
    }
    mean /= S.frameLength;
    for (let i = 0; i < S.frameLength; i++) frame[i] = frame[i]! - mean;
    // Back to front so each sample still sees its unmodified predecessor (Kaldi's order).
    for (let i = S.frameLength - 1; i > 0; i--)
      frame[i] = frame[i]! - S.preEmphasis * frame[i - 1]!;
    frame[0] = frame[0]! * (1 - S.preEmphasis);
    for (let i = 0; i < S.frameLength; i++) frame[i] = frame[i]! * window[i]!;
    frame.fill(0, S.frameLength);
    fft.powerSpectrum(frame, power);
    for (let m = 0; m < S.melBins; m++) {
      const [first, last] = melRanges[m]!;
      let sum = 0;
      for (let k = first; k <= last; k++) sum += mel[m * BINS + k]! * power[k]!;
      const value = Math.log(Math.max(sum, S.logFloor));
      data[t * S.melBins + m] = value;
      means[m] = means[m]! + value;
    }
  }
  if ((options.cmn ?? true) && frames > 0) {
    for (let m = 0; m < S.melBins; m++) means[m] = means[m]! / frames;
    for (let t = 0; t < frames; t++)
      for (let m = 0; m < S.melBins; m++)
        data[t * S.melBins + m] = data[t * S.melBins + m]! - means[m]!;
  }
  return { frames, dim: S.melBins, data };
}
