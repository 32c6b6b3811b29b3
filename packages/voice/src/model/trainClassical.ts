import { analyseUtterance } from '../internal/analyseUtterance.js';
import type { UtteranceAnalysis } from '../internal/analyseUtterance.js';
import { trainGmm } from '../internal/gmm.js';
import { fitLda } from '../internal/lda.js';
import { createPrng } from '../internal/prng.js';
import type { ClassicalParams } from './ClassicalParams.js';
import { compileParams, quantizeCohort } from './ClassicalParams.js';
import { classicalParts, fuseParts } from './embedClassical.js';

/** Hyper-parameters of the classical back end (chosen on a held-out train-clean split). */
export interface ClassicalConfig {
  components: number;
  kmeansIterations: number;
  emIterations: number;
  /** Use every n-th speech frame for the UBM. */
  ubmFrameStride: number;
  relevance: number;
  ldaDim: number;
  ldaRidge: number;
  /** Training crops: windows of `cropSec` every `cropHopSec`, plus the whole utterance. */
  cropSec: number;
  cropHopSec: number;
  weightA: number;
  /** Every n-th training utterance (3 s from 0.5 s) joins the s-norm cohort. */
  cohortStride: number;
  cohortTopN: number;
}

export const DEFAULT_CLASSICAL_CONFIG: ClassicalConfig = {
  components: 64,
  kmeansIterations: 8,
  emIterations: 10,
  ubmFrameStride: 2,
  relevance: 4,
  ldaDim: 20,
  ldaRidge: 1e-3,
  cropSec: 3,
  cropHopSec: 1.5,
  weightA: 0.5,
  cohortStride: 2,
  cohortTopN: 50,
};

/** One training utterance. */
export interface TrainingUtterance {
  speaker: string;
  pcm: Float32Array;
}

/** Progress events of training, for a CLI to print. */
export type TrainProgress = (stage: string, detail: string) => void;

/** Rounds to `digits` significant digits; the stored model keeps ~6. */
export function roundSig(x: number, digits = 6): number {
  return x === 0 ? 0 : Number(x.toPrecision(digits));
}

const r = (a: ArrayLike<number>): number[] => Array.from(a, (x) => roundSig(x));

/** The training crops of one utterance: the whole of it, then fixed windows from the start. */
export function cropsOf(pcm: Float32Array, cropSec: number, hopSec: number): Float32Array[] {
  const out = [pcm];
  const len = Math.round(cropSec * 16000);
  const hop = Math.round(hopSec * 16000);
  for (let start = 0; start + len <= pcm.length; start += hop)
    out.push(pcm.subarray(start, start + len));
  return out;
}

/** The evaluation crop: 3 s starting at 0.5 s, or the whole utterance when it is shorter. */
export function cohortCrop(pcm: Float32Array): Float32Array {
  return pcm.length >= 56_000 ? pcm.subarray(8_000, 56_000) : pcm;
}

/**
 * Fits UBM, z-norm statistics and LDA on `utterances`, deterministically for a given seed, and
 * returns params rounded to 6 significant digits (the stored form, so the caller scores exactly
 * what will be saved).
 */
export function trainClassical(
  utterances: TrainingUtterance[],
  config: ClassicalConfig,
  seed: number,
  onProgress: TrainProgress = () => undefined,
): ClassicalParams {
  const prng = createPrng(seed);
  const crops: Array<{ speaker: string; isWhole: boolean; u: UtteranceAnalysis }> = [];
  utterances.forEach((utt, i) => {
    cropsOf(utt.pcm, config.cropSec, config.cropHopSec).forEach((pcm, k) => {
      crops.push({ speaker: utt.speaker, isWhole: k === 0, u: analyseUtterance(pcm) });
    });
    if ((i + 1) % 50 === 0 || i + 1 === utterances.length) {
      onProgress('features', `${i + 1}/${utterances.length} utterances, ${crops.length} crops`);
    }
  });

  // UBM on the speech frames of whole utterances (the first crop of each).
  const dim = 40;
  const whole = crops.filter((c) => c.isWhole);
  let total = 0;
  for (const c of whole) total += Math.ceil(c.u.count / config.ubmFrameStride);
  const frames = new Float64Array(total * dim);
  let row = 0;
  for (const c of whole) {
    for (let t = 0; t < c.u.count; t += config.ubmFrameStride) {
      frames.set(c.u.frames.subarray(t * dim, t * dim + dim), row * dim);
      row++;
    }
  }
  onProgress('ubm', `${row} frames, ${config.components} components`);
  const gmm = trainGmm(frames, row, dim, {
    components: config.components,
    kmeansIterations: config.kmeansIterations,
    emIterations: config.emIterations,
    prng,
    onIteration: (stage, it, value) => onProgress('ubm', `${stage} ${it + 1}: ${value.toFixed(4)}`),
  });

  // System A: z-norm over all crops, then LDA with speakers as classes.
  const n = crops.length;
  const zMu = new Float64Array(dim);
  const zSd = new Float64Array(dim);
  for (const c of crops) for (let j = 0; j < dim; j++) zMu[j] = zMu[j]! + c.u.stats[j]! / n;
  for (const c of crops) {
    for (let j = 0; j < dim; j++) {
      const diff = c.u.stats[j]! - zMu[j]!;
      zSd[j] = zSd[j]! + (diff * diff) / n;
    }
  }
  for (let j = 0; j < dim; j++) zSd[j] = Math.sqrt(zSd[j]!) || 1;
  const zRows = crops.map((c) => Float64Array.from(c.u.stats, (v, j) => (v - zMu[j]!) / zSd[j]!));
  const lda = fitLda(
    zRows,
    crops.map((c) => c.speaker),
    config.ldaDim,
    config.ldaRidge,
  );
  onProgress('lda', `${config.ldaDim} of ${dim} dims from ${n} crops`);

  const partial: ClassicalParams = {
    stats: { zMu: r(zMu), zSd: r(zSd), ldaMean: r(lda.mean), P: r(lda.P), outDim: config.ldaDim },
    ubm: {
      components: gmm.m,
      dim,
      w: r(gmm.w),
      mu: r(gmm.mu),
      va: r(gmm.va),
      relevance: config.relevance,
    },
    supervector: { mean: new Array<number>(gmm.m * dim).fill(0) },
    fusion: { weightA: config.weightA, weightB: roundSig(1 - config.weightA) },
    cohort: { count: 0, dim: 0, topN: config.cohortTopN, scales: [], data: '' },
  };
  // Mean supervector over the crops, computed with the rounded UBM the model will ship.
  const compiled = compileParams(partial);
  const svMean = new Float64Array(gmm.m * dim);
  for (const c of crops) {
    const { b } = classicalParts(c.u, compiled);
    for (let k = 0; k < b.length; k++) svMean[k] = svMean[k]! + b[k]! / n;
  }
  onProgress('supervector', `mean of ${n} supervectors`);
  const withMean: ClassicalParams = { ...partial, supervector: { mean: r(svMean) } };
  const final = compileParams(withMean);
  const cohort = utterances
    .filter((_, i) => i % config.cohortStride === 0)
    .map((u) => fuseParts(classicalParts(analyseUtterance(cohortCrop(u.pcm)), final), final));
  onProgress('cohort', `${cohort.length} cohort embeddings`);
  return { ...withMean, cohort: quantizeCohort(cohort, config.cohortTopN) };
}
