/**
 * Design choices on a held-out split of train-clean (never on test-other): fit on 200 speakers,
 * score 3 s crops of the other 51. Usage: node dist/.scripts/scripts/tune.js [json overrides...]
 */
import { resolve } from 'node:path';
import { listCorpus, loadCorpus } from '../src/internal/corpus.js';
import { DEFAULT_CLASSICAL_CONFIG, trainClassical } from '../src/model/trainClassical.js';
import type { ClassicalConfig } from '../src/model/trainClassical.js';
import { compileParams } from '../src/model/ClassicalParams.js';
import { classicalParts, fuseParts } from '../src/model/embedClassical.js';
import { analyseUtterance } from '../src/internal/analyseUtterance.js';
import { computeEer } from '../src/evaluateEer.js';

const dataRoot = resolve(
  process.env['KEYRA_VOICE_DATA'] ?? resolve(import.meta.dirname, '../../../../../../shared/voice'),
);
const entries = await listCorpus(resolve(dataRoot, 'librispeech_train-clean-100'));
const t0 = Date.now();
const pcms = await loadCorpus(entries);
console.error(`decoded ${entries.length} files in ${Date.now() - t0} ms`);
const speakers = [...new Set(entries.map((e) => e.speaker))].sort();
const dev = new Set(speakers.filter((_, i) => i % 5 === 0));
const fit = entries.flatMap((e, i) =>
  dev.has(e.speaker) ? [] : [{ speaker: e.speaker, pcm: pcms[i]! }],
);
const held = entries.flatMap((e, i) =>
  dev.has(e.speaker) ? [{ speaker: e.speaker, pcm: pcms[i]! }] : [],
);

for (const arg of process.argv.slice(2).length ? process.argv.slice(2) : ['{}']) {
  const config: ClassicalConfig = {
    ...DEFAULT_CLASSICAL_CONFIG,
    ...(JSON.parse(arg) as Partial<ClassicalConfig>),
  };
  const t1 = Date.now();
  const params = trainClassical(fit, config, 1);
  const p = compileParams(params);
  const items: Array<{ speaker: string; utt: number; a: Float64Array; b: Float64Array }> = [];
  held.forEach((h, utt) => {
    for (let start = 8000; start + 48000 <= h.pcm.length; start += 48000) {
      const parts = classicalParts(analyseUtterance(h.pcm.subarray(start, start + 48000)), p);
      items.push({ speaker: h.speaker, utt, ...parts });
    }
  });
  // Cohort: one 3 s crop (from 0.5 s) of every fit speaker.
  const cohort = fit.map((f) =>
    fuseParts(classicalParts(analyseUtterance(f.pcm.subarray(8000, 56000)), p), p),
  );
  const fusedItems = items.map((x) => fuseParts(x, p));
  const dot = (x: Float32Array, y: Float32Array): number => {
    let d = 0;
    for (let q = 0; q < x.length; q++) d += x[q]! * y[q]!;
    return d;
  };
  const topN = Number(process.env['TOPN'] ?? 50);
  const norms = fusedItems.map((x) => {
    const sc = cohort
      .map((c) => dot(x, c))
      .sort((u, v) => v - u)
      .slice(0, topN);
    const m = sc.reduce((u, v) => u + v, 0) / sc.length;
    const sd = Math.sqrt(sc.reduce((u, v) => u + (v - m) ** 2, 0) / sc.length);
    return { m, sd };
  });
  const snorm: number[][] = [[], []];
  const cos = (x: Float64Array, y: Float64Array): number => {
    let d = 0,
      nx = 0,
      ny = 0;
    for (let i = 0; i < x.length; i++) {
      d += x[i]! * y[i]!;
      nx += x[i]! * x[i]!;
      ny += y[i]! * y[i]!;
    }
    return d / Math.sqrt(nx * ny);
  };
  const sets = {
    a: [[], []] as number[][],
    b: [[], []] as number[][],
    fused: [[], []] as number[][],
    snorm,
  };
  for (let i = 0; i < items.length; i++)
    for (let j = i + 1; j < items.length; j++) {
      const x = items[i]!,
        y = items[j]!;
      const k = x.speaker === y.speaker ? 0 : 1;
      const sa = cos(x.a, y.a),
        sb = cos(x.b, y.b);
      sets.a[k]!.push(sa);
      sets.b[k]!.push(sb);
      const d = dot(fusedItems[i]!, fusedItems[j]!);
      sets.fused[k]!.push(d);
      const ni = norms[i]!,
        nj = norms[j]!;
      snorm[k]!.push(0.5 * ((d - ni.m) / ni.sd + (d - nj.m) / nj.sd));
    }
  const out = Object.fromEntries(
    Object.entries(sets).map(([name, [t, n]]) => {
      const e = computeEer(t!, n!);
      return [name, `${(100 * e.eer).toFixed(2)}% @${e.threshold.toFixed(3)}`];
    }),
  );
  console.log(
    JSON.stringify({
      arg,
      items: items.length,
      trials: sets.a[0]!.length,
      ...out,
      ms: Date.now() - t1,
    }),
  );
}
