import type { Prng } from './prng.js';

/** A diagonal-covariance GMM; `mu` and `va` are row-major `m x d`. */
export interface DiagonalGmm {
  m: number;
  d: number;
  w: Float64Array;
  mu: Float64Array;
  va: Float64Array;
}

/** Zeroth- and first-order Baum-Welch statistics of frames against a GMM. */
export interface GmmStats {
  n: Float64Array;
  f: Float64Array;
  /** Second-order sums, only when asked for (EM needs them, MAP adaptation does not). */
  s?: Float64Array;
  logLikelihood: number;
}

const VARIANCE_FLOOR = 1e-3;
// Posteriors below this are skipped: saves most of the accumulation work and changes nothing
// measurable.
const MIN_POSTERIOR = 1e-6;

function precompute(gmm: DiagonalGmm): { consts: Float64Array; inv: Float64Array } {
  const { m, d } = gmm;
  const consts = new Float64Array(m);
  const inv = new Float64Array(m * d);
  for (let c = 0; c < m; c++) {
    let logDet = 0;
    for (let j = 0; j < d; j++) {
      const v = gmm.va[c * d + j]!;
      inv[c * d + j] = 1 / v;
      logDet += Math.log(2 * Math.PI * v);
    }
    consts[c] = Math.log(Math.max(gmm.w[c]!, 1e-300)) - 0.5 * logDet;
  }
  return { consts, inv };
}

/** Accumulates posterior-weighted statistics of `frames` (row-major `count x d`). */
export function gmmStats(
  gmm: DiagonalGmm,
  frames: Float64Array,
  count: number,
  withSecondOrder = false,
): GmmStats {
  const { m, d } = gmm;
  const { consts, inv } = precompute(gmm);
  const n = new Float64Array(m);
  const f = new Float64Array(m * d);
  const s = withSecondOrder ? new Float64Array(m * d) : undefined;
  const ll = new Float64Array(m);
  let total = 0;
  for (let t = 0; t < count; t++) {
    const x = t * d;
    let best = -Infinity;
    for (let c = 0; c < m; c++) {
      let q = 0;
      const base = c * d;
      for (let j = 0; j < d; j++) {
        const diff = frames[x + j]! - gmm.mu[base + j]!;
        q += diff * diff * inv[base + j]!;
      }
      const value = consts[c]! - 0.5 * q;
      ll[c] = value;
      if (value > best) best = value;
    }
    let sum = 0;
    for (let c = 0; c < m; c++) {
      const p = Math.exp(ll[c]! - best);
      ll[c] = p;
      sum += p;
    }
    total += best + Math.log(sum);
    for (let c = 0; c < m; c++) {
      const p = ll[c]! / sum;
      if (p < MIN_POSTERIOR) continue;
      n[c] = n[c]! + p;
      const base = c * d;
      for (let j = 0; j < d; j++) {
        const v = frames[x + j]!;
        f[base + j] = f[base + j]! + p * v;
        if (s) s[base + j] = s[base + j]! + p * v * v;
      }
    }
  }
  return s ? { n, f, s, logLikelihood: total } : { n, f, logLikelihood: total };
}

/** Options for `trainGmm`. */
export interface TrainGmmOptions {
  components: number;
  kmeansIterations: number;
  emIterations: number;
  prng: Prng;
  onIteration?: (stage: 'kmeans' | 'em', iteration: number, value: number) => void;
}

/**
 * Fits a diagonal GMM by k-means initialisation (seeded, so deterministic) and maximum-likelihood
 * EM with a variance floor. Empty components are re-seeded from the data.
 */
