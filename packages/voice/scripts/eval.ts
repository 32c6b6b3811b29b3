/**
 * EER of the committed model on LibriSpeech test-other (10 speakers x 10 utterances, all pairs):
 * full vs full, full enrolment vs 3 s, and 3 s vs 3 s, where a 3 s crop is the window of the file
 * starting at 0.5 s (the whole file when it is shorter than 3.5 s). Raw cosine and s-norm.
 *
 *   npx tsc -p packages/voice/tsconfig.scripts.json && node packages/voice/dist/.scripts/scripts/eval.js
 */
import { resolve } from 'node:path';
import { computeEer } from '../src/evaluateEer.js';
import { listCorpus, loadCorpus } from '../src/internal/corpus.js';
import { loadModel } from '../src/loadModel.js';
import { cohortCrop } from '../src/model/trainClassical.js';
import { scoreEmbeddings } from '../src/scoreEmbeddings.js';
import type { CohortStats } from '../src/SpeakerModel.js';
import { MODEL_FILE, VOICE_DATA } from './paths.js';

const model = await loadModel(process.argv[2] ?? MODEL_FILE);
const entries = await listCorpus(resolve(VOICE_DATA, 'librispeech_test-other'));
const pcms = await loadCorpus(entries);
interface Item {
  speaker: string;
  e: Float32Array;
  n: CohortStats;
}
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
const trials = (xs: Item[], ys: Item[], cross: boolean): Record<string, string | number> => {
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
  const rec = model.thresholds.recommended;
  const far = norm[1]!.filter((s) => s >= rec).length / norm[1]!.length;
  const frr = norm[0]!.filter((s) => s < rec).length / norm[0]!.length;
  return {
    targets: raw[0]!.length,
    nontargets: raw[1]!.length,
    rawEer: `${(100 * r.eer).toFixed(2)} %`,
    rawThreshold: Number(r.threshold.toFixed(4)),
    snormEer: `${(100 * n.eer).toFixed(2)} %`,
    snormThreshold: Number(n.threshold.toFixed(4)),
    atRecommended: `FAR ${(100 * far).toFixed(2)} %, FRR ${(100 * frr).toFixed(2)} % (threshold ${rec})`,
  };
};
const report = {
  model: model.paramsVersion,
  files: entries.length,
  fullVsFull: trials(full, full, false),
  fullVs3s: trials(full, short, true),
  threeVs3s: trials(short, short, false),
  embedMsPerSecondOfAudio: Number((ms / audioSec).toFixed(2)),
};
console.log(JSON.stringify(report, null, 2));
