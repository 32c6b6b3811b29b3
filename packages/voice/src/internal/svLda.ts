import { fitLda } from './lda.js';
import { topDirections } from './nap.js';
import type { Prng } from './prng.js';

/** A linear map of supervectors, y = M x - bias; `M` is row-major `outDim x inDim`. */
export interface SupervectorLda {
  inDim: number;
  outDim: number;
  M: Float64Array;
  bias: Float64Array;
}

/**
 * Fisher LDA of supervectors with speakers as classes, so every direction in which one speaker's
 * recordings differ (microphones, lines, codecs, noise: the augmented copies are in `rows`) is
 * scaled down against the directions that separate speakers, not only the few NAP removes. The
 * 2,560-dimensional scatter matrices are never formed: the supervectors are first projected on
 * their top `pcaDim` principal directions (seeded subspace iteration), and LDA, which whitens the
 * within-speaker scatter, runs there. Returns the composed map from supervector to `outDim`.
 */
export function fitSupervectorLda(
  rows: readonly Float64Array[],
  labels: readonly string[],
  pcaDim: number,
  outDim: number,
  ridge: number,
  prng: Prng,
  /**
   * `plda` scales each output direction by sqrt(r / (2r + 1)), r its between/within variance
   * ratio: the weight a two-covariance PLDA gives the cross term x_i y_i, so weakly
   * discriminant directions count less in the cosine.
   */
  weighting: 'none' | 'plda' = 'none',
  iterations = 4,
): SupervectorLda {
  const dim = rows[0]!.length;
  const n = rows.length;
  const mean = new Float64Array(dim);
  for (const x of rows) for (let j = 0; j < dim; j++) mean[j] = mean[j]! + x[j]! / n;
  const dev = rows.map((x) => Float32Array.from(x, (v, j) => v - mean[j]!));
  const q = topDirections(dev, dim, pcaDim, prng, iterations);
  const reduced = dev.map((d) => {
    const y = new Float64Array(pcaDim);
    for (let r = 0; r < pcaDim; r++) {
      let sum = 0;
      for (let j = 0; j < dim; j++) sum += q[r * dim + j]! * d[j]!;
      y[r] = sum;
    }
    return y;
  });
  const lda = fitLda(reduced, [...labels], outDim, ridge);
  // y = P (Q (x - mean) - ldaMean) = (P Q) x - ((P Q) mean + P ldaMean)
  const M = new Float64Array(outDim * dim);
  const bias = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let b = 0;
    for (let r = 0; r < pcaDim; r++) {
      const p = lda.P[o * pcaDim + r]!;
      b += p * lda.mean[r]!;
      for (let j = 0; j < dim; j++) M[o * dim + j] = M[o * dim + j]! + p * q[r * dim + j]!;
    }
    for (let j = 0; j < dim; j++) b += M[o * dim + j]! * mean[j]!;
    bias[o] = b;
    if (weighting === 'plda') {
      const ratio = Math.max(lda.ratios![o]!, 0);
      const w = Math.sqrt(ratio / (2 * ratio + 1));
      for (let j = 0; j < dim; j++) M[o * dim + j] = M[o * dim + j]! * w;
      bias[o] = bias[o]! * w;
    }
  }
  return { inDim: dim, outDim, M, bias };
}

/** y = M x - bias. */
export function applySupervectorLda(
  x: ArrayLike<number>,
  M: ArrayLike<number>,
  bias: ArrayLike<number>,
): Float64Array {
  const outDim = bias.length;
  const dim = x.length;
  const y = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let sum = -bias[o]!;
    for (let j = 0; j < dim; j++) sum += M[o * dim + j]! * x[j]!;
    y[o] = sum;
  }
  return y;
}
