/** Equal error rate of a set of verification trials. */
export interface EerResult {
  /** Fraction in [0, 1] where false accepts equal false rejects (interpolated). */
  eer: number;
  /** Score at that point: accept when score >= threshold. */
  threshold: number;
  targetTrials: number;
  nontargetTrials: number;
}

/** One scored item for `evaluateEer`. */
export interface EerItem {
  speaker: string;
  embedding: Float32Array;
  /** Items of the same group are never paired (e.g. overlapping crops of one file). */
  group?: string;
}

/**
 * EER from target (same speaker) and non-target scores: sweeps the threshold over every distinct
 * score and interpolates between the two operating points where the false-reject rate crosses
 * the false-accept rate.
 */
export function computeEer(target: ArrayLike<number>, nontarget: ArrayLike<number>): EerResult {
  const all: Array<[number, number]> = [];
  for (let i = 0; i < target.length; i++) all.push([target[i]!, 1]);
  for (let i = 0; i < nontarget.length; i++) all.push([nontarget[i]!, 0]);
  all.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const nt = target.length;
  const nn = nontarget.length;
  // Threshold just above all[i]: rejects all[0..i].
  let rejectedTargets = 0;
  let rejectedNon = 0;
  let prev = { frr: 0, far: 1, threshold: all[0]?.[0] ?? 0 };
  for (let i = 0; i < all.length; i++) {
    if (all[i]![1] === 1) rejectedTargets++;
    else rejectedNon++;
    if (i + 1 < all.length && all[i + 1]![0] === all[i]![0]) continue;
    const frr = rejectedTargets / nt;
    const far = 1 - rejectedNon / nn;
    const threshold = i + 1 < all.length ? (all[i]![0] + all[i + 1]![0]) / 2 : all[i]![0] + 1e-9;
    if (frr >= far) {
      // Interpolate between prev (frr < far) and this point.
      const d0 = prev.far - prev.frr;
      const d1 = frr - far;
      const t = d0 + d1 > 0 ? d0 / (d0 + d1) : 0;
      return {
        eer: prev.frr + t * (frr - prev.frr),
        threshold: prev.threshold + t * (threshold - prev.threshold),
        targetTrials: nt,
        nontargetTrials: nn,
      };
    }
    prev = { frr, far, threshold };
  }
  return { eer: 0, threshold: prev.threshold, targetTrials: nt, nontargetTrials: nn };
}

/**
 * All-pairs EER of a set of embeddings: every unordered pair of items from different groups is a
 * trial, a target trial when the speakers match. `score` is the comparison to evaluate (usually
 * `scoreEmbeddings`).
 */
export function evaluateEer(
  items: EerItem[],
  score: (a: Float32Array, b: Float32Array) => number,
): EerResult {
  const target: number[] = [];
  const nontarget: number[] = [];
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const x = items[i]!;
      const y = items[j]!;
      if (x.group !== undefined && x.group === y.group) continue;
      (x.speaker === y.speaker ? target : nontarget).push(score(x.embedding, y.embedding));
    }
  }
  return computeEer(target, nontarget);
}

/** The lowest threshold whose false-accept rate on `nontarget` is at most `far`. */
export function thresholdAtFar(nontarget: ArrayLike<number>, far: number): number {
  const sorted = Float64Array.from(nontarget).sort();
  const allowed = Math.floor(far * sorted.length);
  // Accept when score >= threshold: put the threshold just above the (allowed+1)-th highest.
  const index = sorted.length - 1 - allowed;
  if (index < 0) return -Infinity;
  return sorted[index]! + 1e-9;
}
