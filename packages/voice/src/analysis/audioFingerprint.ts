import { createRealFft } from '../internal/fft.js';

const FRAME = 2048;
const HOP = 512;
const BANDS = 17;
const LOW_HZ = 300;
const HIGH_HZ = 3400;
const RATE = 16_000;

const fft = createRealFft(FRAME);
const hann = Float64Array.from(
  { length: FRAME },
  (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME - 1)),
);
// Band edges in FFT bins, logarithmically spaced over the telephone band so codecs keep them.
const EDGES = Array.from({ length: BANDS + 1 }, (_, b) =>
  Math.round((LOW_HZ * (HIGH_HZ / LOW_HZ) ** (b / BANDS) * FRAME) / RATE),
);

/**
 * A coarse spectral fingerprint of 16 kHz mono audio for the replay gate (after Haitsma and
 * Kalker's audio fingerprint): per 32 ms hop (128 ms frames), 16 bits, each the sign of the
 * change over time of the energy difference between adjacent bands of 17 log-spaced bands
 * between 300 and 3400 Hz. Re-encoding (mp3, AAC, Opus) or trimming a recording flips few bits;
 * a different recording, even of the same words, flips about half. It keeps no waveform, level
 * or spectral envelope, so the audio cannot be rebuilt from it.
 */
export function audioFingerprint(pcm16k: Float32Array): Uint16Array {
  const frames = pcm16k.length < FRAME ? 0 : 1 + Math.floor((pcm16k.length - FRAME) / HOP);
  if (frames < 2) return new Uint16Array(0);
  const frame = new Float64Array(FRAME);
  const power = new Float64Array(FRAME / 2 + 1);
  let previous = new Float64Array(BANDS);
  const current = new Float64Array(BANDS);
  const out = new Uint16Array(frames - 1);
  for (let t = 0; t < frames; t++) {
    const start = t * HOP;
    for (let i = 0; i < FRAME; i++) frame[i] = pcm16k[start + i]! * hann[i]!;
    fft.powerSpectrum(frame, power);
    for (let b = 0; b < BANDS; b++) {
      let sum = 0;
      for (let k = EDGES[b]!; k < EDGES[b + 1]!; k++) sum += power[k]!;
      current[b] = sum;
    }
    if (t > 0) {
      let bits = 0;
      for (let b = 0; b < BANDS - 1; b++) {
        const now = current[b]! - current[b + 1]!;
        const before = previous[b]! - previous[b + 1]!;
        if (now - before > 0) bits |= 1 << b;
      }
      out[t - 1] = bits;
    }
    previous = Float64Array.from(current);
  }
  return out;
}
