import { FRONT_END_SPEC } from '../features/frontEnd.js';
import type { MelBand } from '../features/frontEnd.js';
/**
 * The fitted numbers of the classical back end, as stored in the model JSON (plain arrays so the
 * file diffs and hashes cleanly). Matrices are row-major.
 */
export interface ClassicalParams {
  /** The mel filter range of the front end; absent in older files (the spec's 20-7600 Hz). */
  melBand?: MelBand;
  /** System A: z-normalised MFCC mean/std statistics projected by LDA. */
  stats: {
    zMu: number[];
    zSd: number[];
    ldaMean: number[];
    /** `outDim x 40`. */
    P: number[];
    outDim: number;
  };
  /** System B: the universal background model and its MAP relevance factor. */
  ubm: {
    components: number;
    dim: number;
    w: number[];
    mu: number[];
    va: number[];
    relevance: number;
  };
  /**
   * Mean supervector of the training crops, removed before the cosine, and the nuisance
   * attribute projection: `napRank` orthonormal rows (`napRank x dim`, row-major) spanning the
   * largest within-speaker variation of the training supervectors (channels, sessions), removed
   * from every supervector.
   */
  supervector: {
    mean: number[];
    napRank?: number;
    nap?: number[];
    /**
     * Supervector LDA after the NAP: `outDim x (components x dim)` rows and a bias, y = M x - bias
     * (absent in older files: the supervector itself is scored).
     */
    lda?: { outDim: number; M: number[]; bias: number[] };
  };
  /**
   * Narrow-band detector on the z-normalised MFCC statistics `z` (absent in older files):
   * P(narrow) = 1 / (1 + exp(-slope (w.z - center))); the cohort mean of an embedding moves up by
   * `shift * P(narrow) * sd`, so each narrow-band side lowers the normalised score by up to
   * `shift / 2`.
   */
  channel?: { w: number[]; center: number; slope: number; shift: number };
  /** Score = weightA cos(a) + weightB cos(b); weights sum to 1. */
  fusion: { weightA: number; weightB: number };
  /**
   * Score-normalisation cohort: fused embeddings of 3 s crops of training speakers, each stored
   * as int8 (base64) times its own scale. Only the top `topN` cohort scores of an embedding are
   * used (adaptive s-norm).
   */
  cohort: { count: number; dim: number; topN: number; scales: number[]; data: string };
}

/** `ClassicalParams` as typed arrays, ready to compute with. */
export interface CompiledClassicalParams {
  melBand: MelBand;
  zMu: Float64Array;
  zSd: Float64Array;
  ldaMean: Float64Array;
  P: Float64Array;
  outDim: number;
  ubm: { m: number; d: number; w: Float64Array; mu: Float64Array; va: Float64Array };
  relevance: number;
  svMean: Float64Array;
  nap: Float64Array;
  napRank: number;
  /** `svLdaDim x svDim`; empty when the model has no supervector LDA. */
  svLdaM: Float64Array;
  svLdaBias: Float64Array;
  /** Empty when the model has no channel detector. */
  channelW: Float64Array;
  channelCenter: number;
  channelSlope: number;
  channelShift: number;
  weightA: number;
  weightB: number;
  /** Row-major `count x dim`, dequantised. */
  cohort: Float32Array;
  cohortCount: number;
  topN: number;
}

export function compileParams(p: ClassicalParams): CompiledClassicalParams {
  const f = (a: number[]): Float64Array => Float64Array.from(a);
  return {
    melBand: p.melBand ?? { lowHz: FRONT_END_SPEC.lowHz, highHz: FRONT_END_SPEC.highHz },
    zMu: f(p.stats.zMu),
    zSd: f(p.stats.zSd),
    ldaMean: f(p.stats.ldaMean),
    P: f(p.stats.P),
    outDim: p.stats.outDim,
    ubm: { m: p.ubm.components, d: p.ubm.dim, w: f(p.ubm.w), mu: f(p.ubm.mu), va: f(p.ubm.va) },
    relevance: p.ubm.relevance,
    svMean: f(p.supervector.mean),
    // Model files from before the NAP have neither field.
    nap: f(p.supervector.nap ?? []),
    napRank: p.supervector.napRank ?? 0,
    svLdaM: f(p.supervector.lda?.M ?? []),
    svLdaBias: f(p.supervector.lda?.bias ?? []),
    channelW: f(p.channel?.w ?? []),
    channelCenter: p.channel?.center ?? 0,
    channelSlope: p.channel?.slope ?? 0,
    channelShift: p.channel?.shift ?? 0,
    weightA: p.fusion.weightA,
    weightB: p.fusion.weightB,
    cohort: dequantize(p.cohort),
    cohortCount: p.cohort.count,
    topN: p.cohort.topN,
  };
}

/** Stores each row as int8 times a per-row scale (max |x| / 127). */
export function quantizeCohort(rows: Float32Array[], topN: number): ClassicalParams['cohort'] {
  const dim = rows[0]?.length ?? 0;
  const bytes = new Int8Array(rows.length * dim);
  const scales = rows.map((row, i) => {
    let max = 0;
    for (const x of row) max = Math.max(max, Math.abs(x));
    const scale = Number((max / 127 || 1).toPrecision(6));
    for (let j = 0; j < dim; j++) bytes[i * dim + j] = Math.round(row[j]! / scale);
    return scale;
  });
  const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return { count: rows.length, dim, topN, scales, data };
}

function dequantize(c: ClassicalParams['cohort']): Float32Array {
  if (c.count === 0) return new Float32Array(0);
  const raw = Buffer.from(c.data, 'base64');
  const bytes = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (bytes.length !== c.count * c.dim) throw new Error('voice model cohort has the wrong size');
  const out = new Float32Array(c.count * c.dim);
  for (let i = 0; i < c.count; i++) {
    for (let j = 0; j < c.dim; j++) out[i * c.dim + j] = bytes[i * c.dim + j]! * c.scales[i]!;
  }
  return out;
}
