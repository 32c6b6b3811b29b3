import { analyseUtterance } from '../internal/analyseUtterance.js';
import type { UtteranceAnalysis } from '../internal/analyseUtterance.js';
import { mapSupervector } from '../internal/gmm.js';
import { removeNuisance } from '../internal/nap.js';
import { applySupervectorLda } from '../internal/svLda.js';
import { narrowBandProbability } from '../internal/channelDetector.js';
import type { CompiledClassicalParams } from './classicalParams.js';
import type { CohortStats } from '../speakerModel.js';

/** The two subsystem vectors before fusion (training and diagnostics use them). */
export interface ClassicalParts {
  a: Float64Array;
  b: Float64Array;
}

/** System A and System B vectors of an analysed utterance. */
export function classicalParts(u: UtteranceAnalysis, p: CompiledClassicalParams): ClassicalParts {
  return {
    a: statisticsPart(u.stats, p),
    b: supervectorPart(mapSupervector(p.ubm, u.frames, u.count, p.relevance), p),
  };
}

/** The MFCC statistics z-normalised with the training mean and spread. */
export function zStatistics(stats: Float64Array, p: CompiledClassicalParams): Float64Array {
  return Float64Array.from(p.zMu, (mu, j) => (stats[j]! - mu) / p.zSd[j]!);
}

/** System A: z-normalised MFCC statistics through the LDA. */
export function statisticsPart(stats: Float64Array, p: CompiledClassicalParams): Float64Array {
  const dim = p.zMu.length;
  const z = zStatistics(stats, p);
  for (let j = 0; j < dim; j++) z[j] = z[j]! - p.ldaMean[j]!;
  const a = new Float64Array(p.outDim);
  for (let r = 0; r < p.outDim; r++) {
    let sum = 0;
    for (let j = 0; j < dim; j++) sum += p.P[r * dim + j]! * z[j]!;
    a[r] = sum;
  }
  return a;
}

/**
 * System B from a MAP supervector (overwritten): minus the training mean, the NAP, then the
 * supervector LDA when the model has one.
 */
export function supervectorPart(b: Float64Array, p: CompiledClassicalParams): Float64Array {
  for (let k = 0; k < b.length; k++) b[k] = b[k]! - p.svMean[k]!;
  removeNuisance(b, p.nap, p.napRank);
  return p.svLdaBias.length === 0 ? b : applySupervectorLda(b, p.svLdaM, p.svLdaBias);
}

/**
 * Fuses the parts into one vector whose dot product is the fused score: [sqrt(wA) a/|a|,
 * sqrt(wB) b/|b|]. The result has unit length, so an orthogonal (salted) projection of it keeps
 * scores unchanged.
 */
export function fuseParts(parts: ClassicalParts, p: CompiledClassicalParams): Float32Array {
  const out = new Float32Array(parts.a.length + parts.b.length);
  const put = (v: Float64Array, weight: number, offset: number): void => {
    let norm = 0;
    for (const x of v) norm += x * x;
    const scale = norm > 0 ? Math.sqrt(weight) / Math.sqrt(norm) : 0;
    for (let i = 0; i < v.length; i++) out[offset + i] = v[i]! * scale;
  };
  put(parts.a, p.weightA, 0);
  put(parts.b, p.weightB, parts.a.length);
  return out;
}

/**
 * The classical embedding of 16 kHz mono audio, and the probability that it came through a
 * narrow-band line (0 when the model has no channel detector), judged from the MFCC statistics
 * before the LDA takes the channel out.
 */
export function embedClassical(
  pcm: Float32Array,
  p: CompiledClassicalParams,
): { embedding: Float32Array; narrow: number } {
  const u = analyseUtterance(pcm, p.melBand);
  const embedding = fuseParts(classicalParts(u, p), p);
  if (p.channelW.length === 0) return { embedding, narrow: 0 };
  const z = zStatistics(u.stats, p);
  return {
    embedding,
    narrow: narrowBandProbability(z, p.channelW, p.channelCenter, p.channelSlope),
  };
}

/**
 * Mean and standard deviation of the embedding's top-N cosine scores against the cohort; with a
 * channel detector, the mean moves up by `channelShift * narrow * sd`.
 */
export function classicalCohortStats(
  e: Float32Array,
  p: CompiledClassicalParams,
  narrow = 0,
): CohortStats {
  const dim = e.length;
  const scores = new Float64Array(p.cohortCount);
  let ne = 0;
  for (let j = 0; j < dim; j++) ne += e[j]! * e[j]!;
  for (let i = 0; i < p.cohortCount; i++) {
    let dot = 0;
    let nc = 0;
    for (let j = 0; j < dim; j++) {
      const c = p.cohort[i * dim + j]!;
      dot += e[j]! * c;
      nc += c * c;
    }
    scores[i] = ne > 0 && nc > 0 ? dot / Math.sqrt(ne * nc) : 0;
  }
  scores.sort();
  const n = Math.min(p.topN, scores.length);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[scores.length - 1 - i]! / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (scores[scores.length - 1 - i]! - mean) ** 2 / n;
  const sd = Math.sqrt(v) || 1;
  // Two recordings through the same narrow line resemble each other whoever speaks: each side
  // that sounds narrow-band lowers its normalised scores by up to `channelShift` / 2.
  return { mean: mean + p.channelShift * narrow * sd, sd };
}
