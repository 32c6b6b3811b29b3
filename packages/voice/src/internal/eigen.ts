/**
 * Cyclic Jacobi eigen solver for a dense symmetric matrix (row-major, n x n). Returns the
 * eigenvalues in descending order and the matching unit eigenvectors as rows. At n <= ~100 it is
 * fast enough and, unlike QR variants, trivially deterministic.
 */
export interface Eigen {
  values: Float64Array;
  /** Row i is the eigenvector of values[i]. */
  vectors: Float64Array;
}

export function symmetricEigen(matrix: Float64Array, n: number, maxSweeps = 100): Eigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p * n + p]! * a[p * n + p]!;
      for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    }
    if (off <= 1e-22 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => a[j * n + j]! - a[i * n + i]! || i - j,
  );
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((col, row) => {
    values[row] = a[col * n + col]!;
    // Fix the sign so the largest-magnitude component is positive: output must not depend on
    // rotation order details.
    let big = 0;
    for (let k = 0; k < n; k++)
      if (Math.abs(v[k * n + col]!) > Math.abs(big)) big = v[k * n + col]!;
    const sign = big < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[row * n + k] = sign * v[k * n + col]!;
  });
  return { values, vectors };
}
