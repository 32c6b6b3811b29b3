import { resample } from '../audio/toMono16k.js';
import type { Prng } from '../internal/prng.js';

/**
 * One step of a simulated recording channel, applied to 16 kHz mono audio in process. Every
 * step is deterministic (noise comes from the given PRNG seed), so training on simulated
 * channels reproduces the model byte for byte on any machine, which codecs run through an
 * external ffmpeg would not guarantee.
 */
export type ChannelStep =
  /** 4th-order Butterworth high-pass at `lowHz` (0: none) and low-pass at `highHz`. */
  | { kind: 'band'; lowHz: number; highHz: number }
  /** Down to 8 kHz and back up (anti-aliased at 3.8 kHz), as a telephone line. */
  | { kind: 'narrowband' }
  /** G.711 at 8 kHz: 8-bit mu-law or A-law companding. */
  | { kind: 'g711'; law: 'mu' | 'a' }
  /** A microphone colouring: one peaking filter of `gainDb` at `hz` (Q 1). */
  | { kind: 'eq'; hz: number; gainDb: number }
  /** Amplify to `peak` times full scale, then clip hard at full scale (peak > 1 clips). */
  | { kind: 'clip'; peak: number }
  /** Plain gain in dB (no clipping). */
  | { kind: 'gain'; db: number }
  /** Additive white or pink noise at `snrDb` below the signal's mean power. */
  | { kind: 'noise'; color: 'white' | 'pink'; snrDb: number; seed: number }
  /** Additive babble (`sources`, other talkers) at `snrDb`. */
  | { kind: 'babble'; sources: Float32Array[]; snrDb: number }
  /** A synthetic room: sparse exponentially decaying impulse response with `rt60` seconds. */
  | { kind: 'reverb'; rt60: number; seed: number };

const RATE = 16_000;

/** Applies `steps` in order to 16 kHz mono audio; returns new samples of the same length. */
export function simulateChannel(pcm: Float32Array, steps: readonly ChannelStep[]): Float32Array {
  let x: Float32Array = Float32Array.from(pcm);
  for (const step of steps) x = applyStep(x, step);
  return x;
}

function applyStep(x: Float32Array, step: ChannelStep): Float32Array {
  switch (step.kind) {
    case 'band': {
      let y = x;
      if (step.lowHz > 0) y = butterworth4(y, step.lowHz, 'highpass');
      if (step.highHz < RATE / 2) y = butterworth4(y, step.highHz, 'lowpass');
      return y;
    }
    case 'narrowband':
      return sameLength(resample(resample(x, RATE, 8000), 8000, RATE), x.length);
    case 'g711': {
      const low = resample(x, RATE, 8000);
      for (let i = 0; i < low.length; i++) low[i] = g711(low[i]!, step.law);
      return sameLength(resample(low, 8000, RATE), x.length);
    }
    case 'eq':
      return biquad(x, peaking(step.hz, step.gainDb, 1));
    case 'clip': {
      let peak = 0;
      for (const v of x) peak = Math.max(peak, Math.abs(v));
      const g = peak > 0 ? step.peak / peak : 1;
      return x.map((v) => Math.max(-1, Math.min(1, v * g)));
    }
    case 'gain': {
      const g = 10 ** (step.db / 20);
      return x.map((v) => v * g);
    }
    case 'noise': {
      const n =
        step.color === 'white' ? whiteNoise(x.length, step.seed) : pinkNoise(x.length, step.seed);
      return mixAt(x, n, step.snrDb);
    }
    case 'babble': {
      const n = new Float32Array(x.length);
      for (const source of step.sources) {
        const p = meanPower(source);
        if (p <= 0) continue;
        const g = 1 / Math.sqrt(p);
        for (let i = 0; i < n.length; i++) n[i] = n[i]! + source[i % source.length]! * g;
      }
      return mixAt(x, n, step.snrDb);
    }
    case 'reverb':
      return reverberate(x, step.rt60, step.seed);
  }
}

function sameLength(y: Float32Array, length: number): Float32Array {
  if (y.length === length) return y;
  const out = new Float32Array(length);
  out.set(y.subarray(0, Math.min(length, y.length)));
  return out;
}

function meanPower(x: Float32Array): number {
  let p = 0;
  for (const v of x) p += v * v;
  return x.length > 0 ? p / x.length : 0;
}

function mixAt(x: Float32Array, noise: Float32Array, snrDb: number): Float32Array {
  const ps = meanPower(x);
  const pn = meanPower(noise);
  if (ps <= 0 || pn <= 0) return x;
  const g = Math.sqrt(ps / (pn * 10 ** (snrDb / 10)));
  return x.map((v, i) => v + g * noise[i]!);
}

// Deterministic noise: a 32-bit xorshift state per seed, Gaussian by summing four uniforms.
function uniformSource(seed: number): () => number {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296 - 0.5;
  };
}

