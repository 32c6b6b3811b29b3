/**
 * Design choices on a held-out split of the training data, never on the final check: the model
 * is fit on 4/5 of the training speakers (the split `trainModel` uses for its thresholds) and
 * scored on 3 s crops of the other 1/5 in every condition, simulated ones and real codecs
 * through ffmpeg. One line of JSON per configuration.
 *
 *   node packages/voice/dist/.scripts/scripts/tune.js ['{"napRank": 10}' ...]
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { thresholdAtFar } from '../src/evaluateEer.js';
import { applyChannelChainBatch, parseChannelChain } from '../src/channel/applyChannelChain.js';
import {
  evaluationCrops,
  scoreConditions,
  summarizeCondition,
} from '../src/internal/channelTrials.js';
import type { TrialCondition, TrialItem, TrialChannel } from '../src/internal/channelTrials.js';
import { ClassicalSpeakerModel } from '../src/model/ClassicalSpeakerModel.js';
import type { ModelFile } from '../src/model/ModelFile.js';
import { DEFAULT_CLASSICAL_CONFIG, trainClassical } from '../src/model/trainClassical.js';
import type { ClassicalConfig } from '../src/model/trainClassical.js';
import { THRESHOLD_CONDITIONS } from '../src/trainModel.js';
import { loadTrainingData } from './devData.js';

const t0 = Date.now();
const data = await loadTrainingData();
console.error(`decoded ${data.length} files in ${Date.now() - t0} ms`);
const speakers = [...new Set(data.map((u) => u.speaker))].sort();
const dev = new Set(speakers.filter((_, i) => i % 5 === 0));
const fit = data.filter((u) => !dev.has(u.speaker));
const items: TrialItem[] = data
  .filter((u) => dev.has(u.speaker))
  .flatMap((u, f) =>
    evaluationCrops(u.pcm, 3).map((pcm, k) => ({
      speaker: u.speaker,
      sex: u.sex,
      group: `${f}/${k}`,
      pcm,
    })),
  );

/**
 * A real-codec channel, computed once for all items with one ffmpeg run (and kept in
 * `$KEYRA_TUNE_CACHE`, when set, for the next run).
 */
async function codecChannel(spec: string): Promise<TrialChannel> {
  const cacheDir = process.env['KEYRA_TUNE_CACHE'];
  const cacheFile =
    cacheDir && resolve(cacheDir, `${spec.replace(/[^a-z0-9]+/gi, '_')}-${items.length}.f32`);
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
      const all = new Float32Array(out.reduce((n, o) => n + o.length, 0));
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
const opus = await codecChannel('band:300-3400,opus:12');
const gsm = await codecChannel('8k,gsm');
const mp3 = await codecChannel('mp3:16');
const conditions: TrialCondition[] = [
  ...THRESHOLD_CONDITIONS,
  { name: 'probe 300-3400 + opus 12k', enroll: null, probe: opus },
  { name: 'both 300-3400 + opus 12k', enroll: opus, probe: opus },
  { name: 'probe 8k gsm', enroll: null, probe: gsm },
  { name: 'both 8k gsm', enroll: gsm, probe: gsm },
  { name: 'probe mp3 16k', enroll: null, probe: mp3 },
];
console.error(
  `${items.length} dev crops of ${dev.size} speakers; codecs ready at ${Date.now() - t0} ms`,
);

for (const arg of process.argv.slice(2).length ? process.argv.slice(2) : ['{}']) {
  const config: ClassicalConfig = {
    ...DEFAULT_CLASSICAL_CONFIG,
    ...(JSON.parse(arg) as Partial<ClassicalConfig>),
  };
  const t1 = Date.now();
  const params = trainClassical(fit, config, 1, (stage, detail) =>
    process.stderr.write(`[${((Date.now() - t1) / 1000).toFixed(0)}s] ${stage}: ${detail}\n`),
  );
  const model = new ClassicalSpeakerModel({
    paramsVersion: 'tune',
    params,
    thresholds: { eer: 0, recommended: 0, rawEer: 0, rawRecommended: 0, basis: 'tune' },
  } as unknown as ModelFile);
  const scored = await scoreConditions(model, items, conditions);
  const threshold = Math.max(
    ...scored
      .slice(0, THRESHOLD_CONDITIONS.length)
      .map((s) => thresholdAtFar(s.nontarget, config.targetFar)),
  );
  const pct = (x: number): string => (100 * x).toFixed(2);
  console.log(
    JSON.stringify({
      arg,
      threshold: Number(threshold.toFixed(3)),
      ms: Date.now() - t1,
      ...Object.fromEntries(
        scored.map((s) => {
          const c = summarizeCondition(s, threshold);
          return [
            c.name,
            `EER ${pct(c.eer)} FAR ${pct(c.far)} sameSexFAR ${pct(c.sameSexFar)} FRR ${pct(c.frr)} t1% ${c.thresholdAtFar1.toFixed(2)}`,
          ];
        }),
      ),
    }),
  );
}
