import { analyseUtterance } from '../internal/analyseUtterance.js';
import type { UtteranceAnalysis } from '../internal/analyseUtterance.js';
import { trainGmm } from '../internal/gmm.js';
import { fitLda } from '../internal/lda.js';
import { createPrng } from '../internal/prng.js';
import { fitNap, removeNuisance } from '../internal/nap.js';
import { fitSupervectorLda } from '../internal/svLda.js';
import { randomChannel, simulateChannel } from '../channel/simulateChannel.js';
import { applyChannelChainBatch, parseChannelChain } from '../channel/applyChannelChain.js';
import type { ChannelStep } from '../channel/simulateChannel.js';
import type { ClassicalParams } from './classicalParams.js';
import { compileParams, quantizeCohort } from './classicalParams.js';
import { classicalParts, fuseParts } from './embedClassical.js';
import { fitChannelDetector, isNarrowBandChannel } from '../internal/channelDetector.js';

/** Hyper-parameters of the classical back end (chosen on a held-out split, see docs/voice-model.md). */
export interface ClassicalConfig {
  components: number;
  kmeansIterations: number;
  emIterations: number;
  /** Use every n-th speech frame (of whole clean utterances and augmented copies) for the UBM. */
  ubmFrameStride: number;
  /** Whether augmented and codec copies feed the UBM (otherwise only LDA, NAP and cohort). */
  ubmOnAugmented: boolean;
  relevance: number;
  ldaDim: number;
  ldaRidge: number;
  /**
   * Training crops: windows of `cropSec` every `cropHopSec`, plus the whole utterance; only
   * utterances of at least twice `cropSec` are cropped.
   */
  cropSec: number;
  cropHopSec: number;
  weightA: number;
  /** Channel-augmented copies of each training utterance (seeded random simulated channels). */
  augmentCopies: number;
  /** Longest excerpt an augmented copy is made from, seconds. */
  augmentSec: number;
  /** Within-speaker supervector directions removed by nuisance attribute projection. */
  napRank: number;
  /** Supervector LDA output dimensions after the NAP; 0 scores the supervector itself. */
  svLdaDim: number;
  /** Principal directions of the supervectors the supervector LDA is fit in. */
  svPcaDim: number;
  svLdaRidge: number;
  /** Weighting of the supervector LDA's directions (see `fitSupervectorLda`). */
  svLdaWeighting: 'none' | 'plda';
  /**
   * A narrow-band detector is fit on the training items' MFCC statistics, and each narrow-band
   * side lowers the normalised score by up to `narrowShift / 2` (0: no detector).
   */
  narrowShift: number;
  /** Every n-th training speaker joins the s-norm cohort, clean and through one channel. */
  cohortStride: number;
  cohortTopN: number;
  /**
   * Copies of every n-th training utterance through a real GSM 06.10 line (ffmpeg's libgsm, a
   * bit-exact standard codec, so training stays reproducible); 0 for none.
   */
  gsmStride: number;
  /** Mel filter range of the front end, Hz. */
  melLowHz: number;
  melHighHz: number;
  /** False-accept rate the recommended threshold keeps in every held-out condition. */
  targetFar: number;
}

