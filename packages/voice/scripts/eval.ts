/**
 * EER of the committed model on LibriSpeech test-other (10 speakers x 10 utterances, all pairs):
 * full vs full, full enrolment vs 3 s, and 3 s vs 3 s, where a 3 s crop is the window of the file
 * starting at 0.5 s (the whole file when it is shorter than 3.5 s). Raw cosine and s-norm.
 *
 *   npx tsc -p packages/voice/tsconfig.scripts.json && node packages/voice/dist/.scripts/scripts/eval.js
 *
 * `evaluateTestOther()` is the same evaluation as a function (scripts/bench-voice.mjs imports it
 * from the compiled file).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { computeEer } from '../src/evaluateEer.js';
import { listCorpus, loadCorpus } from '../src/internal/corpus.js';
import { loadModel } from '../src/loadModel.js';
import { cohortCrop } from '../src/model/trainClassical.js';
import { scoreEmbeddings } from '../src/scoreEmbeddings.js';
import type { CohortStats } from '../src/speakerModel.js';
import { MODEL_FILE, VOICE_DATA } from './paths.js';

/** One trial set (all pairs) scored with the raw cosine and with s-norm. */
export interface TrialSetResult {
  targets: number;
  nontargets: number;
  /** Fractions in [0, 1]. */
  rawEer: number;
  rawThreshold: number;
  snormEer: number;
  snormThreshold: number;
  /** At the model's recommended s-norm threshold. */
  far: number;
  frr: number;
}

export interface TestOtherReport {
  model: string;
  files: number;
  recommendedThreshold: number;
  fullVsFull: TrialSetResult;
  fullVs3s: TrialSetResult;
  threeVs3s: TrialSetResult;
  /** Embedding plus cohort statistics, full files and 3 s crops. */
  embedMsPerSecondOfAudio: number;
  /** Decoding the 100 flac files (ffmpeg, two at a time) and resampling. */
  decodeMs: number;
  audioSeconds: number;
}

export interface EvaluateTestOtherOptions {
  modelPath?: string;
  /** shared/voice (default `$KEYRA_VOICE_DATA` or `../shared/voice` from the repository root). */
  dataDir?: string;
}

interface Item {
  speaker: string;
  e: Float32Array;
  n: CohortStats;
}

export async function evaluateTestOther(
  options: EvaluateTestOtherOptions = {},
): Promise<TestOtherReport> {
  const model = await loadModel(options.modelPath ?? MODEL_FILE);
  const entries = await listCorpus(
    resolve(options.dataDir ?? VOICE_DATA, 'librispeech_test-other'),
  );
  const decodeStart = performance.now();
  const pcms = await loadCorpus(entries);
  const decodeMs = performance.now() - decodeStart;
  const embed = (pcm: Float32Array): { e: Float32Array; n: CohortStats } => {
    const e = model.embedSync(pcm);
    return { e, n: model.cohortStats(e)! };
  };
  const full: Item[] = [];
  const short: Item[] = [];
  let ms = 0;
  let audioSec = 0;
  entries.forEach((entry, i) => {
    const t = performance.now();
    full.push({ speaker: entry.speaker, ...embed(pcms[i]!) });
    const crop = cohortCrop(pcms[i]!);
    short.push({ speaker: entry.speaker, ...embed(crop) });
    ms += performance.now() - t;
    audioSec += (pcms[i]!.length + crop.length) / 16000;
  });
  const rec = model.thresholds.recommended;
  const trials = (xs: Item[], ys: Item[], cross: boolean): TrialSetResult => {
    const raw: number[][] = [[], []];
    const norm: number[][] = [[], []];
    for (let i = 0; i < xs.length; i++) {
      for (let j = cross ? 0 : i + 1; j < ys.length; j++) {
        if (cross && i === j) continue;
        const x = xs[i]!;
        const y = ys[j]!;
        const k = x.speaker === y.speaker ? 0 : 1;
        raw[k]!.push(scoreEmbeddings(x.e, y.e));
        norm[k]!.push(scoreEmbeddings(x.e, y.e, { a: x.n, b: y.n }));
      }
    }
    const r = computeEer(raw[0]!, raw[1]!);
    const n = computeEer(norm[0]!, norm[1]!);
    return {
      targets: raw[0]!.length,
      nontargets: raw[1]!.length,
      rawEer: r.eer,
      rawThreshold: r.threshold,
      snormEer: n.eer,
      snormThreshold: n.threshold,
      far: norm[1]!.filter((s) => s >= rec).length / norm[1]!.length,
      frr: norm[0]!.filter((s) => s < rec).length / norm[0]!.length,
    };
  };
  return {
    model: model.paramsVersion,
    files: entries.length,
    recommendedThreshold: rec,
    fullVsFull: trials(full, full, false),
    fullVs3s: trials(full, short, true),
    threeVs3s: trials(short, short, false),
    embedMsPerSecondOfAudio: ms / audioSec,
    decodeMs,
    audioSeconds: pcms.reduce((sum, pcm) => sum + pcm.length / 16000, 0),
  };
}

const percent = (x: number): string => `${(100 * x).toFixed(2)} %`;
const printable = (t: TrialSetResult, rec: number): Record<string, string | number> => ({
  targets: t.targets,
  nontargets: t.nontargets,
  rawEer: percent(t.rawEer),
  rawThreshold: Number(t.rawThreshold.toFixed(4)),
  snormEer: percent(t.snormEer),
  snormThreshold: Number(t.snormThreshold.toFixed(4)),
  atRecommended: `FAR ${percent(t.far)}, FRR ${percent(t.frr)} (threshold ${rec})`,
});

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const report = await evaluateTestOther(process.argv[2] ? { modelPath: process.argv[2] } : {});
  const rec = report.recommendedThreshold;
  console.log(
    JSON.stringify(
      {
        model: report.model,
        files: report.files,
        fullVsFull: printable(report.fullVsFull, rec),
        fullVs3s: printable(report.fullVs3s, rec),
        threeVs3s: printable(report.threeVs3s, rec),
        embedMsPerSecondOfAudio: Number(report.embedMsPerSecondOfAudio.toFixed(2)),
      },
      null,
      2,
    ),
  );
}
