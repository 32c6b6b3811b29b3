import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CorpusEntry } from './corpus.js';

/** One file of `train-extra/manifest.json` (the fields the trainer uses). */
export interface ExtraEntry extends CorpusEntry {
  corpus: string;
  sex: string;
}

/**
 * Which speakers of `train-extra` the shipped model trains on: speechocean762 except every fifth
 * speaker (sorted by id). The other fifth of speechocean762 and the small corpora (fsdd, an4,
 * ljspeech, deep-speaker-samples) are never trained on: they are the final check on unseen
 * speakers and, for the small corpora, unseen corpora too.
 */
export function isTrainingSpeaker(corpus: string, speaker: string, rank: number): boolean {
  return corpus === 'speechocean762' && rank % 5 !== 4;
}

/**
 * Lists `train-extra` (its `manifest.json`) as corpus entries, sorted by path. `which` picks the
 * training speakers, the held-out ones, or all.
 */
export async function listTrainExtra(
  dir: string,
  which: 'train' | 'held-out' | 'all',
): Promise<ExtraEntry[]> {
  const manifest = JSON.parse(await readFile(resolve(dir, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; corpus: string; speaker: string; sex: string }>;
  };
  const byCorpus = new Map<string, string[]>();
  for (const f of manifest.files) {
    const list = byCorpus.get(f.corpus) ?? [];
    if (!list.includes(f.speaker)) list.push(f.speaker);
    byCorpus.set(f.corpus, list);
  }
  const rank = new Map<string, number>();
  for (const speakers of byCorpus.values()) {
    speakers.sort().forEach((s, i) => rank.set(s, i));
  }
  return manifest.files
    .filter((f) => {
      if (which === 'all') return true;
      const train = isTrainingSpeaker(f.corpus, f.speaker, rank.get(f.speaker)!);
      return which === 'train' ? train : !train;
    })
    .map((f) => {
      // Manifest paths are relative to shared/voice, i.e. they start with `train-extra/`.
      const name = f.path.replace(/^train-extra\//, '');
      return { path: resolve(dir, name), name, speaker: f.speaker, corpus: f.corpus, sex: f.sex };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
