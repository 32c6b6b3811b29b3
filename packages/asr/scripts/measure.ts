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
 * does. KEYRA_VOICE_DATA overrides the data directory. `measurePhraseCheck()` is the same
 * measurement as a function (scripts/bench-voice.mjs imports it from the compiled file).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { decodeAudio, toMono16k } from '@keyra/voice';
import { checkPhrase } from '../src/checkPhrase.js';
import { createPhraseRecognizer } from '../src/createPhraseRecognizer.js';
import { generatePrompt } from '../src/generatePrompt.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const packageRoot = here.includes('/dist/.scripts/')
  ? resolve(here, '../../..')
  : resolve(here, '..');
const defaultVoiceData = resolve(
  process.env['KEYRA_VOICE_DATA'] ?? resolve(packageRoot, '../../../shared/voice'),
);

interface Entry {
  path: string;
  text: string;
  voice: string;
  format: string;
  phrase_id: number;
}

/** Latency of `recognize` over a set of clips. */
export interface LatencySummary {
  clips: number;
  meanSeconds: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  msPerSecondOfAudio: number;
}

export interface PhraseCheckReport {
  /** Decoder initialisation (loading the acoustic model and grammars). */
  initMs: number;
  voices: string[];
  formats: string[];
  /** Right phrase accepted (rule 3 of 4), per voice and format. */
  right: Array<{ voice: string; format: string; accepted: number; total: number }>;
  recordings: number;
  rejected: Array<{ path: string; text: string; heard: string }>;
  /** Accepted when the recognizer is not told the prompt length (grammar of 4 to 6 tokens). */
  acceptedWithoutLength: number;
  /** Index k: how many (recording, prompt) pairs had k tokens in place. */
  histogram: { right: number[]; wrong: number[] };
  wrongPairs: number;
  /** False rejects on the right prompt and false accepts on the wrong prompts per rule. */
  rules: Array<{ required: number; falseRejects: number; falseAccepts: number }>;
  /** LibriSpeech sentences (chance-level false accepts), when measured. */
  sentences: {
    files: number;
    audioSeconds: number;
    phrasePairs: number;
    phraseAccepted: number;
    generatedPairs: number;
    generatedAccepted: number;
    generatedAcceptedAllFour: number;
    heardAsNothing: number;
  } | null;
  latency: { phrases: LatencySummary; sentences: LatencySummary | null };
  trials: Array<{ path: string; text: string; heard: string[]; decodeMs: number }>;
  /** The Markdown-ish summary printed by the command. */
  lines: string[];
}

