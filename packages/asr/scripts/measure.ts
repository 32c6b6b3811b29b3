/**
 * Phrase-check accuracy and latency on shared/voice (see docs/phrase-check.md):
 * - false rejects: each of the 30 phrase recordings (3 voices x 10 phrases), in every format,
 *   against its own prompt;
 * - false accepts: each recording against the 9 other phrases' prompts, and LibriSpeech sentences
 *   (test-other and the first 100 train-clean files, first 15 s) against the 10 phrase prompts
 *   and 100 generated prompts each;
 * - latency of `recognize` per clip and per second of audio, one decoder, sequential.
 *
 *   npm run build && npx tsc -p packages/asr/tsconfig.scripts.json
 *   node packages/asr/dist/.scripts/scripts/measure.js [--json FILE]
 *
 * Audio decoding uses @keyra/voice (WAV in process, other formats through ffmpeg), as the server
 * does. KEYRA_VOICE_DATA overrides the data directory.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { decodeAudio, toMono16k } from '@keyra/voice';
import { checkPhrase } from '../src/checkPhrase.js';
import { createPhraseRecognizer } from '../src/createPhraseRecognizer.js';
import { generatePrompt } from '../src/generatePrompt.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const packageRoot = here.includes('/dist/.scripts/')
  ? resolve(here, '../../..')
  : resolve(here, '..');
const voiceData = resolve(
  process.env['KEYRA_VOICE_DATA'] ?? resolve(packageRoot, '../../../shared/voice'),
);
const jsonOut = process.argv.includes('--json')
  ? process.argv[process.argv.indexOf('--json') + 1]
  : undefined;

interface Entry {
  path: string;
  text: string;
  voice: string;
  format: string;
  phrase_id: number;
}

const MAX_SECONDS = 15;
const loadPcm = async (path: string): Promise<Float32Array> => {
  const pcm = toMono16k(await decodeAudio(await readFile(path)));
  return pcm.length > MAX_SECONDS * 16_000 ? pcm.subarray(0, MAX_SECONDS * 16_000) : pcm;
};
const seeded = (seed: string): ((n: number) => Uint8Array) => {
  let counter = 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 32) {
      const block = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.set(block.subarray(0, Math.min(32, n - i)), i);
    }
    return out;
  };
};
const pct = (k: number, n: number): string => `${k}/${n} (${((100 * k) / n).toFixed(1)} %)`;
const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

const initStart = performance.now();
const recognizer = await createPhraseRecognizer({ decoders: 1 });
const initMs = performance.now() - initStart;

const entries = JSON.parse(
  await readFile(resolve(voiceData, 'phrases/phrases.json'), 'utf8'),
) as Entry[];
const prompts = [...new Map(entries.map((e) => [e.phrase_id, e.text])).values()];

interface Trial {
  entry: Entry;
  heard: string[];
  heardAny: string[];
  decodeMs: number;
  audioSeconds: number;
}
const trials: Trial[] = [];
for (const entry of entries) {
  const pcm = await loadPcm(resolve(voiceData, 'phrases', entry.path));
  const result = await recognizer.recognize(pcm, { length: 4 });
  const any = await recognizer.recognize(pcm);
  trials.push({
    entry,
    heard: result.heard,
    heardAny: any.heard,
    decodeMs: result.decodeMs,
    audioSeconds: result.audioSeconds,
  });
}

const lines: string[] = [];
const say = (line = ''): void => {
  lines.push(line);
  console.log(line);
};
say(`decoder init: ${initMs.toFixed(0)} ms`);
say();
say('## Right phrase (false rejects), grammar of 4 tokens, rule 3 of 4');
const voices = [...new Set(entries.map((e) => e.voice))];
const formats = [...new Set(entries.map((e) => e.format))];
say(`| voice | ${formats.join(' | ')} | all |`);
say(`|---|${formats.map(() => '---').join('|')}|---|`);
const accepted = (t: Trial, heard = t.heard): boolean => checkPhrase(t.entry.text, heard).passed;
for (const voice of [...voices, 'all']) {
  const row = [...formats, 'all'].map((format) => {
    const set = trials.filter(
      (t) =>
        (voice === 'all' || t.entry.voice === voice) &&
        (format === 'all' || t.entry.format === format),
    );
    return `${set.filter((t) => accepted(t)).length}/${set.length}`;
  });
  say(`| ${voice} | ${row.join(' | ')} |`);
}
const rejected = trials.filter((t) => !accepted(t));
for (const t of rejected)
  say(`- rejected ${t.entry.path} "${t.entry.text}": heard "${t.heard.join(' ')}"`);
const anyOk = trials.filter((t) => accepted(t, t.heardAny)).length;
say(
  `- without the prompt length (grammar of 4 to 6 tokens): ${pct(anyOk, trials.length)} accepted`,
);

say();
say('## Matched tokens, right vs wrong prompt (all formats)');
const histogram = (pairs: Array<[string, string[]]>): number[] => {
  const counts = [0, 0, 0, 0, 0];
  for (const [prompt, heard] of pairs) counts[checkPhrase(prompt, heard).matched]!++;
  return counts;
};
const right = histogram(trials.map((t) => [t.entry.text, t.heard]));
const wrongPairs: Array<[string, string[]]> = trials.flatMap((t) =>
  prompts.filter((p) => p !== t.entry.text).map((p): [string, string[]] => [p, t.heard]),
);
const wrong = histogram(wrongPairs);
say('| matched | 0 | 1 | 2 | 3 | 4 |');
say('|---|---|---|---|---|---|');
say(`| right prompt | ${right.join(' | ')} |`);
say(`| wrong prompt | ${wrong.join(' | ')} |`);
for (const k of [2, 3, 4]) {
  const fr = right.slice(0, k).reduce((a, b) => a + b, 0);
  const fa = wrong.slice(k).reduce((a, b) => a + b, 0);
  say(
    `- rule ${k} of 4: false reject ${pct(fr, trials.length)}, false accept ${pct(fa, wrongPairs.length)}`,
  );
}

say();
say('## LibriSpeech sentences (false accepts)');
const files: string[] = [];
const testOther = resolve(voiceData, 'librispeech_test-other');
for (const speaker of (await readdir(testOther)).filter((d) => /^\d+$/.test(d)).sort()) {
  for (const f of (await readdir(resolve(testOther, speaker))).sort()) {
    if (f.endsWith('.flac')) files.push(resolve(testOther, speaker, f));
  }
}
const trainClean = resolve(voiceData, 'librispeech_train-clean-100');
files.push(
  ...(await readdir(trainClean))
    .filter((f) => f.endsWith('.flac'))
    .sort()
    .slice(0, 100)
    .map((f) => resolve(trainClean, f)),
);
const random = seeded('measure-librispeech');
const generated = Array.from({ length: 100 }, () => generatePrompt({ random }).text);
let faPhrase = 0;
let faGenerated = 0;
let faGeneratedExact = 0;
const libriMs: number[] = [];
const libriSeconds: number[] = [];
const libriHeard = new Map<string, number>();
for (const file of files) {
  const pcm = await loadPcm(file);
  const result = await recognizer.recognize(pcm, { length: 4 });
  libriMs.push(result.decodeMs);
  libriSeconds.push(result.audioSeconds);
  libriHeard.set(result.text, (libriHeard.get(result.text) ?? 0) + 1);
  for (const p of prompts) if (checkPhrase(p, result.heard).passed) faPhrase++;
  for (const p of generated) {
    if (checkPhrase(p, result.heard).matched === 4) faGeneratedExact++;
    if (checkPhrase(p, result.heard).passed) {
      faGenerated++;
      say(`- accepted ${basename(file)} for "${p}": heard "${result.text}"`);
    }
  }
}
say(
  `- ${files.length} sentences (${libriSeconds.reduce((a, b) => a + b, 0).toFixed(0)} s of audio)`,
);
say(`- against the 10 phrase prompts: ${pct(faPhrase, files.length * prompts.length)} accepted`);
say(
  `- against 100 generated prompts: ${pct(faGenerated, files.length * generated.length)} accepted`,
);
say(
  `- against 100 generated prompts, rule 4 of 4: ${pct(faGeneratedExact, files.length * generated.length)} accepted`,
);
say(`- sentences heard as no phrase at all: ${libriHeard.get('') ?? 0}`);

say();
say('## Latency of recognize (one decoder, sequential, audio already decoded)');
const phraseMs = trials.map((t) => t.decodeMs);
const phraseSec = trials.map((t) => t.audioSeconds);
const perSecond = (ms: number[], sec: number[]): number =>
  ms.reduce((a, b) => a + b, 0) / sec.reduce((a, b) => a + b, 0);
say(
  `- phrase clips (${trials.length}, mean ${(phraseSec.reduce((a, b) => a + b, 0) / trials.length).toFixed(2)} s): ` +
    `median ${quantile(phraseMs, 0.5).toFixed(0)} ms, p95 ${quantile(phraseMs, 0.95).toFixed(0)} ms, ` +
    `max ${Math.max(...phraseMs).toFixed(0)} ms; ${perSecond(phraseMs, phraseSec).toFixed(1)} ms per second of audio`,
);
say(
  `- LibriSpeech (${files.length}, up to 15 s): median ${quantile(libriMs, 0.5).toFixed(0)} ms, ` +
    `p95 ${quantile(libriMs, 0.95).toFixed(0)} ms, max ${Math.max(...libriMs).toFixed(0)} ms; ` +
    `${perSecond(libriMs, libriSeconds).toFixed(1)} ms per second of audio`,
);
await recognizer.close();

if (jsonOut) {
  await writeFile(
    jsonOut,
    JSON.stringify(
      {
        initMs,
        trials: trials.map((t) => ({
          path: t.entry.path,
          text: t.entry.text,
          heard: t.heard,
          decodeMs: t.decodeMs,
        })),
        summary: lines,
      },
      null,
      2,
    ),
  );
}
