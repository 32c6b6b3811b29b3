import { symmetricEigen } from './eigen.js';

/** A linear projection y = P (x - mean); `P` is row-major `outDim x inDim`. */
export interface Projection {
  inDim: number;
  outDim: number;
  mean: Float64Array;
  P: Float64Array;
  /** Between- over within-speaker variance of each output direction (LDA's eigenvalues). */
  ratios?: Float64Array;
}

/**
 * Fisher LDA: within-class scatter Sw (plus a small ridge, as the crops of one utterance
 * underestimate it), between-class scatter Sb with every class weighted equally; solves
 * Sb v = lambda Sw v by whitening Sw with its eigen decomposition and diagonalising the whitened
 * Sb. Rows of `P` are the top `outDim` discriminant directions.
 */
export function fitLda(
  rows: Float64Array[],
  labels: string[],
  outDim: number,
  ridge = 1e-3,
): Projection {
  const dim = rows[0]!.length;
  const classes = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const list = classes.get(label) ?? [];
    list.push(i);
    classes.set(label, list);
  });
  const names = [...classes.keys()].sort();
  const mean = new Float64Array(dim);
  const classMeans = names.map((name) => {
    const members = classes.get(name)!;
    const mu = new Float64Array(dim);
    for (const i of members)
      for (let j = 0; j < dim; j++) mu[j] = mu[j]! + rows[i]![j]! / members.length;
    return mu;
  });
  for (const mu of classMeans)
    for (let j = 0; j < dim; j++) mean[j] = mean[j]! + mu[j]! / names.length;
  const sw = new Float64Array(dim * dim);
  const sb = new Float64Array(dim * dim);
  names.forEach((name, ci) => {
    const mu = classMeans[ci]!;
    const members = classes.get(name)!;
    for (const i of members) {
      const row = rows[i]!;
      for (let a = 0; a < dim; a++) {
        const da = (row[a]! - mu[a]!) / members.length;
        for (let b = 0; b < dim; b++) sw[a * dim + b] = sw[a * dim + b]! + da * (row[b]! - mu[b]!);
      }
    }
    for (let a = 0; a < dim; a++) {
      const da = mu[a]! - mean[a]!;
      for (let b = 0; b < dim; b++) sb[a * dim + b] = sb[a * dim + b]! + da * (mu[b]! - mean[b]!);
    }
  });
  let trace = 0;
  for (let a = 0; a < dim; a++) trace += sw[a * dim + a]!;
  for (let a = 0; a < dim; a++) sw[a * dim + a] = sw[a * dim + a]! + (ridge * trace) / dim;
  const w = symmetricEigen(sw, dim);
  // W = V diag(1/sqrt(lambda)): columns are whitened directions.
  const white = new Float64Array(dim * dim);
  for (let k = 0; k < dim; k++) {
    const s = 1 / Math.sqrt(Math.max(w.values[k]!, 1e-12));
    for (let a = 0; a < dim; a++) white[a * dim + k] = w.vectors[k * dim + a]! * s;
  }
  // B = W^T Sb W
  const tmp = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++)
    for (let k = 0; k < dim; k++) {
      let sum = 0;
      for (let b = 0; b < dim; b++) sum += sb[a * dim + b]! * white[b * dim + k]!;
      tmp[a * dim + k] = sum;
    }
  const between = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++)
    for (let k = i; k < dim; k++) {
      let sum = 0;
      for (let a = 0; a < dim; a++) sum += white[a * dim + i]! * tmp[a * dim + k]!;
      between[i * dim + k] = sum;
      between[k * dim + i] = sum;
    }
  const e = symmetricEigen(between, dim);
  const P = new Float64Array(outDim * dim);
  for (let r = 0; r < outDim; r++)
    for (let a = 0; a < dim; a++) {
      let sum = 0;
      for (let k = 0; k < dim; k++) sum += white[a * dim + k]! * e.vectors[r * dim + k]!;
      P[r * dim + a] = sum;
    }
  return { inDim: dim, outDim, mean, P, ratios: e.values.slice(0, outDim) };
}

/** Applies y = P (x - mean). */
export function project(p: Projection, x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(p.outDim);
  for (let r = 0; r < p.outDim; r++) {
    let sum = 0;
    for (let a = 0; a < p.inDim; a++) sum += p.P[r * p.inDim + a]! * (x[a]! - p.mean[a]!);
    out[r] = sum;
  }
  return out;
}
