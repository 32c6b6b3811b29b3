import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeAudio } from './audio/decodeAudio.js';
import { toMono16k } from './audio/toMono16k.js';
import { applyChannelChainBatch, parseChannelChain } from './channel/applyChannelChain.js';
import { computeEer } from './evaluateEer.js';
import { scoreConditions, summarizeCondition } from './internal/channelTrials.js';
import type { TrialChannel, TrialItem } from './internal/channelTrials.js';
import type { SpeakerModel } from './speakerModel.js';

/** Options for {@link evaluateFolder}. */
export interface EvaluateFolderOptions {
  /** A folder laid out `SPEAKER/FILE` (any audio `decodeAudio` reads). */
  dataDir: string;
  model: SpeakerModel & { embedSync(pcm: Float32Array): Float32Array };
  /** Channel chain applied to the verifying side of every trial (`parseChannelChain`). */
  channel?: string;
  /** Channel chain applied to the enrolling side. */
  enrollChannel?: string;
  ffmpegPath?: string;
}

/** EER and error rates at the model's recommended threshold; rates are fractions in [0, 1]. */
export interface FolderEvaluation {
  speakers: number;
  files: number;
  channel: string | null;
  enrollChannel: string | null;
  targetTrials: number;
  nontargetTrials: number;
  eer: number;
  eerThreshold: number;
  threshold: number;
  falseAcceptRate: number;
  falseRejectRate: number;
  modelVersion: string;
}

const AUDIO = /\.(flac|wav|mp3|m4a|webm|ogg|opus)$/i;

/**
 * Measures a speaker model on your own speakers and channel: every file of `dataDir/SPEAKER/` is
 * decoded as the API decodes it, every unordered pair of files is a trial (the first enrols,
 * the second verifies), scored with the normalised score the verify route uses and compared
 * with the model's recommended threshold.
 */
export async function evaluateFolder(options: EvaluateFolderOptions): Promise<FolderEvaluation> {
  const { model } = options;
  if (!model.thresholds) throw new RangeError('this model has no measured thresholds');
  const speakers = (await readdir(options.dataDir, { withFileTypes: true }))
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const items: TrialItem[] = [];
  for (const speaker of speakers) {
    const files = (await readdir(join(options.dataDir, speaker)))
      .filter((f) => AUDIO.test(f))
      .sort();
    for (const file of files) {
      const decoded = await decodeAudio(await readFile(join(options.dataDir, speaker, file)), {
        ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
      });
      items.push({ speaker, sex: '?', group: `${speaker}/${file}`, pcm: toMono16k(decoded) });
    }
  }
  if (new Set(items.map((i) => i.speaker)).size < 2) {
    throw new RangeError(`${options.dataDir} needs at least two SPEAKER folders with audio files`);
  }
  const channel = async (spec: string | undefined): Promise<TrialChannel | null> => {
    if (!spec) return null;
    const out = await applyChannelChainBatch(
      items.map((i) => i.pcm),
      parseChannelChain(spec),
      options.ffmpegPath,
    );
    const byPcm = new Map(items.map((item, i) => [item.pcm, out[i]!]));
    return { name: spec, apply: (pcm) => byPcm.get(pcm)! };
  };
  const [scores] = await scoreConditions(model, items, [
    {
      name: 'folder',
      enroll: await channel(options.enrollChannel),
      probe: await channel(options.channel),
    },
  ]);
  const threshold = model.cohortStats(model.embedSync(items[0]!.pcm))
    ? model.thresholds.recommended
    : model.thresholds.rawRecommended;
  const summary = summarizeCondition(scores!, threshold);
  const eer = computeEer(scores!.target, scores!.nontarget);
  return {
    speakers: new Set(items.map((i) => i.speaker)).size,
    files: items.length,
    channel: options.channel ?? null,
    enrollChannel: options.enrollChannel ?? null,
    targetTrials: summary.targets,
    nontargetTrials: summary.nontargets,
    eer: eer.eer,
    eerThreshold: eer.threshold,
    threshold,
    falseAcceptRate: summary.far,
    falseRejectRate: summary.frr,
    modelVersion: model.paramsVersion,
  };
}
