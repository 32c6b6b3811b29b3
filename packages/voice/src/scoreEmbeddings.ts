import type { CohortStats } from './speakerModel.js';

/** Cohort statistics of both sides, for the normalised score. */
export interface ScoreNormalization {
  a: CohortStats;
  b: CohortStats;
}

/**
 * Compares two embeddings of the same model (`paramsVersion`); higher means more likely the same
 * speaker. Without `norm` it is the cosine in [-1, 1] (for the classical model the fused
 * wA cos(a) + wB cos(b)), compared with `thresholds.rawEer`/`rawRecommended`. With `norm` (each
 * side's `model.cohortStats`) it is the adaptive s-norm score
 * ((s - mean_a) / sd_a + (s - mean_b) / sd_b) / 2, compared with `thresholds.eer`/`recommended`:
 * it measures how far the pair stands above each side's closest impostors, which keeps one
 * threshold valid across voices and recording conditions. Throws `RangeError` when the lengths
 * differ (embeddings of different models).
 */
export function scoreEmbeddings(
  a: Float32Array,
  b: Float32Array,
  norm?: ScoreNormalization,
): number {
  if (a.length !== b.length)
    throw new RangeError(`embedding lengths differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  const cos = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  if (!norm) return cos;
  return 0.5 * ((cos - norm.a.mean) / norm.a.sd + (cos - norm.b.mean) / norm.b.sd);
}
