import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { applyChannelChainBatch, parseChannelChain } from '../src/channel/applyChannelChain.js';
import type { TrialChannel } from '../src/internal/channelTrials.js';
import { listCorpus, loadCorpus } from '../src/internal/corpus.js';
import type { CorpusEntry } from '../src/internal/corpus.js';
import { listTrainExtra } from '../src/internal/trainExtra.js';
import type { TrainingUtterance } from '../src/model/trainClassical.js';
import { VOICE_DATA } from './paths.js';

/** A decoded corpus file with the labels evaluation needs. */
export interface LabelledUtterance extends TrainingUtterance {
  corpus: string;
  sex: string;
  name: string;
}

/** Sex of the LibriSpeech speakers, from shared/voice/manifest.json. */
async function librispeechSex(): Promise<Map<string, string>> {
  const manifest = JSON.parse(await readFile(resolve(VOICE_DATA, 'manifest.json'), 'utf8')) as {
    files: Array<{ speaker: string; sex: string }>;
  };
  return new Map(manifest.files.map((f) => [f.speaker, f.sex]));
}

/** Decodes and labels a set of corpus entries. */
async function load(
  entries: Array<CorpusEntry & { corpus?: string; sex?: string }>,
  corpus: string,
): Promise<LabelledUtterance[]> {
  const sex = await librispeechSex();
  const pcms = await loadCorpus(entries);
  return entries.map((e, i) => ({
    speaker: e.speaker,
    pcm: pcms[i]!,
    corpus: e.corpus ?? corpus,
    sex: e.sex ?? sex.get(e.speaker) ?? '?',
    name: e.name,
  }));
}

/** The shipped model's training data: train-clean-100 plus train-extra's training speakers. */
export async function loadTrainingData(): Promise<LabelledUtterance[]> {
  return [
    ...(await load(
      await listCorpus(resolve(VOICE_DATA, 'librispeech_train-clean-100')),
      'librispeech',
    )),
    ...(await load(await listTrainExtra(resolve(VOICE_DATA, 'train-extra'), 'train'), '')),
  ];
}

/**
 * The final check, never trained on: LibriSpeech test-other and train-extra's held-out speakers
 * (every fifth speechocean762 speaker, fsdd, an4, ljspeech, deep-speaker-samples).
 */
export async function loadFinalCheckData(): Promise<LabelledUtterance[]> {
  return [
    ...(await load(
      await listCorpus(resolve(VOICE_DATA, 'librispeech_test-other')),
      'librispeech-test-other',
    )),
    ...(await load(await listTrainExtra(resolve(VOICE_DATA, 'train-extra'), 'held-out'), '')),
  ];
}

/**
 * A channel chain (`parseChannelChain`) applied to every item with one ffmpeg run per codec,
 * kept in `$KEYRA_TUNE_CACHE` (when set) so the next run of a script skips the codecs.
 */
export async function cachedChannel(
  spec: string,
  items: ReadonlyArray<{ pcm: Float32Array }>,
): Promise<TrialChannel> {
  const cacheDir = process.env['KEYRA_TUNE_CACHE'];
  const total = items.reduce((n, i) => n + i.pcm.length, 0);
  const cacheFile =
    cacheDir &&
    resolve(cacheDir, `${spec.replace(/[^a-z0-9]+/gi, '_')}-${items.length}-${total}.f32`);
  let out: Float32Array[];
  if (cacheFile && existsSync(cacheFile)) {
    const all = new Float32Array((await readFile(cacheFile)).buffer.slice(0));
    let at = 0;
    out = items.map((i) => all.slice(at, (at += i.pcm.length)));
  } else {
    out = await applyChannelChainBatch(
      items.map((i) => i.pcm),
      parseChannelChain(spec),
    );
    if (cacheFile) {
      const all = new Float32Array(total);
      let at = 0;
      for (const o of out) {
        all.set(o, at);
        at += o.length;
      }
      await writeFile(cacheFile, all);
    }
  }
  const byPcm = new Map(items.map((item, i) => [item.pcm, out[i]!]));
  return { name: spec, apply: (pcm) => byPcm.get(pcm)! };
}
