import { describe, expect, it } from 'vitest';
import { createPrng } from '../src/internal/prng.js';
import { applySupervectorLda, fitSupervectorLda } from '../src/internal/svLda.js';

/**
 * Synthetic "supervectors": speakers differ in 8 directions; each recording also moves a lot (a
 * "channel") in 6 other directions shared by all speakers, plus a little isotropic noise.
 */
const dim = 64;
const gaussian = (seed: number): (() => number) => {
  const prng = createPrng(seed);
  return () => {
    const u = Math.max(prng.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * prng.next());
  };
};
const directions = (n: number, gauss: () => number): Float64Array[] =>
  Array.from({ length: n }, () => Float64Array.from({ length: dim }, gauss));
const world = gaussian(100);
const speakerDirs = directions(8, world);
const channelDirs = directions(6, world);

function synthetic(seed: number, speakers: number, perSpeaker: number) {
  const gauss = gaussian(seed);
  const rows: Float64Array[] = [];
  const labels: string[] = [];
  for (let s = 0; s < speakers; s++) {
    const who = speakerDirs.map(() => gauss());
    for (let k = 0; k < perSpeaker; k++) {
      const x = Float64Array.from({ length: dim }, () => 0.3 * gauss());
      speakerDirs.forEach((d, i) => d.forEach((v, j) => (x[j] = x[j]! + who[i]! * v)));
      channelDirs.forEach((d) => {
        const c = 4 * gauss();
        d.forEach((v, j) => (x[j] = x[j]! + c * v));
      });
      rows.push(x);
      labels.push(`s${s}`);
    }
  }
  return { rows, labels };
}

const cosine = (a: Float64Array, b: Float64Array): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
};

/** Share of rows whose most similar other row (cosine) belongs to the same speaker. */
function nearestNeighbourAccuracy(rows: Float64Array[], labels: string[]): number {
  let right = 0;
  rows.forEach((x, i) => {
    let best = -Infinity;
    let who = '';
    rows.forEach((y, j) => {
      if (i === j) return;
      const c = cosine(x, y);
      if (c > best) [best, who] = [c, labels[j]!];
    });
    if (who === labels[i]) right++;
  });
  return right / rows.length;
}

describe('fitSupervectorLda', () => {
  it('scales down the directions one speaker moves in, so held-out speakers separate', () => {
    const train = synthetic(1, 60, 6);
    const lda = fitSupervectorLda(train.rows, train.labels, 30, 8, 1e-3, createPrng(5));
    expect(lda.M).toHaveLength(8 * 64);
    // Speakers never seen in training, same kind of channel variation.
    const test = synthetic(2, 30, 4);
    const raw = nearestNeighbourAccuracy(test.rows, test.labels);
    const projected = test.rows.map((x) => applySupervectorLda(x, lda.M, lda.bias));
    const after = nearestNeighbourAccuracy(projected, test.labels);
    expect(raw).toBeLessThan(0.5);
    expect(after).toBeGreaterThan(0.9);
  });

  it('is deterministic for a seed', () => {
    const { rows, labels } = synthetic(3, 20, 4);
    const a = fitSupervectorLda(rows, labels, 20, 6, 1e-3, createPrng(9));
    const b = fitSupervectorLda(rows, labels, 20, 6, 1e-3, createPrng(9));
    expect(Array.from(a.M)).toEqual(Array.from(b.M));
    expect(Array.from(a.bias)).toEqual(Array.from(b.bias));
  });
});
