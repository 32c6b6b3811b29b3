/**
 * Design choices on a held-out split of the training data, never on the final check: the model
 * is fit on 4/5 of the training speakers (the split `trainModel` uses for its thresholds) and
 * scored on 3 s crops of the other 1/5 in every condition, simulated ones and real codecs
 * through ffmpeg. One line of JSON per configuration.
 *
 *   node packages/voice/dist/.scripts/scripts/tune.js ['{"napRank": 10}' ...]
 */
import { thresholdAtFar } from '../src/evaluateEer.js';
import {
  evaluationCrops,
  scoreConditions,
  summarizeCondition,
} from '../src/internal/channelTrials.js';
import type { TrialCondition, TrialItem, TrialChannel } from '../src/internal/channelTrials.js';
import { ClassicalSpeakerModel } from '../src/model/classicalSpeakerModel.js';
import type { ModelFile } from '../src/model/modelFile.js';
import {
  codecCopies,
  DEFAULT_CLASSICAL_CONFIG,
  trainClassical,
} from '../src/model/trainClassical.js';
import type { ClassicalConfig } from '../src/model/trainClassical.js';
import { thresholdConditions } from '../src/trainModel.js';
import { cachedChannel, loadTrainingData } from './devData.js';

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

const codecChannel = (spec: string): Promise<TrialChannel> => cachedChannel(spec, items);
const opus = await codecChannel('band:300-3400,opus:12');
const mp3 = await codecChannel('mp3:16');
const thresholdSet = await thresholdConditions(items);
const conditions: TrialCondition[] = [
  ...thresholdSet,
  { name: 'probe 300-3400 + opus 12k', enroll: null, probe: opus },
  { name: 'both 300-3400 + opus 12k', enroll: opus, probe: opus },
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
  const params = trainClassical(
    fit,
    config,
    1,
    (stage, detail) =>
      process.stderr.write(`[${((Date.now() - t1) / 1000).toFixed(0)}s] ${stage}: ${detail}\n`),
    await codecCopies(fit, config, 1),
  );
  const embeddings = new Map<string, Float32Array[]>();
  const topNs = (process.env['TOPN'] ?? String(config.cohortTopN)).split(',').map(Number);
  // SHIFTS=a,b: other narrow-band shifts for the same fit (the detector is fit when narrowShift > 0).
  const shifts = (process.env['SHIFTS'] ?? String(config.narrowShift)).split(',').map(Number);
  for (const [topN, shift] of topNs.flatMap((t) => shifts.map((s) => [t, s] as const))) {
    const model = new ClassicalSpeakerModel({
      paramsVersion: 'tune',
      params: {
        ...params,
        cohort: { ...params.cohort, topN },
        ...(params.channel ? { channel: { ...params.channel, shift } } : {}),
      },
      thresholds: { eer: 0, recommended: 0, rawEer: 0, rawRecommended: 0, basis: 'tune' },
    } as unknown as ModelFile);
    const scored = await scoreConditions(model, items, conditions, embeddings);
    const threshold = Math.max(
      ...scored
        .slice(0, thresholdSet.length)
        .map((s) => thresholdAtFar(s.nontarget, config.targetFar)),
    );
    const pct = (x: number): string => (100 * x).toFixed(2);
    console.log(
      JSON.stringify({
        arg,
        topN,
        shift,
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
}
