import { describe, expect, it } from 'vitest';
import { dctMatrix } from '../src/internal/dct.js';
import { symmetricEigen } from '../src/internal/eigen.js';
import { createRealFft } from '../src/internal/fft.js';
import { hzToMel, melFilterbank, melToHz } from '../src/internal/mel.js';
import { createPrng } from '../src/internal/prng.js';
import { frontEnd } from '../src/features/frontEnd.js';

describe('real FFT', () => {
  it('matches a naive DFT', () => {
    const prng = createPrng(7);
    for (const n of [8, 64, 512]) {
      const x = Float64Array.from({ length: n }, () => prng.next() * 2 - 1);
      const re = new Float64Array(n / 2 + 1);
      const im = new Float64Array(n / 2 + 1);
      createRealFft(n).transform(x, re, im);
      for (let k = 0; k <= n / 2; k++) {
        let r = 0;
        let i = 0;
        for (let t = 0; t < n; t++) {
          r += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
          i -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
        }
        expect(re[k]).toBeCloseTo(r, 9);
        expect(im[k]).toBeCloseTo(i, 9);
      }
    }
  });

  it('rejects sizes that are not powers of two', () => {
    expect(() => createRealFft(100)).toThrow(RangeError);
  });
});

describe('mel filterbank and DCT', () => {
  it('inverts the HTK mel scale', () => {
    for (const hz of [20, 700, 1000, 7600]) expect(melToHz(hzToMel(hz))).toBeCloseTo(hz, 9);
    expect(hzToMel(1000)).toBeCloseTo(999.99, 1);
  });

  it('builds 40 triangles inside 20-7600 Hz that peak at or below 1', () => {
    const bins = 257;
    const w = melFilterbank(40, 512, 16000, 20, 7600);
    let previousPeak = -1;
    for (let m = 0; m < 40; m++) {
      const row = Array.from(w.subarray(m * bins, (m + 1) * bins));
      const peak = row.indexOf(Math.max(...row));
      expect(Math.max(...row)).toBeGreaterThan(0);
      expect(Math.max(...row)).toBeLessThanOrEqual(1);
      expect(peak).toBeGreaterThanOrEqual(previousPeak);
      previousPeak = peak;
      row.forEach((v, k) => {
        if (v > 0) {
          expect((k * 16000) / 512).toBeGreaterThan(20);
          expect((k * 16000) / 512).toBeLessThan(7600);
        }
      });
    }
  });

  it('has orthonormal DCT-II rows', () => {
    const d = dctMatrix(40, 40);
    for (let a = 0; a < 40; a++) {
      for (let b = 0; b < 40; b++) {
        let dot = 0;
        for (let j = 0; j < 40; j++) dot += d[a * 40 + j]! * d[b * 40 + j]!;
        expect(dot).toBeCloseTo(a === b ? 1 : 0, 10);
      }
    }
    // A constant log-mel vector only has energy in c0.
    const c = Array.from({ length: 5 }, (_, k) =>
      Array.from({ length: 40 }, (_, j) => d[k * 40 + j]!).reduce((s, v) => s + v, 0),
    );
    expect(c[0]).toBeCloseTo(Math.sqrt(40), 10);
    for (const v of c.slice(1)) expect(v).toBeCloseTo(0, 10);
  });
});

describe('eigen solver', () => {
  it('diagonalises a symmetric matrix', () => {
    const prng = createPrng(3);
    const n = 12;
    const b = Float64Array.from({ length: n * n }, () => prng.next() - 0.5);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        for (let k = 0; k < n; k++) a[i * n + j] = a[i * n + j]! + b[i * n + k]! * b[j * n + k]!;
    const { values, vectors } = symmetricEigen(a, n);
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[r * n + j]!;
        expect(av).toBeCloseTo(values[r]! * vectors[r * n + i]!, 8);
      }
      if (r > 0) expect(values[r]!).toBeLessThanOrEqual(values[r - 1]!);
    }
  });
});

describe('front end', () => {
  it('frames 400/160 and keeps loud frames, drops silence', () => {
    const pcm = new Float32Array(16000);
    for (let i = 8000; i < 16000; i++) pcm[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / 16000);
    const fe = frontEnd(pcm);
    expect(fe.frames).toBe(1 + Math.floor((16000 - 400) / 160));
    expect(fe.speech[10]).toBe(0);
    expect(fe.speech[fe.frames - 10]).toBe(1);
    expect(frontEnd(new Float32Array(399)).frames).toBe(0);
  });
});
