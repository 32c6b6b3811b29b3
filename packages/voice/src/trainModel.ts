import { createHash } from 'node:crypto';
import { computeEer, thresholdAtFar } from './evaluateEer.js';
import { FRONT_END_SPEC } from './features/frontEnd.js';
import { listCorpus, loadCorpus, readSpeakerSex } from './internal/corpus.js';
import type { CorpusEntry } from './internal/corpus.js';
import { listTrainExtra } from './internal/trainExtra.js';
import { evaluationCrops, scoreConditions } from './internal/channelTrials.js';
import type { TrialChannel, TrialCondition, TrialItem } from './internal/channelTrials.js';
import { simulateChannel } from './channel/simulateChannel.js';
import { applyChannelChainBatch, parseChannelChain } from './channel/applyChannelChain.js';
import type { ChannelStep } from './channel/simulateChannel.js';
import { scoreEmbeddings } from './scoreEmbeddings.js';
import type { ClassicalParams } from './model/classicalParams.js';
import { ClassicalSpeakerModel } from './model/classicalSpeakerModel.js';
import type { ModelFile } from './model/modelFile.js';
import {
  codecCopies,
  DEFAULT_CLASSICAL_CONFIG,
  roundSig,
  trainClassical,
} from './model/trainClassical.js';
import type { ClassicalConfig, TrainProgress, TrainingUtterance } from './model/trainClassical.js';

/** Options for `trainModel`. */
export interface TrainModelOptions {
  /** A LibriSpeech-style folder (e.g. `librispeech_train-clean-100`); speaker = file name up to '-'. */
  dataDir: string;
  /**
   * A `train-extra` folder (with `manifest.json`): its training speakers (speechocean762 except
   * every fifth speaker, see `isTrainingSpeaker`) are added to `dataDir`'s. Omit to train on
   * `dataDir` alone.
   */
  extraDir?: string;
  /** PRNG seed of the k-means initialisation and the augmentation (default 1, the committed model's). */
  seed?: number;
  onProgress?: TrainProgress;
  /** Overrides of the hyper-parameters (the defaults are the committed model's). */
  config?: Partial<ClassicalConfig>;
  /** Train on the first N speakers only (tests). */
  maxSpeakers?: number;
  /**
   * Also fit on 4/5 of the speakers and score 3 s crops of the other 1/5, clean and through
   * simulated channels, to set the thresholds (default true). Without it the thresholds are
   * marked as unmeasured.
   */
  heldOut?: boolean;
}

/** A trained model, as an object and as the exact file text to commit. */
export interface TrainedModel {
  file: ModelFile;
  json: string;
}

const ATTRIBUTION =
  'LibriSpeech train-clean-100, Panayotov et al., CC BY 4.0; speechocean762, Zhang et al., Interspeech 2021, CC BY 4.0 (OpenSLR SLR101)';

const TELEPHONE: ChannelStep[] = [
  { kind: 'band', lowHz: 300, highHz: 3400 },
  { kind: 'g711', law: 'mu' },
];
const EIGHT_KHZ: ChannelStep[] = [
  { kind: 'band', lowHz: 200, highHz: 3600 },
  { kind: 'narrowband' },
];
const NOISY: ChannelStep[] = [{ kind: 'noise', color: 'pink', snrDb: 10, seed: 3 }];

const channel = (name: string, steps: ChannelStep[]): TrialChannel => ({
  name,
  apply: (pcm) => simulateChannel(pcm, steps),
});

/**
 * The held-out conditions the thresholds must hold on (simulated in process, so training stays
 * deterministic): matched clean, verification through a telephone band, an 8 kHz line or noise,
 * and both sides through the same narrow band. `thresholdConditions` adds GSM lines.
 */
export const THRESHOLD_CONDITIONS: readonly TrialCondition[] = [
  { name: 'clean', enroll: null, probe: null },
  { name: 'probe telephone (300-3400 Hz, G.711)', enroll: null, probe: channel('tel', TELEPHONE) },
  { name: 'probe 8 kHz', enroll: null, probe: channel('8k', EIGHT_KHZ) },
  { name: 'probe pink noise 10 dB', enroll: null, probe: channel('noise', NOISY) },
  { name: 'both telephone', enroll: channel('tel', TELEPHONE), probe: channel('tel', TELEPHONE) },
  { name: 'both 8 kHz', enroll: channel('8k', EIGHT_KHZ), probe: channel('8k', EIGHT_KHZ) },
];

/**
 * `THRESHOLD_CONDITIONS` plus verification through a GSM 06.10 line and both sides through it
 * (the codec runs once over all `items` through ffmpeg's integer-only, reproducible path).
 */
export async function thresholdConditions(
  items: ReadonlyArray<{ pcm: Float32Array }>,
): Promise<TrialCondition[]> {
  const coded = await applyChannelChainBatch(
    items.map((i) => i.pcm),
    parseChannelChain('band:300-3400,8k,gsm'),
  );
  const byPcm = new Map(items.map((item, i) => [item.pcm, coded[i]!]));
  const gsm: TrialChannel = { name: 'gsm', apply: (pcm) => byPcm.get(pcm)! };
  return [
    ...THRESHOLD_CONDITIONS,
    { name: 'probe GSM line', enroll: null, probe: gsm },
    { name: 'both GSM line', enroll: gsm, probe: gsm },
  ];
}

