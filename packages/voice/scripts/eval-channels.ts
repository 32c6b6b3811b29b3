/**
 * The final check of the committed model, on speakers it never saw: LibriSpeech test-other and
 * train-extra's held-out speakers (every fifth speechocean762 speaker, fsdd, an4, ljspeech,
 * deep-speaker-samples). 3 s crops (from 0.5 s; whole files when shorter than 3.5 s), every pair
 * of files, in several channel conditions, scored exactly as the verify route scores (s-norm
 * against the model's recommended threshold). Real codecs run through ffmpeg.
 *
 *   npx tsc -p packages/voice/tsconfig.scripts.json
 *   node packages/voice/dist/.scripts/scripts/eval-channels.js [MODEL_FILE]
 *
 * Prints one JSON object: per trial set and condition, EER, false accepts (all and same-sex
 * impostors) and false rejects at the recommended threshold. Look at it rarely: it is the test.
 */
import {
  evaluationCrops,
  scoreConditions,
  summarizeCondition,
} from '../src/internal/channelTrials.js';
import type { TrialChannel, TrialCondition, TrialItem } from '../src/internal/channelTrials.js';
import { loadModel } from '../src/loadModel.js';
import { cachedChannel, loadFinalCheckData } from './devData.js';
import { MODEL_FILE } from './paths.js';

const model = await loadModel(process.argv[2] ?? MODEL_FILE);
const threshold = model.thresholds.recommended;
const data = await loadFinalCheckData();
const items: Array<TrialItem & { corpus: string }> = data.flatMap((u, f) =>
  evaluationCrops(u.pcm, 1).map((pcm) => ({
    speaker: u.speaker,
    sex: u.sex,
    group: String(f),
    pcm,
    corpus: u.corpus,
  })),
);

const channel = (spec: string): Promise<TrialChannel> => cachedChannel(spec, items);

const probe = async (spec: string): Promise<TrialCondition> => ({
  name: `probe ${spec}`,
  enroll: null,
  probe: await channel(spec),
});
const both = async (spec: string): Promise<TrialCondition> => {
  const c = await channel(spec);
  return { name: `both ${spec}`, enroll: c, probe: c };
};
const conditions: TrialCondition[] = [
  { name: 'clean', enroll: null, probe: null },
  await probe('band:300-3400,opus:12'),
  await probe('8k,gsm'),
  await probe('mp3:16'),
  await probe('noise:10'),
  await both('band:300-3400,opus:12'),
  await both('8k,mulaw'),
  await both('8k,gsm'),
];

const sets: Record<string, (i: { corpus: string }) => boolean> = {
  'all unseen speakers': () => true,
  'studio (test-other, speechocean762 held-out, an4, ljspeech, deep-speaker)': (i) =>
    i.corpus !== 'fsdd',
  'telephone band (fsdd, 8 kHz)': (i) => i.corpus === 'fsdd',
};
const pct = (x: number): number => Number((100 * x).toFixed(2));
const report: Record<string, unknown> = { model: model.paramsVersion, threshold };
for (const [name, keep] of Object.entries(sets)) {
  const subset = items.filter(keep);
  const scored = await scoreConditions(
    model,
    subset,
    name.startsWith('telephone') ? conditions.slice(0, 1) : conditions,
  );
  report[name] = {
    speakers: new Set(subset.map((i) => i.speaker)).size,
    files: subset.length,
    ...Object.fromEntries(
      scored.map((s) => {
        const c = summarizeCondition(s, threshold);
        return [
          c.name,
          {
            targets: c.targets,
            nontargets: c.nontargets,
            eer: pct(c.eer),
            far: pct(c.far),
            sameSexFar: pct(c.sameSexFar),
            frr: pct(c.frr),
          },
        ];
      }),
    ),
  };
}
console.log(JSON.stringify(report, null, 2));
