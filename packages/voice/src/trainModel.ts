import { createHash } from 'node:crypto';
import { computeEer, thresholdAtFar } from './evaluateEer.js';
import { FRONT_END_SPEC } from './features/frontEnd.js';
import { listCorpus, loadCorpus } from './internal/corpus.js';
import { scoreEmbeddings } from './scoreEmbeddings.js';
import type { ClassicalParams } from './model/ClassicalParams.js';
import { ClassicalSpeakerModel } from './model/ClassicalSpeakerModel.js';
import type { ModelFile } from './model/ModelFile.js';
import type { CohortStats } from './SpeakerModel.js';
import { DEFAULT_CLASSICAL_CONFIG, roundSig, trainClassical } from './model/trainClassical.js';
import type { ClassicalConfig, TrainProgress, TrainingUtterance } from './model/trainClassical.js';

/** Options for `trainModel`. */
export interface TrainModelOptions {
  /** A LibriSpeech-style folder (e.g. `librispeech_train-clean-100`); speaker = file name up to '-'. */
  dataDir: string;
  /** PRNG seed of the k-means initialisation (default 1, the committed model's). */
  seed?: number;
  onProgress?: TrainProgress;
  /** Overrides of the hyper-parameters (the defaults are the committed model's). */
  config?: Partial<ClassicalConfig>;
  /** Train on the first N speakers only (tests). */
  maxSpeakers?: number;
  /**
   * Also fit on 4/5 of the speakers and score 3 s crops of the other 1/5 to set the thresholds
   * (default true). Without it the thresholds are copied from nothing and marked as unmeasured.
   */
  heldOut?: boolean;
}

/** A trained model, as an object and as the exact file text to commit. */
export interface TrainedModel {
  file: ModelFile;
  json: string;
}

const ATTRIBUTION = 'LibriSpeech train-clean-100, Panayotov et al., CC BY 4.0';
const CROP = 48_000;
const CROP_START = 8_000;