function whiteNoise(length: number, seed: number): Float32Array {
  const u = uniformSource(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = u() + u() + u() + u();
  return out;
}

/** Pink (1/f) noise: white noise through Paul Kellet's economy filter. */
function pinkNoise(length: number, seed: number): Float32Array {
  const w = whiteNoise(length, seed);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  for (let i = 0; i < length; i++) {
    const v = w[i]!;
    b0 = 0.99765 * b0 + v * 0.099046;
    b1 = 0.963 * b1 + v * 0.2965164;
    b2 = 0.57 * b2 + v * 1.0526913;
    w[i] = b0 + b1 + b2 + v * 0.1848;
  }
  return w;
}

/**
 * Sparse room response (velvet-noise style): the direct path, then one signed tap every ~2 ms
 * whose level decays by 60 dB over `rt60`; convolution costs taps x samples, not a full FFT.
 */
function reverberate(x: Float32Array, rt60: number, seed: number): Float32Array {
  const u = uniformSource(seed);
  const length = Math.round(rt60 * RATE);
  const taps: Array<[number, number]> = [[0, 1]];
  const spacing = 32;
  for (let start = 40; start < length; start += spacing) {
    const at = start + Math.floor((u() + 0.5) * spacing);
    const level = 0.6 * 10 ** ((-3 * at) / length) * (u() < 0 ? -1 : 1);
    taps.push([at, level]);
  }
  const out = new Float32Array(x.length);
  for (const [at, level] of taps) {
    for (let i = at; i < x.length; i++) out[i] = out[i]! + level * x[i - at]!;
  }
  const scale = Math.sqrt(meanPower(x) / Math.max(meanPower(out), 1e-20));
  return out.map((v) => v * scale);
}

function g711(v: number, law: 'mu' | 'a'): number {
  const x = Math.max(-1, Math.min(1, v));
  const s = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (law === 'mu') {
    const y = Math.log1p(255 * a) / Math.log1p(255);
    const q = Math.round(y * 127) / 127;
    return (s * Math.expm1(q * Math.log1p(255))) / 255;
  }
  const A = 87.6;
  const lnA = 1 + Math.log(A);
  const y = a < 1 / A ? (A * a) / lnA : (1 + Math.log(A * a)) / lnA;
  const q = Math.round(y * 127) / 127;
  return s * (q < 1 / lnA ? (q * lnA) / A : Math.exp(q * lnA - 1) / A);
}

type Coefficients = [number, number, number, number, number];

/** RBJ cookbook biquads, normalised so a0 = 1: [b0, b1, b2, a1, a2]. */
function passFilter(hz: number, q: number, type: 'lowpass' | 'highpass'): Coefficients {
  const w = (2 * Math.PI * hz) / RATE;
  const cos = Math.cos(w);
  const alpha = Math.sin(w) / (2 * q);
  const a0 = 1 + alpha;
  const b1 = type === 'lowpass' ? 1 - cos : -(1 + cos);
  const b0 = type === 'lowpass' ? (1 - cos) / 2 : (1 + cos) / 2;
  return [b0 / a0, b1 / a0, b0 / a0, (-2 * cos) / a0, (1 - alpha) / a0];
}

function peaking(hz: number, gainDb: number, q: number): Coefficients {
  const A = 10 ** (gainDb / 40);
  const w = (2 * Math.PI * hz) / RATE;
  const cos = Math.cos(w);
  const alpha = Math.sin(w) / (2 * q);
  const a0 = 1 + alpha / A;
  return [
    (1 + alpha * A) / a0,
    (-2 * cos) / a0,
    (1 - alpha * A) / a0,
    (-2 * cos) / a0,
    (1 - alpha / A) / a0,
  ];
}

function biquad(x: Float32Array, [b0, b1, b2, a1, a2]: Coefficients): Float32Array {
  const out = new Float32Array(x.length);
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = v;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
  return out;
}

// Q of the two sections of a 4th-order Butterworth filter.
const BUTTERWORTH4_Q = [0.5411961, 1.306563];

function butterworth4(x: Float32Array, hz: number, type: 'lowpass' | 'highpass'): Float32Array {
  let y = x;
  for (const q of BUTTERWORTH4_Q) y = biquad(y, passFilter(hz, q, type));
  return y;
}

/**
 * A random channel for training augmentation, drawn from `prng`: a band limit or telephone path
 * (wideband, 100-7000 Hz, 300-3400 Hz, 8 kHz, G.711 mu-law or A-law), often a microphone
 * colouring, and sometimes noise or babble (5-20 dB SNR), room reverberation or clipping.
 * `babble` supplies other talkers' speech.
 */
export function randomChannel(prng: Prng, babble: () => Float32Array[]): ChannelStep[] {
  const steps: ChannelStep[] = [];
  const pick = prng.next();
  if (prng.next() < 0.5) {
    steps.push({ kind: 'eq', hz: 300 + 3700 * prng.next(), gainDb: -8 + 16 * prng.next() });
  }
  if (prng.next() < 0.25)
    steps.push({ kind: 'reverb', rt60: 0.2 + 0.6 * prng.next(), seed: prng.int(1 << 30) });
  const noise = prng.next();
  const snrDb = 5 + 15 * prng.next();
  if (noise < 0.2) steps.push({ kind: 'noise', color: 'white', snrDb, seed: prng.int(1 << 30) });
  else if (noise < 0.4)
    steps.push({ kind: 'noise', color: 'pink', snrDb, seed: prng.int(1 << 30) });
  else if (noise < 0.55) steps.push({ kind: 'babble', sources: babble(), snrDb: snrDb + 3 });
  if (pick < 0.15) steps.push({ kind: 'band', lowHz: 100, highHz: 7000 });
  else if (pick < 0.4) steps.push({ kind: 'band', lowHz: 300, highHz: 3400 });
  else if (pick < 0.55)
    steps.push({ kind: 'band', lowHz: 200, highHz: 3600 }, { kind: 'narrowband' });
  else if (pick < 0.7)
    steps.push(
      { kind: 'band', lowHz: 300, highHz: 3400 },
      { kind: 'g711', law: prng.next() < 0.5 ? 'mu' : 'a' },
    );
  else if (pick < 0.8)
    steps.push({ kind: 'band', lowHz: 50 + 150 * prng.next(), highHz: 4000 + 3000 * prng.next() });
  if (prng.next() < 0.15) steps.push({ kind: 'clip', peak: 1.5 + 2.5 * prng.next() });
  return steps;
}
