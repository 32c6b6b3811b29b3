import type { Prng } from './prng.js';

/**
 * Nuisance attribute projection: the top `rank` directions of within-class scatter of `rows`
 * (here: how one speaker's supervectors move between microphones, lines and sessions), found by
 * seeded subspace iteration so the 2,560-dimensional scatter matrix is never formed. Returns
 * `rank x dim` orthonormal rows U; callers remove them with x - U^T (U x).
 */
export function fitNap(
  rows: Float64Array[],
  labels: string[],
  rank: number,
  prng: Prng,
  iterations = 8,
): Float64Array {
  const dim = rows[0]!.length;
  const groups = new Map<string, number[]>();
  labels.forEach((label, i) => groups.set(label, [...(groups.get(label) ?? []), i]));
  // Within-class deviations, as float32 to halve the memory of thousands of supervectors.
  const dev: Float32Array[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const mean = new Float64Array(dim);
    for (const i of members)
      for (let j = 0; j < dim; j++) mean[j] = mean[j]! + rows[i]![j]! / members.length;
    for (const i of members) dev.push(Float32Array.from(rows[i]!, (v, j) => v - mean[j]!));
  }
  return topDirections(dev, dim, rank, prng, iterations);
}

/**
 * The top `rank` principal directions of the scatter sum(d d^T) of `dev`, by seeded subspace
 * iteration (the `dim x dim` matrix is never formed): `rank x dim` orthonormal rows.
 */
export function topDirections(
  dev: readonly ArrayLike<number>[],
  dim: number,
  rank: number,
  prng: Prng,
  iterations: number,
): Float64Array {
  let q = new Float64Array(rank * dim);
  for (let k = 0; k < q.length; k++) q[k] = prng.next() - 0.5;
  orthonormalise(q, rank, dim);
  const proj = new Float64Array(rank);
  for (let it = 0; it < iterations; it++) {
    const next = new Float64Array(rank * dim);
    for (const d of dev) {
      for (let r = 0; r < rank; r++) {
        let sum = 0;
        for (let j = 0; j < dim; j++) sum += d[j]! * q[r * dim + j]!;
        proj[r] = sum;
      }
      for (let r = 0; r < rank; r++) {
        const p = proj[r]!;
        for (let j = 0; j < dim; j++) next[r * dim + j] = next[r * dim + j]! + d[j]! * p;
      }
    }
    orthonormalise(next, rank, dim);
    q = next;
  }
  return q;
}

/** Modified Gram-Schmidt on the rows, in place. */
function orthonormalise(m: Float64Array, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < r; s++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += m[r * dim + j]! * m[s * dim + j]!;
      for (let j = 0; j < dim; j++) m[r * dim + j] = m[r * dim + j]! - dot * m[s * dim + j]!;
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += m[r * dim + j]! ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dim; j++) m[r * dim + j] = m[r * dim + j]! * inv;
  }
}

/** x - U^T (U x), in place; `u` is `rank x dim`. */
export function removeNuisance(x: Float64Array, u: ArrayLike<number>, rank: number): void {
  const dim = x.length;
  for (let r = 0; r < rank; r++) {
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += u[r * dim + j]! * x[j]!;
    for (let j = 0; j < dim; j++) x[j] = x[j]! - dot * u[r * dim + j]!;
  }
}
