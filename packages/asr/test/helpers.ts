import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAudio, toMono16k } from '@keyra/voice';

/** shared/voice: `$KEYRA_VOICE_DATA`, else `../shared/voice` relative to the repository root. */
export const VOICE_DATA: string = resolve(
  process.env['KEYRA_VOICE_DATA'] ??
    fileURLToPath(new URL('../../../../shared/voice', import.meta.url)),
);

/** One entry of `phrases/phrases.json` (see fixtures/README.md). */
export interface PhraseRecording {
  path: string;
  text: string;
  voice: string;
  format: string;
  phrase_id: number;
}

export async function listPhrases(): Promise<PhraseRecording[]> {
  const json = await readFile(resolve(VOICE_DATA, 'phrases/phrases.json'), 'utf8');
  return JSON.parse(json) as PhraseRecording[];
}

/** 16 kHz mono float PCM of a file under shared/voice (WAV in process, the rest via ffmpeg). */
export async function loadPcm(relativePath: string): Promise<Float32Array> {
  const bytes = await readFile(resolve(VOICE_DATA, relativePath));
  return toMono16k(await decodeAudio(bytes));
}

/** A deterministic stand-in for crypto.randomBytes: SHA-256 of seed and a counter. */
export function seededRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - i)), i);
    }
    return out;
  };
}
