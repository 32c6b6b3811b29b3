import type { ChannelStep } from '../channel/simulateChannel.js';

/**
 * Whether a simulated channel leaves only telephone bandwidth (an 8 kHz line, G.711, or a
 * low-pass at 4.5 kHz or below).
 */
export function isNarrowBandChannel(steps: readonly ChannelStep[]): boolean {
  return steps.some(
    (s) => s.kind === 'narrowband' || s.kind === 'g711' || (s.kind === 'band' && s.highHz <= 4500),
  );
}

/** A linear narrow-band detector on embeddings: P(narrow) = 1 / (1 + exp(-slope (w.e - center))). */
export interface ChannelDetector {
  w: Float64Array;
  center: number;
  slope: number;
}

/**
 * Fisher's two-class discriminant between embeddings of narrow-band and wideband recordings: w =
 * (Sw + ridge I)^-1 (mean_narrow - mean_wide), and along w two Gaussians with a pooled variance,
 * whose log-likelihood ratio is linear (`slope`, `center`).
 */
export function fitChannelDetector(
  embeddings: readonly ArrayLike<number>[],
  narrow: readonly boolean[],
  ridge = 1e-3,
): ChannelDetector {
  const dim = embeddings[0]!.length;
  const groups = [false, true].map((flag) => embeddings.filter((_, i) => narrow[i] === flag));
  if (groups.some((g) => g.length < 2))
    throw new Error('the channel detector needs at least two recordings of each kind');
  const means = groups.map((g) => {
    const mu = new Float64Array(dim);
    for (const e of g) for (let j = 0; j < dim; j++) mu[j] = mu[j]! + e[j]! / g.length;
    return mu;
  });
  const sw = new Float64Array(dim * dim);
  groups.forEach((g, k) => {
    const mu = means[k]!;
    for (const e of g) {
      for (let a = 0; a < dim; a++) {
        const da = (e[a]! - mu[a]!) / g.length;
        if (da === 0) continue;
        for (let b = 0; b < dim; b++) sw[a * dim + b] = sw[a * dim + b]! + da * (e[b]! - mu[b]!);
      }
    }
  });
  let trace = 0;
  for (let a = 0; a < dim; a++) trace += sw[a * dim + a]!;
  for (let a = 0; a < dim; a++) sw[a * dim + a] = sw[a * dim + a]! + (ridge * trace) / dim;
  const diff = Float64Array.from(means[1]!, (v, j) => v - means[0]![j]!);
  const w = choleskySolve(sw, dim, diff);
  const along = groups.map((g) =>
    g.map((e) => {
      let s = 0;
      for (let j = 0; j < dim; j++) s += w[j]! * e[j]!;
      return s;
    }),
  );
  const m = along.map((xs) => xs.reduce((s, x) => s + x, 0) / xs.length);
  let v = 0;
  along.forEach((xs, k) => {
    for (const x of xs) v += (x - m[k]!) ** 2;
  });
  v /= along[0]!.length + along[1]!.length - 2;
  return { w, center: (m[0]! + m[1]!) / 2, slope: (m[1]! - m[0]!) / Math.max(v, 1e-12) };
}

/** P(narrow band) of an embedding under `d`. */
export function narrowBandProbability(
  e: ArrayLike<number>,
  w: ArrayLike<number>,
  center: number,
  slope: number,
): number {
  let s = 0;
  for (let j = 0; j < w.length; j++) s += w[j]! * e[j]!;
  const z = slope * (s - center);
  return 1 / (1 + Math.exp(-Math.max(-50, Math.min(50, z))));
}

/** Solves A x = b for symmetric positive definite A (row-major n x n). */
function choleskySolve(a: Float64Array, n: number, b: Float64Array): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(sum, 1e-300));
      else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}
