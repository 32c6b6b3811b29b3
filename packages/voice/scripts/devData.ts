import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
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