export function trainGmm(
  frames: Float64Array,
  count: number,
  d: number,
  options: TrainGmmOptions,
): DiagonalGmm {
  const m = options.components;
  const mu = new Float64Array(m * d);
  const picked = new Set<number>();
  for (let c = 0; c < m; c++) {
    let t = options.prng.int(count);
    while (picked.has(t)) t = options.prng.int(count);
    picked.add(t);
    mu.set(frames.subarray(t * d, t * d + d), c * d);
  }
  const assign = new Int32Array(count);
  for (let it = 0; it < options.kmeansIterations; it++) {
    let distortion = 0;
    for (let t = 0; t < count; t++) {
      let best = Infinity;
      let arg = 0;
      for (let c = 0; c < m; c++) {
        let q = 0;
        for (let j = 0; j < d; j++) {
          const diff = frames[t * d + j]! - mu[c * d + j]!;
          q += diff * diff;
        }
        if (q < best) {
          best = q;
          arg = c;
        }
      }
      assign[t] = arg;
      distortion += best;
    }
    const sums = new Float64Array(m * d);
    const counts = new Float64Array(m);
    for (let t = 0; t < count; t++) {
      const c = assign[t]!;
      counts[c] = counts[c]! + 1;
      for (let j = 0; j < d; j++) sums[c * d + j] = sums[c * d + j]! + frames[t * d + j]!;
    }
    for (let c = 0; c < m; c++) {
      if (counts[c] === 0) {
        const t = options.prng.int(count);
        mu.set(frames.subarray(t * d, t * d + d), c * d);
        continue;
      }
      for (let j = 0; j < d; j++) mu[c * d + j] = sums[c * d + j]! / counts[c]!;
    }
    options.onIteration?.('kmeans', it, distortion / count);
  }
  // Global variance as the starting covariance of every component.
  const globalVar = new Float64Array(d);
  const globalMean = new Float64Array(d);
  for (let t = 0; t < count; t++)
    for (let j = 0; j < d; j++) globalMean[j] = globalMean[j]! + frames[t * d + j]! / count;
  for (let t = 0; t < count; t++) {
    for (let j = 0; j < d; j++) {
      const diff = frames[t * d + j]! - globalMean[j]!;
      globalVar[j] = globalVar[j]! + (diff * diff) / count;
    }
  }
  const gmm: DiagonalGmm = {
    m,
    d,
    w: new Float64Array(m).fill(1 / m),
    mu,
    va: new Float64Array(m * d),
  };
  for (let c = 0; c < m; c++) gmm.va.set(globalVar, c * d);
  for (let it = 0; it < options.emIterations; it++) {
    const stats = gmmStats(gmm, frames, count, true);
    const s = stats.s!;
    for (let c = 0; c < m; c++) {
      const nc = stats.n[c]!;
      if (nc < 1) {
        // A starved component restarts at a random frame with the global variance.
        const t = options.prng.int(count);
        gmm.mu.set(frames.subarray(t * d, t * d + d), c * d);
        gmm.va.set(globalVar, c * d);
        gmm.w[c] = 1 / count;
        continue;
      }
      gmm.w[c] = nc / count;
      for (let j = 0; j < d; j++) {
        const mean = stats.f[c * d + j]! / nc;
        gmm.mu[c * d + j] = mean;
        gmm.va[c * d + j] = Math.max(
          s[c * d + j]! / nc - mean * mean,
          VARIANCE_FLOOR * globalVar[j]!,
        );
      }
    }
    let wSum = 0;
    for (let c = 0; c < m; c++) wSum += gmm.w[c]!;
    for (let c = 0; c < m; c++) gmm.w[c] = gmm.w[c]! / wSum;
    options.onIteration?.('em', it, stats.logLikelihood / count);
  }
  return gmm;
}

/**
 * MAP-adapted mean supervector: mu'_c = a_c F_c/n_c + (1 - a_c) mu_c with a_c = n_c/(n_c + r),
 * then sv_c = sqrt(w_c) (mu'_c - mu_c) / sigma_c (the KL-divergence scaling).
 */
export function mapSupervector(
  gmm: DiagonalGmm,
  frames: Float64Array,
  count: number,
  relevance: number,
): Float64Array {
  const { m, d } = gmm;
  const stats = gmmStats(gmm, frames, count);
  const sv = new Float64Array(m * d);
  for (let c = 0; c < m; c++) {
    const nc = stats.n[c]!;
    const alpha = nc / (nc + relevance);
    const scale = Math.sqrt(gmm.w[c]!);
    for (let j = 0; j < d; j++) {
      const k = c * d + j;
      const mean = nc > 0 ? stats.f[k]! / nc : gmm.mu[k]!;
      sv[k] = (scale * alpha * (mean - gmm.mu[k]!)) / Math.sqrt(gmm.va[k]!);
    }
  }
  return sv;
}