export interface MeasurePhraseCheckOptions {
  /** shared/voice (default `$KEYRA_VOICE_DATA` or `../shared/voice` from the repository root). */
  dataDir?: string;
  /** Also measure the LibriSpeech sentences (default true). */
  sentences?: boolean;
  /** Each summary line as it is produced (the command prints them). */
  log?: (line: string) => void;
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
const summarize = (ms: number[], sec: number[]): LatencySummary => {
  const totalSec = sec.reduce((a, b) => a + b, 0);
  return {
    clips: ms.length,
    meanSeconds: totalSec / sec.length,
    medianMs: quantile(ms, 0.5),
    p95Ms: quantile(ms, 0.95),
    maxMs: Math.max(...ms),
    msPerSecondOfAudio: ms.reduce((a, b) => a + b, 0) / totalSec,
  };
};

interface Trial {
  entry: Entry;
  heard: string[];
  heardAny: string[];
  decodeMs: number;
  audioSeconds: number;
}

export async function measurePhraseCheck(
  options: MeasurePhraseCheckOptions = {},
): Promise<PhraseCheckReport> {
  const voiceData = options.dataDir ?? defaultVoiceData;
  const initStart = performance.now();
  const recognizer = await createPhraseRecognizer({ decoders: 1 });
  const initMs = performance.now() - initStart;
  try {
    const entries = JSON.parse(
      await readFile(resolve(voiceData, 'phrases/phrases.json'), 'utf8'),
    ) as Entry[];
    const prompts = [...new Map(entries.map((e) => [e.phrase_id, e.text])).values()];

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
      options.log?.(line);
    };
    say(`decoder init: ${initMs.toFixed(0)} ms`);
    say();
    say('## Right phrase (false rejects), grammar of 4 tokens, rule 3 of 4');
    const voices = [...new Set(entries.map((e) => e.voice))];
    const formats = [...new Set(entries.map((e) => e.format))];
    say(`| voice | ${formats.join(' | ')} | all |`);
    say(`|---|${formats.map(() => '---').join('|')}|---|`);
    const accepted = (t: Trial, heard = t.heard): boolean =>
      checkPhrase(t.entry.text, heard).passed;
    const right: PhraseCheckReport['right'] = [];
    for (const voice of [...voices, 'all']) {
      const row = [...formats, 'all'].map((format) => {
        const set = trials.filter(
          (t) =>
            (voice === 'all' || t.entry.voice === voice) &&
            (format === 'all' || t.entry.format === format),
        );
        const ok = set.filter((t) => accepted(t)).length;
        right.push({ voice, format, accepted: ok, total: set.length });
        return `${ok}/${set.length}`;
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
    const rightHist = histogram(trials.map((t) => [t.entry.text, t.heard]));
    const wrongPairs: Array<[string, string[]]> = trials.flatMap((t) =>
      prompts.filter((p) => p !== t.entry.text).map((p): [string, string[]] => [p, t.heard]),
    );
    const wrongHist = histogram(wrongPairs);
    say('| matched | 0 | 1 | 2 | 3 | 4 |');
    say('|---|---|---|---|---|---|');
    say(`| right prompt | ${rightHist.join(' | ')} |`);
    say(`| wrong prompt | ${wrongHist.join(' | ')} |`);
    const rules: PhraseCheckReport['rules'] = [];
    for (const k of [2, 3, 4]) {
      const fr = rightHist.slice(0, k).reduce((a, b) => a + b, 0);
      const fa = wrongHist.slice(k).reduce((a, b) => a + b, 0);
      rules.push({ required: k, falseRejects: fr, falseAccepts: fa });
      say(
        `- rule ${k} of 4: false reject ${pct(fr, trials.length)}, false accept ${pct(fa, wrongPairs.length)}`,
      );
    }

    let sentences: PhraseCheckReport['sentences'] = null;
    let sentenceLatency: LatencySummary | null = null;
    if (options.sentences !== false) {
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
      const audioSeconds = libriSeconds.reduce((a, b) => a + b, 0);
      sentences = {
        files: files.length,
        audioSeconds,
        phrasePairs: files.length * prompts.length,
        phraseAccepted: faPhrase,
        generatedPairs: files.length * generated.length,
        generatedAccepted: faGenerated,
        generatedAcceptedAllFour: faGeneratedExact,
        heardAsNothing: libriHeard.get('') ?? 0,
      };
      sentenceLatency = summarize(libriMs, libriSeconds);
      say(`- ${files.length} sentences (${audioSeconds.toFixed(0)} s of audio)`);
      say(`- against the 10 phrase prompts: ${pct(faPhrase, sentences.phrasePairs)} accepted`);
      say(
        `- against 100 generated prompts: ${pct(faGenerated, sentences.generatedPairs)} accepted`,
      );
      say(
        `- against 100 generated prompts, rule 4 of 4: ${pct(faGeneratedExact, sentences.generatedPairs)} accepted`,
      );
      say(`- sentences heard as no phrase at all: ${sentences.heardAsNothing}`);
    }

    say();
    say('## Latency of recognize (one decoder, sequential, audio already decoded)');
    const phraseLatency = summarize(
      trials.map((t) => t.decodeMs),
      trials.map((t) => t.audioSeconds),
    );
    const describe = (l: LatencySummary): string =>
      `median ${l.medianMs.toFixed(0)} ms, p95 ${l.p95Ms.toFixed(0)} ms, ` +
      `max ${l.maxMs.toFixed(0)} ms; ${l.msPerSecondOfAudio.toFixed(1)} ms per second of audio`;
    say(
      `- phrase clips (${trials.length}, mean ${phraseLatency.meanSeconds.toFixed(2)} s): ${describe(phraseLatency)}`,
    );
    if (sentenceLatency) {
      say(`- LibriSpeech (${sentenceLatency.clips}, up to 15 s): ${describe(sentenceLatency)}`);
    }

    return {
      initMs,
      voices,
      formats,
      right,
      recordings: trials.length,
      rejected: rejected.map((t) => ({
        path: t.entry.path,
        text: t.entry.text,
        heard: t.heard.join(' '),
      })),
      acceptedWithoutLength: anyOk,
      histogram: { right: rightHist, wrong: wrongHist },
      wrongPairs: wrongPairs.length,
      rules,
      sentences,
      latency: { phrases: phraseLatency, sentences: sentenceLatency },
      trials: trials.map((t) => ({
        path: t.entry.path,
        text: t.entry.text,
        heard: t.heard,
        decodeMs: t.decodeMs,
      })),
      lines,
    };
  } finally {
    await recognizer.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const jsonOut = process.argv.includes('--json')
    ? process.argv[process.argv.indexOf('--json') + 1]
    : undefined;
  const report = await measurePhraseCheck({ log: (line) => console.log(line) });
  if (jsonOut) {
    await writeFile(
      jsonOut,
      JSON.stringify(
        { initMs: report.initMs, trials: report.trials, summary: report.lines },
        null,
        2,
      ),
    );
  }
}