/**
 * Trains the classical back end on a folder of speech, deterministically: the same files, seed
 * and config give a byte-identical `json`. Fits the UBM (k-means + EM), the z-norm statistics,
 * LDA and the mean supervector on crops of every utterance; with `heldOut` it first repeats the
 * fit without every fifth speaker and sets the thresholds from 3 s vs 3 s trials of those
 * held-out speakers, never from evaluation data.
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainedModel> {
  const onProgress = options.onProgress ?? (() => undefined);
  const seed = options.seed ?? 1;
  const config: ClassicalConfig = { ...DEFAULT_CLASSICAL_CONFIG, ...options.config };
  let entries = await listCorpus(options.dataDir);
  const speakers = [...new Set(entries.map((e) => e.speaker))].sort();
  const chosen = new Set(speakers.slice(0, options.maxSpeakers ?? speakers.length));
  entries = entries.filter((e) => chosen.has(e.speaker));
  if (entries.length === 0) throw new Error(`no audio files under ${options.dataDir}`);
  const pcms = await loadCorpus(entries, (done, total) => {
    if (done % 50 === 0 || done === total) onProgress('decode', `${done}/${total} files`);
  });
  const utterances: TrainingUtterance[] = entries.map((e, i) => ({
    speaker: e.speaker,
    pcm: pcms[i]!,
  }));

  let thresholds: ModelFile['thresholds'] = {
    eer: 0,
    recommended: 0,
    rawEer: 0,
    rawRecommended: 0,
    basis: 'not measured (heldOut: false)',
  };
  let heldOut: ModelFile['heldOut'] = {};
  if (options.heldOut ?? true) {
    const held = new Set([...chosen].sort().filter((_, i) => i % 5 === 0));
    const fit = utterances.filter((u) => !held.has(u.speaker));
    const test = utterances.filter((u) => held.has(u.speaker));
    onProgress('held-out', `fitting on ${fit.length} utterances, scoring ${test.length}`);
    const model = new ClassicalSpeakerModel(
      buildFile(
        trainClassical(fit, config, seed, onProgress),
        config,
        seed,
        fit,
        thresholds,
        heldOut,
      ),
    );
    const items = test.flatMap((u) => {
      const out: Array<{ speaker: string; e: Float32Array; norm: CohortStats }> = [];
      for (let start = CROP_START; start + CROP <= u.pcm.length; start += CROP) {
        const e = model.embedSync(u.pcm.subarray(start, start + CROP));
        out.push({ speaker: u.speaker, e, norm: model.cohortStats(e)! });
      }
      return out;
    });
    const raw: number[][] = [[], []];
    const normed: number[][] = [[], []];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const x = items[i]!;
        const y = items[j]!;
        const k = x.speaker === y.speaker ? 0 : 1;
        raw[k]!.push(scoreEmbeddings(x.e, y.e));
        normed[k]!.push(scoreEmbeddings(x.e, y.e, { a: x.norm, b: y.norm }));
      }
    }
    const point = ([target, nontarget]: number[][]): {
      eer: number;
      at: number;
      rec: number;
      frr: number;
    } => {
      const eer = computeEer(target!, nontarget!);
      const rec = thresholdAtFar(nontarget!, 0.01);
      return {
        eer: eer.eer,
        at: eer.threshold,
        rec,
        frr: target!.filter((s) => s < rec).length / target!.length,
      };
    };
    const n = point(normed);
    const c = point(raw);
    thresholds = {
      eer: roundSig(n.at, 4),
      recommended: roundSig(n.rec, 4),
      rawEer: roundSig(c.at, 4),
      rawRecommended: roundSig(c.rec, 4),
      basis:
        `3 s vs 3 s crops of ${test.length} held-out train-clean speakers (every 5th), model fit on the other ` +
        `${fit.length}: the EER point, and ~1 % false accepts for the recommended value`,
    };
    heldOut = {
      speakers: held.size,
      crops: items.length,
      targetTrials: raw[0]!.length,
      nontargetTrials: raw[1]!.length,
      eer3s: roundSig(n.eer, 4),
      frrAtRecommended: roundSig(n.frr, 4),
      rawEer3s: roundSig(c.eer, 4),
      rawFrrAtRecommended: roundSig(c.frr, 4),
    };
    onProgress(
      'held-out',
      `EER ${(100 * n.eer).toFixed(2)} % (raw ${(100 * c.eer).toFixed(2)} %); FRR at FAR 1 %: ${(100 * n.frr).toFixed(2)} %`,
    );
  }
  onProgress('final', `fitting on all ${utterances.length} utterances`);
  const params = trainClassical(utterances, config, seed, onProgress);
  const file = buildFile(params, config, seed, utterances, thresholds, heldOut);
  return { file, json: serializeModel(file) };
}

function buildFile(
  params: ClassicalParams,
  config: ClassicalConfig,
  seed: number,
  utterances: TrainingUtterance[],
  thresholds: ModelFile['thresholds'],
  heldOut: ModelFile['heldOut'],
): ModelFile {
  const paramsSha256 = createHash('sha256').update(JSON.stringify(params)).digest('hex');
  return {
    format: 'keyra-voice-model',
    version: 'v1',
    kind: 'classical-mfcc-gmm',
    paramsVersion: `classical-mfcc-gmm-v1-${paramsSha256.slice(0, 12)}`,
    featureSpec: { ...FRONT_END_SPEC },
    config,
    training: {
      data: 'librispeech_train-clean-100 (one utterance per speaker, as in shared/voice)',
      attribution: ATTRIBUTION,
      files: utterances.length,
      speakers: new Set(utterances.map((u) => u.speaker)).size,
      seed,
    },
    thresholds,
    heldOut,
    paramsSha256,
    params,
  };
}

/** The file text: one line per header field and per parameter block, so diffs stay readable. */
export function serializeModel(file: ModelFile): string {
  const lines = Object.entries(file)
    .filter(([key]) => key !== 'params')
    .map(([key, value]) => `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
  const params = Object.entries(file.params).map(
    ([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
  );
  return `{\n${lines.join(',\n')},\n  "params": {\n${params.join(',\n')}\n  }\n}\n`;
}