/**
 * Trains the classical back end, deterministically: the same files, seed and config give a
 * byte-identical `json`. Fits the UBM (k-means + EM), the z-norm statistics, LDA, the mean
 * supervector and the NAP on crops and channel-augmented copies of every utterance; with
 * `heldOut` it first repeats the fit without every fifth speaker and sets the thresholds from
 * 3 s trials of those held-out speakers in every `THRESHOLD_CONDITIONS` condition (the
 * recommended threshold is the highest of the per-condition thresholds at `targetFar` false
 * accepts, GSM lines included: `thresholdConditions`), never from evaluation data.
 */
export async function trainModel(options: TrainModelOptions): Promise<TrainedModel> {
  const onProgress = options.onProgress ?? (() => undefined);
  const seed = options.seed ?? 1;
  const config: ClassicalConfig = { ...DEFAULT_CLASSICAL_CONFIG, ...options.config };
  let entries: CorpusEntry[] = await listCorpus(options.dataDir);
  const sexOf = await readSpeakerSex(options.dataDir);
  if (options.extraDir) {
    const extra = await listTrainExtra(options.extraDir, 'train');
    for (const e of extra) if (e.sex === 'F' || e.sex === 'M') sexOf.set(e.speaker, e.sex);
    entries = [...entries, ...extra];
  }
  const speakers = [...new Set(entries.map((e) => e.speaker))].sort();
  const chosen = new Set(speakers.slice(0, options.maxSpeakers ?? speakers.length));
  entries = entries.filter((e) => chosen.has(e.speaker));
  if (entries.length === 0) throw new Error(`no audio files under ${options.dataDir}`);
  const pcms = await loadCorpus(entries, (done, total) => {
    if (done % 200 === 0 || done === total) onProgress('decode', `${done}/${total} files`);
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
        trainClassical(fit, config, seed, onProgress, await codecCopies(fit, config, seed)),
        config,
        seed,
        fit,
        thresholds,
        heldOut,
      ),
    );
    const items: TrialItem[] = test.flatMap((u, f) =>
      evaluationCrops(u.pcm).map((pcm, k) => ({
        speaker: u.speaker,
        sex: sexOf.get(u.speaker) ?? '?',
        group: `${f}/${k}`,
        pcm,
      })),
    );
    const conditions = await thresholdConditions(items);
    const scored = await scoreConditions(model, items, conditions);
    const perCondition = scored.map((sc) => ({
      name: sc.name,
      eer: computeEer(sc.target, sc.nontarget),
      // Same-sex impostors score higher than impostors at large: the threshold must hold for them.
      atFar: Math.max(
        thresholdAtFar(sc.nontarget, config.targetFar),
        sc.sameSex.length > 0 ? thresholdAtFar(sc.sameSex, config.targetFar) : -Infinity,
      ),
      sc,
    }));
    const clean = perCondition[0]!;
    const recommended = Math.max(...perCondition.map((c) => c.atFar));
    const rawItems = items.map((it) => model.embedSync(it.pcm));
    const raw: number[][] = [[], []];
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        raw[items[i]!.speaker === items[j]!.speaker ? 0 : 1]!.push(
          scoreEmbeddings(rawItems[i]!, rawItems[j]!),
        );
      }
    }
    const rawEer = computeEer(raw[0]!, raw[1]!);
    thresholds = {
      eer: roundSig(clean.eer.threshold, 4),
      recommended: roundSig(recommended, 4),
      rawEer: roundSig(rawEer.threshold, 4),
      rawRecommended: roundSig(thresholdAtFar(raw[1]!, config.targetFar), 4),
      basis:
        `3 s crops of ${held.size} held-out training speakers (every 5th), model fit on the other ` +
        `${chosen.size - held.size}: the clean EER point, and for the recommended value the highest ` +
        `threshold with at most ${100 * config.targetFar} % false accepts, among all impostors and among ` +
        `same-sex impostors, in any of: ` +
        conditions.map((c) => c.name).join('; '),
    };
    heldOut = { speakers: held.size, crops: items.length };
    for (const c of perCondition) {
      const frr = c.sc.target.filter((x) => x < recommended).length / c.sc.target.length;
      const far = c.sc.nontarget.filter((x) => x >= recommended).length / c.sc.nontarget.length;
      const sameSex =
        c.sc.sameSex.filter((x) => x >= recommended).length / Math.max(c.sc.sameSex.length, 1);
      heldOut[c.name] =
        `EER ${(100 * c.eer.eer).toFixed(2)} %, at ${roundSig(recommended, 4)}: FAR ${(100 * far).toFixed(2)} % ` +
        `(same-sex ${(100 * sameSex).toFixed(2)} %), ` +
        `FRR ${(100 * frr).toFixed(2)} % (${c.sc.target.length} / ${c.sc.nontarget.length} trials)`;
      onProgress('held-out', `${c.name}: ${String(heldOut[c.name])}`);
    }
  }
  onProgress('final', `fitting on all ${utterances.length} utterances`);
  const params = trainClassical(
    utterances,
    config,
    seed,
    onProgress,
    await codecCopies(utterances, config, seed),
  );
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
      data: 'shared/voice: librispeech_train-clean-100 (251 speakers x 1 utterance) and the training speakers of train-extra (speechocean762 except every 5th speaker)',
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
