import { readdir, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { decodeAudio } from '../audio/decodeAudio.js';
import { toMono16k } from '../audio/toMono16k.js';
import { decodeFlac } from './decodeFlac.js';

/** One audio file of a LibriSpeech-style folder; the speaker is the file name up to its first '-'. */
export interface CorpusEntry {
  path: string;
  /** Path relative to the corpus root with '/' separators (stable across machines). */
  name: string;
  speaker: string;
}

const AUDIO = /\.(flac|wav|mp3|m4a|webm|ogg)$/i;

/** Lists the audio files under `dir` (recursively), sorted by relative path. */
export async function listCorpus(dir: string): Promise<CorpusEntry[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: CorpusEntry[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !AUDIO.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const name = relative(dir, path).split(sep).join('/');
    out.push({ path, name, speaker: entry.name.split('-')[0]! });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Speaker sex from a LibriSpeech `SPEAKERS.TXT` in `dir` (`ID | SEX | ...` lines, `;` comments);
 * empty when the folder has none.
 */
export async function readSpeakerSex(dir: string): Promise<Map<string, string>> {
  const file = join(dir, 'SPEAKERS.TXT');
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (line.startsWith(';')) continue;
    const [id, sex] = line.split('|').map((f) => f.trim());
    if (id && (sex === 'F' || sex === 'M')) out.set(id, sex);
  }
  return out;
}

/**
 * Decodes corpus files to 16 kHz mono, keeping input order: FLAC in process, anything else with
 * two ffmpeg processes at a time.
 */
export async function loadCorpus(
  entries: CorpusEntry[],
  onLoaded?: (done: number, total: number) => void,
  concurrency = 2,
): Promise<Float32Array[]> {
  const out = new Array<Float32Array>(entries.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const bytes = await readFile(entries[i]!.path);
      const flac = /\.flac$/i.test(entries[i]!.path);
      out[i] = toMono16k(flac ? decodeFlac(bytes) : await decodeAudio(bytes));
      onLoaded?.(++done, entries.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
  return out;
}
