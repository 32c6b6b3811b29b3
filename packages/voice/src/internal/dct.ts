/**
 * Orthonormal DCT-II basis, `keep x n` row-major: c_k = s_k sum_j x_j cos(pi k (j + 0.5) / n)
 * with s_0 = sqrt(1/n) and s_k = sqrt(2/n). Rows are orthonormal, so the full n x n matrix is an
 * orthogonal transform.
 */
export function dctMatrix(keep: number, n: number): Float64Array {
  const out = new Float64Array(keep * n);
  for (let k = 0; k < keep; k++) {
    const scale = Math.sqrt((k === 0 ? 1 : 2) / n);
    for (let j = 0; j < n; j++) out[k * n + j] = scale * Math.cos((Math.PI * k * (j + 0.5)) / n);
  }
  return out;
}
