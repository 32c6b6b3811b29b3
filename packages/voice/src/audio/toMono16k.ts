import type { DecodedAudio } from './decodedAudio.js';

/** The sample rate every speaker model in this package consumes. */
export const MODEL_SAMPLE_RATE = 16_000;

// Windowed-sinc half width, in zero crossings of the (lower) cutoff.
const ZERO_CROSSINGS = 16;

/**
 * Averages the channels and resamples to 16 kHz with a Hann-windowed sinc low-pass at 95 % of
 * the lower Nyquist frequency (so 48 kHz and 44.1 kHz input are anti-aliased; 16 kHz input is
 * returned as a copy of the downmix without filtering).
 */
export function toMono16k(audio: DecodedAudio): Float32Array {
  const { samples, channels, sampleRate } = audio;
  const frames = Math.floor(samples.length / channels);
  const mono = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c]!;
    mono[i] = sum / channels;
  }
  return sampleRate === MODEL_SAMPLE_RATE ? mono : resample(mono, sampleRate, MODEL_SAMPLE_RATE);
}

// The windowed-sinc kernel as a function of u = |x| * 2 * cutoff in [0, ZERO_CROSSINGS], tabulated
// finely and linearly interpolated: exact enough for speech features, and no trig per tap.
const TABLE_STEPS = 512;
const KERNEL = Float64Array.from({ length: ZERO_CROSSINGS * TABLE_STEPS + 2 }, (_, i) => {
  const u = i / TABLE_STEPS;
  if (u >= ZERO_CROSSINGS) return 0;
  const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
  return sinc * (0.5 + 0.5 * Math.cos((Math.PI * u) / ZERO_CROSSINGS));
});

/** Band-limited resampling of mono audio from `fromRate` to `toRate`. */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return Float32Array.from(input);
  const ratio = toRate / fromRate;
  const outLength = Math.floor(input.length * ratio);
  const out = new Float32Array(outLength);
  // Cutoff relative to the input rate, in cycles per input sample.
  const cutoff = 0.5 * Math.min(1, ratio) * 0.95;
  const halfWidth = ZERO_CROSSINGS / (2 * cutoff);
  const gain = 2 * cutoff;
  for (let n = 0; n < outLength; n++) {
    const centre = n / ratio;
    const first = Math.max(0, Math.ceil(centre - halfWidth));
    const last = Math.min(input.length - 1, Math.floor(centre + halfWidth));
    let sum = 0;
    for (let k = first; k <= last; k++) {
      const pos = Math.abs(k - centre) * gain * TABLE_STEPS;
      const i = Math.floor(pos);
      const frac = pos - i;
      sum += input[k]! * (KERNEL[i]! + frac * (KERNEL[i + 1]! - KERNEL[i]!));
    }
    out[n] = sum * gain;
  }
  return out;
}