export const DEFAULT_CLASSICAL_CONFIG: ClassicalConfig = {
  components: 64,
  kmeansIterations: 8,
  emIterations: 10,
  ubmFrameStride: 4,
  ubmOnAugmented: true,
  relevance: 4,
  ldaDim: 20,
  ldaRidge: 1e-3,
  cropSec: 3,
  cropHopSec: 1.5,
  weightA: 0.5,
  augmentCopies: 1,
  augmentSec: 4,
  napRank: 10,
  svLdaDim: 150,
  svPcaDim: 300,
  svLdaRidge: 1e-3,
  svLdaWeighting: 'plda',
  narrowShift: 0.8,
  cohortStride: 2,
  cohortTopN: 400,
  targetFar: 0.01,
  gsmStride: 4,
  melLowHz: 20,
  melHighHz: 7600,
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

/**
 * The training crops of one utterance: the whole of it, then (when it is at least twice `cropSec`
 * long) fixed windows from the start.
 */
export function cropsOf(pcm: Float32Array, cropSec: number, hopSec: number): Float32Array[] {
  const out = [pcm];
  if (pcm.length < 2 * cropSec * 16000) return out;
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
 * Channels the cohort's degraded copies go through, in turn: telephone bands, 8 kHz lines, G.711,
 * a coloured wideband microphone, noise and a room, so that a probe from any of them finds
 * impostors recorded like itself among its closest cohort scores.
 */
export const COHORT_CHANNELS: readonly (readonly ChannelStep[])[] = [
  [{ kind: 'band', lowHz: 300, highHz: 3400 }],
  [{ kind: 'band', lowHz: 200, highHz: 3600 }, { kind: 'narrowband' }],
  [
    { kind: 'band', lowHz: 300, highHz: 3400 },
    { kind: 'g711', law: 'mu' },
  ],
  [
    { kind: 'eq', hz: 2500, gainDb: 6 },
    { kind: 'band', lowHz: 100, highHz: 7000 },
  ],
  [{ kind: 'noise', color: 'pink', snrDb: 10, seed: 7 }],
  [{ kind: 'reverb', rt60: 0.5, seed: 11 }],
];

interface TrainingItem {
  speaker: string;
  /** Frames of this item feed the UBM (whole clean utterances and augmented copies). */
  forUbm: boolean;
  /** Recorded through a narrow-band (telephone) channel. */
  narrow: boolean;
  u: CompactAnalysis;
}

/** An analysis whose frames are kept as float32 while training holds thousands in memory. */
type CompactAnalysis = UtteranceAnalysis & { frames32: Float32Array };

/**
 * Fits UBM, z-norm statistics, LDA and the supervector NAP on clean crops and channel-augmented
 * copies of `utterances`, deterministically for a given seed, and returns params rounded to 6
 * significant digits (the stored form, so the caller scores exactly what will be saved).
 */
export function trainClassical(
  utterances: TrainingUtterance[],
  config: ClassicalConfig,
  seed: number,
  onProgress: TrainProgress = () => undefined,
  /** Copies of training utterances through real codecs (`codecCopies`), for the UBM, LDA, NAP and cohort. */
  coded: TrainingUtterance[] = [],
): ClassicalParams {
  const prng = createPrng(seed);
  const band = { lowHz: config.melLowHz, highHz: config.melHighHz };
  const augment = createPrng(seed + 7919);
  const items: TrainingItem[] = [];
  const excerpt = (pcm: Float32Array): Float32Array => {
    const len = Math.min(pcm.length, Math.round(config.augmentSec * 16000));
    const start = augment.int(pcm.length - len + 1);
    return pcm.subarray(start, start + len);
  };
  const babble = (speaker: string) => (): Float32Array[] => {
    const out: Float32Array[] = [];
    while (out.length < 3) {
      const other = utterances[augment.int(utterances.length)]!;
      if (other.speaker !== speaker) out.push(excerpt(other.pcm));
    }
    return out;
  };
  utterances.forEach((utt, i) => {
    cropsOf(utt.pcm, config.cropSec, config.cropHopSec).forEach((pcm, k) => {
      items.push({
        speaker: utt.speaker,
        forUbm: k === 0,
        narrow: false,
        u: compact(analyseUtterance(pcm, band)),
      });
    });
    for (let c = 0; c < config.augmentCopies; c++) {
      const pcm = excerpt(utt.pcm);
      const steps = randomChannel(augment, babble(utt.speaker));
      items.push({
        speaker: utt.speaker,
        forUbm: config.ubmOnAugmented,
        narrow: isNarrowBandChannel(steps),
        u: compact(analyseUtterance(simulateChannel(pcm, steps), band)),
      });
    }
    if ((i + 1) % 100 === 0 || i + 1 === utterances.length) {
      onProgress('features', `${i + 1}/${utterances.length} utterances, ${items.length} items`);
    }
  });

  for (const utt of coded) {
    items.push({
      speaker: utt.speaker,
      forUbm: config.ubmOnAugmented,
      narrow: true,
      u: compact(analyseUtterance(utt.pcm, band)),
    });
  }
  onProgress('features', `${coded.length} codec copies`);

  const dim = 40;
  let total = 0;
  for (const c of items) if (c.forUbm) total += Math.ceil(c.u.count / config.ubmFrameStride);
  const frames = new Float64Array(total * dim);
  let row = 0;
  for (const c of items) {
    if (!c.forUbm) continue;
    for (let t = 0; t < c.u.count; t += config.ubmFrameStride) {
      for (let j = 0; j < dim; j++) frames[row * dim + j] = c.u.frames32[t * dim + j]!;
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

  // System A: z-norm over all items, then LDA with speakers as classes; the augmented copies put
  // channel variation into the within-speaker scatter, so LDA learns to ignore it.
  const n = items.length;
  const zMu = new Float64Array(dim);
  const zSd = new Float64Array(dim);
  for (const c of items) for (let j = 0; j < dim; j++) zMu[j] = zMu[j]! + c.u.stats[j]! / n;
  for (const c of items) {
    for (let j = 0; j < dim; j++) {
      const diff = c.u.stats[j]! - zMu[j]!;
      zSd[j] = zSd[j]! + (diff * diff) / n;
    }
  }
  for (let j = 0; j < dim; j++) zSd[j] = Math.sqrt(zSd[j]!) || 1;
  const zRows = items.map((c) => Float64Array.from(c.u.stats, (v, j) => (v - zMu[j]!) / zSd[j]!));
  const labels = items.map((c) => c.speaker);
  const lda = fitLda(zRows, labels, config.ldaDim, config.ldaRidge);
  onProgress('lda', `${config.ldaDim} of ${dim} dims from ${n} items`);

  const svDim = gmm.m * dim;
  const partial: ClassicalParams = {
    melBand: band,
    stats: { zMu: r(zMu), zSd: r(zSd), ldaMean: r(lda.mean), P: r(lda.P), outDim: config.ldaDim },
    ubm: {
      components: gmm.m,
      dim,
      w: r(gmm.w),
      mu: r(gmm.mu),
      va: r(gmm.va),
      relevance: config.relevance,
    },
    supervector: { mean: new Array<number>(svDim).fill(0), napRank: 0, nap: [] },
    fusion: { weightA: config.weightA, weightB: roundSig(1 - config.weightA) },
    cohort: { count: 0, dim: 0, topN: config.cohortTopN, scales: [], data: '' },
  };
  // Supervectors with the rounded UBM the model will ship: their mean, then the NAP directions.
  const compiled = compileParams(partial);
  const svs = items.map((c) => classicalParts(expand(c.u), compiled).b);
  const svMean = new Float64Array(svDim);
  for (const b of svs) for (let k = 0; k < svDim; k++) svMean[k] = svMean[k]! + b[k]! / n;
  onProgress('supervector', `mean of ${n} supervectors`);
  const nap = config.napRank > 0 ? fitNap(svs, labels, config.napRank, prng) : new Float64Array(0);
  onProgress('nap', `${config.napRank} within-speaker directions removed`);
  let withSv: ClassicalParams = {
    ...partial,
    supervector: { mean: r(svMean), napRank: config.napRank, nap: r(nap) },
  };
  if (config.svLdaDim > 0) {
    const napped = compileParams(withSv);
    const rows = svs.map((b) => {
      const x = Float64Array.from(b, (v, k) => v - napped.svMean[k]!);
      removeNuisance(x, napped.nap, napped.napRank);
      return x;
    });
    const lda = fitSupervectorLda(
      rows,
      labels,
      config.svPcaDim,
      config.svLdaDim,
      config.svLdaRidge,
      prng,
      config.svLdaWeighting,
    );
    withSv = {
      ...withSv,
      supervector: {
        ...withSv.supervector,
        lda: { outDim: lda.outDim, M: r(lda.M), bias: r(lda.bias) },
      },
    };
    onProgress(
      'supervector lda',
      `${config.svPcaDim} principal, ${config.svLdaDim} discriminant dims`,
    );
  }
  if (config.narrowShift > 0) {
    // From the MFCC statistics before the LDA: their means carry the line's spectral shape.
    const detector = fitChannelDetector(
      zRows,
      items.map((c) => c.narrow),
    );
    withSv = {
      ...withSv,
      channel: {
        w: r(detector.w),
        center: roundSig(detector.center),
        slope: roundSig(detector.slope),
        shift: config.narrowShift,
      },
    };
    const narrowCount = items.filter((c) => c.narrow).length;
    onProgress('channel', `narrow-band detector from ${narrowCount} of ${n} items`);
  }
  const final = compileParams(withSv);
  const speakers = [...new Set(utterances.map((u) => u.speaker))].sort();
  const cohort: Float32Array[] = [];
  speakers.forEach((speaker, k) => {
    if (k % config.cohortStride !== 0) return;
    const first = utterances.find((u) => u.speaker === speaker)!;
    const crop = cohortCrop(first.pcm);
    const channel = COHORT_CHANNELS[(k / config.cohortStride) % COHORT_CHANNELS.length]!;
    const viaCodec = coded.find((u) => u.speaker === speaker);
    const copies = [
      crop,
      simulateChannel(crop, channel),
      ...(viaCodec ? [cohortCrop(viaCodec.pcm)] : []),
    ];
    for (const pcm of copies) {
      cohort.push(fuseParts(classicalParts(analyseUtterance(pcm, band), final), final));
    }
  });
  onProgress('cohort', `${cohort.length} cohort embeddings`);
  return { ...withSv, cohort: quantizeCohort(cohort, config.cohortTopN) };
}

function compact(u: UtteranceAnalysis): CompactAnalysis {
  return { ...u, frames: new Float64Array(0), frames32: Float32Array.from(u.frames) };
}

function expand(u: CompactAnalysis): UtteranceAnalysis {
  return { ...u, frames: Float64Array.from(u.frames32) };
}

/**
 * The `gsmStride` codec copies: a seeded excerpt (at most `augmentSec`) of every n-th utterance
 * through a 300-3400 Hz band, an 8 kHz line and GSM 06.10 full rate, in one ffmpeg run.
 */
export async function codecCopies(
  utterances: TrainingUtterance[],
  config: ClassicalConfig,
  seed: number,
): Promise<TrainingUtterance[]> {
  if (config.gsmStride <= 0) return [];
  const prng = createPrng(seed + 104729);
  const chosen = utterances.filter((_, i) => i % config.gsmStride === 0);
  const excerpts = chosen.map((u) => {
    const len = Math.min(u.pcm.length, Math.round(config.augmentSec * 16000));
    const start = prng.int(u.pcm.length - len + 1);
    return u.pcm.subarray(start, start + len);
  });
  const out = await applyChannelChainBatch(excerpts, parseChannelChain('band:300-3400,8k,gsm'));
  return chosen.map((u, i) => ({ speaker: u.speaker, pcm: out[i]! }));
}
