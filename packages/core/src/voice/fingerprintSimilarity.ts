/**
 * How alike two spectral fingerprints (sequences of 16-bit sub-fingerprints, one per frame) are:
 * 1 minus the lowest bit error rate over every alignment in which the overlap covers at least
 * half of the shorter one (and `minFrames` frames). Different recordings score about 0.5; the same
 * recording, even re-encoded or trimmed, scores near 1. Returns 0 when no alignment qualifies.
 */
export function fingerprintSimilarity(a: Uint16Array, b: Uint16Array, minFrames = 20): number {
  const shorter = Math.min(a.length, b.length);
  const needed = Math.max(minFrames, Math.ceil(shorter / 2));
  if (shorter < needed) return 0;
  let best = 1;
  // Offset d aligns a[i] with b[i - d].
  for (let d = -(b.length - needed); d <= a.length - needed; d++) {
    const start = Math.max(0, d);
    const end = Math.min(a.length, b.length + d);
    const overlap = end - start;
    if (overlap < needed) continue;
    let errors = 0;
    const budget = best * overlap * 16;
    for (let i = start; i < end && errors < budget; i++) errors += POPCOUNT[a[i]! ^ b[i - d]!]!;
    const ber = errors / (overlap * 16);
    if (ber < best) best = ber;
  }
  return 1 - best;
}

const POPCOUNT = (() => {
  const table = new Uint8Array(65536);
  for (let i = 1; i < 65536; i++) table[i] = (i & 1) + table[i >> 1]!;
  return table;
})();
