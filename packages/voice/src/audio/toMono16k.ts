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
  if (sampleRate === MODEL_SAMPLE_RATE) return mono;
  return (
    resamplePolyphase(mono, sampleRate, MODEL_SAMPLE_RATE) ??
    resample(mono, sampleRate, MODEL_SAMPLE_RATE)
  );
}

// The windowed-sinc kernel as a function of u = |x| * 2 * cutoff in [0, ZERO_CROSSINGS], tabulated
// finely and linearly interpolated: exact enough for speech features, and no trig per tap.
const TABLE_STEPS = 512;
const KERNEL = Float64Array.from({ length: ZERO_CROSSINGS * TABLE_STEPS + 2 }, (_, i) =>
  windowedSinc(i / TABLE_STEPS),
);

/** The Hann-windowed sinc at u = |x| * 2 * cutoff (0 from ZERO_CROSSINGS on). */
function windowedSinc(u: number): number {
  if (u >= ZERO_CROSSINGS) return 0;
  const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
  return sinc * (0.5 + 0.5 * Math.cos((Math.PI * u) / ZERO_CROSSINGS));
}

/** The low-pass both resamplers apply: cutoff (cycles per input sample), half width, gain. */
function lowPass(fromRate: number, toRate: number) {
  const cutoff = 0.5 * Math.min(1, toRate / fromRate) * 0.95;
  return { halfWidth: ZERO_CROSSINGS / (2 * cutoff), gain: 2 * cutoff };
}

/** Band-limited resampling of mono audio from `fromRate` to `toRate`. */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate) return Float32Array.from(input);
  const ratio = toRate / fromRate;
  const outLength = Math.floor(input.length * ratio);
  const out = new Float32Array(outLength);
  const { halfWidth, gain } = lowPass(fromRate, toRate);
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

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

interface Polyphase {
  /** Per phase r: the first tap's offset from floor(centre) and the weights. */
  first: Int32Array;
  weights: Float64Array[];
  up: number;
  down: number;
}

const polyphases = new Map<string, Polyphase | null>();

/** Filters of `resample`'s kernel for each output phase of an integer-ratio rate change. */
function polyphaseFor(fromRate: number, toRate: number): Polyphase | null {
  const key = `${fromRate}/${toRate}`;
  if (polyphases.has(key)) return polyphases.get(key)!;
  let result: Polyphase | null = null;
  if (Number.isInteger(fromRate) && Number.isInteger(toRate) && fromRate > 0 && toRate > 0) {
    const g = gcd(fromRate, toRate);
    const up = toRate / g;
    const down = fromRate / g;
    if (up <= 1024) {
      const { halfWidth, gain } = lowPass(fromRate, toRate);
      const first = new Int32Array(up);
      const weights: Float64Array[] = [];
      for (let r = 0; r < up; r++) {
        // centre = m * down + base + phi, with base = floor(r * down / up).
        const base = Math.floor((r * down) / up);
        const phi = (r * down - base * up) / up;
        const lo = Math.ceil(phi - halfWidth);
        const hi = Math.floor(phi + halfWidth);
        first[r] = lo;
        weights.push(
          Float64Array.from(
            { length: hi - lo + 1 },
            (_, j) => windowedSinc(Math.abs(lo + j - phi) * gain) * gain,
          ),
        );
      }
      result = { first, weights, up, down };
    }
  }
  polyphases.set(key, result);
  return result;
}

/**
 * `resample` for rates whose ratio reduces to at most 1,024 output phases (48, 44.1, 32, 24,
 * 22.05, 8 kHz... to 16 kHz): the same windowed-sinc kernel, evaluated exactly once per phase
 * instead of interpolated from the table at every tap, so a 48 kHz recording resamples several
 * times faster. `null` for other ratios. Channel simulation keeps `resample` (training must not
 * move).
 */
export function resamplePolyphase(
  input: Float32Array,
  fromRate: number,
  toRate: number,
): Float32Array | null {
  const poly = polyphaseFor(fromRate, toRate);
  if (!poly) return null;
  const outLength = Math.floor(input.length * (toRate / fromRate));
  const out = new Float32Array(outLength);
  const { up, down, first, weights } = poly;
  const last = input.length - 1;
  for (let n = 0; n < outLength; n++) {
    const r = n % up;
    const m = (n - r) / up;
    const base = m * down + Math.floor((r * down) / up);
    const w = weights[r]!;
    const start = base + first[r]!;
    let sum = 0;
    if (start >= 0 && start + w.length - 1 <= last) {
      for (let j = 0; j < w.length; j++) sum += input[start + j]! * w[j]!;
    } else {
      for (let j = 0; j < w.length; j++) {
        const k = start + j;
        if (k >= 0 && k <= last) sum += input[k]! * w[j]!;
      }
    }
    out[n] = sum;
  }
  return out;
}
