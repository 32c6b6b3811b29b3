/**
 * Radix-2 real FFT: an N-point real transform computed as an N/2-point complex FFT plus the
 * standard split step. Tables are built once per size; `powerSpectrum` writes |X_k|^2 for
 * k = 0..N/2 into `out`.
 */
export interface RealFft {
  readonly size: number;
  /** Writes the N/2 + 1 power-spectrum bins of the real frame `input` (length N) into `out`. */
  powerSpectrum(input: Float64Array, out: Float64Array): void;
  /** Writes the N/2 + 1 complex bins (re, im) of the real frame `input`. */
  transform(input: Float64Array, re: Float64Array, im: Float64Array): void;
}

export function createRealFft(size: number): RealFft {
  if (size < 4 || (size & (size - 1)) !== 0)
    throw new RangeError(`FFT size ${size} is not a power of two >= 4`);
  const half = size / 2;
  const bits = Math.log2(half);
  const rev = new Uint32Array(half);
  for (let i = 0; i < half; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    rev[i] = r;
  }
  // Twiddles for the half-size complex FFT and for the real split step.
  const cosH = new Float64Array(half / 2);
  const sinH = new Float64Array(half / 2);
  for (let i = 0; i < half / 2; i++) {
    cosH[i] = Math.cos((2 * Math.PI * i) / half);
    sinH[i] = -Math.sin((2 * Math.PI * i) / half);
  }
  const cosN = new Float64Array(half);
  const sinN = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cosN[k] = Math.cos((2 * Math.PI * k) / size);
    sinN[k] = -Math.sin((2 * Math.PI * k) / size);
  }
  const zr = new Float64Array(half);
  const zi = new Float64Array(half);

  function complexHalf(input: Float64Array): void {
    for (let i = 0; i < half; i++) {
      const j = rev[i]!;
      zr[j] = input[2 * i]!;
      zi[j] = input[2 * i + 1]!;
    }
    for (let len = 2; len <= half; len <<= 1) {
      const step = half / len;
      const h = len >> 1;
      for (let start = 0; start < half; start += len) {
        for (let k = 0; k < h; k++) {
          const wr = cosH[k * step]!;
          const wi = sinH[k * step]!;
          const a = start + k;
          const b = a + h;
          const br = zr[b]! * wr - zi[b]! * wi;
          const bi = zr[b]! * wi + zi[b]! * wr;
          zr[b] = zr[a]! - br;
          zi[b] = zi[a]! - bi;
          zr[a] = zr[a]! + br;
          zi[a] = zi[a]! + bi;
        }
      }
    }
  }

  function transform(input: Float64Array, re: Float64Array, im: Float64Array): void {
    complexHalf(input);
    // X[k] = (Z[k] + conj(Z[N/2-k]))/2 + W^k (Z[k] - conj(Z[N/2-k]))/(2i)
    re[0] = zr[0]! + zi[0]!;
    im[0] = 0;
    re[half] = zr[0]! - zi[0]!;
    im[half] = 0;
    for (let k = 1; k < half; k++) {
      const ar = zr[k]!;
      const ai = zi[k]!;
      const br = zr[half - k]!;
      const bi = -zi[half - k]!;
      const er = (ar + br) / 2;
      const ei = (ai + bi) / 2;
      const or = (ai - bi) / 2;
      const oi = -(ar - br) / 2;
      const wr = cosN[k]!;
      const wi = sinN[k]!;
      re[k] = er + (or * wr - oi * wi);
      im[k] = ei + (or * wi + oi * wr);
    }
  }

  const tr = new Float64Array(half + 1);
  const ti = new Float64Array(half + 1);
  return {
    size,
    transform,
    powerSpectrum(input: Float64Array, out: Float64Array): void {
      transform(input, tr, ti);
      for (let k = 0; k <= half; k++) out[k] = tr[k]! * tr[k]! + ti[k]! * ti[k]!;
    },
  };
}
