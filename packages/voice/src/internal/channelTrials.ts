import { computeEer, thresholdAtFar } from '../evaluateEer.js';
import { scoreEmbeddings } from '../scoreEmbeddings.js';
import type { CohortStats, SpeakerModel } from '../speakerModel.js';

/** A recording channel for trials: a name (the cache key) and what it does to 16 kHz audio. */
export interface TrialChannel {
  name: string;
  apply(pcm: Float32Array): Float32Array | Promise<Float32Array>;
}

/** Enrolment through `enroll`, verification through `probe` (`null`: the clean recording). */
export interface TrialCondition {
  name: string;
  enroll: TrialChannel | null;
  probe: TrialChannel | null;
}

/** One evaluation recording. */
export interface TrialItem {
  speaker: string;
  /** `F`, `M` or anything else (unknown): same-sex impostor figures use it. */
  sex: string;
  /** Items of one group (crops of one file) are never paired. */
  group: string;
  pcm: Float32Array;
}

/** Scores of one condition: every unordered pair, item i enrolled and item j verifying. */
export interface ConditionScores {
  name: string;
  target: number[];
  nontarget: number[];
  /** Non-target trials between speakers of the same (known) sex. */
  sameSex: number[];
}

type Embedder = SpeakerModel & { embedSync(pcm: Float32Array): Float32Array };

interface Embedded {
  e: Float32Array;
  n: CohortStats;
}

/**
 * Scores every condition over all pairs of `items` with the model's normalised score (the score
 * the verify route uses). Each item is embedded once per distinct channel.
 */
export async function scoreConditions(
  model: Embedder,
  items: readonly TrialItem[],
  conditions: readonly TrialCondition[],
  /** Embeddings per channel name, to share between models that embed alike (tuning the cohort). */
  embeddings: Map<string, Float32Array[]> = new Map(),
): Promise<ConditionScores[]> {
  const cache = new Map<string, Embedded[]>();
  const embedAll = async (channel: TrialChannel | null): Promise<Embedded[]> => {
    const key = channel?.name ?? 'clean';
    let out = cache.get(key);
    if (!out) {
      let raw = embeddings.get(key);
      if (!raw) {
        raw = [];
        for (const item of items) {
          raw.push(model.embedSync(channel ? await channel.apply(item.pcm) : item.pcm));
        }
        embeddings.set(key, raw);
      }
      out = raw.map((e) => ({ e, n: model.cohortStats(e) ?? { mean: 0, sd: 1 } }));
      cache.set(key, out);
    }
    return out;
  };
  const results: ConditionScores[] = [];
  for (const condition of conditions) {
    const enroll = await embedAll(condition.enroll);
    const probe = await embedAll(condition.probe);
    const scores: ConditionScores = {
      name: condition.name,
      target: [],
      nontarget: [],
      sameSex: [],
    };
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const x = items[i]!;
        const y = items[j]!;
        if (x.group === y.group) continue;
        const a = enroll[i]!;
        const b = probe[j]!;
        const s = scoreEmbeddings(a.e, b.e, { a: a.n, b: b.n });
        if (x.speaker === y.speaker) scores.target.push(s);
        else {
          scores.nontarget.push(s);
          if (x.sex === y.sex && (x.sex === 'F' || x.sex === 'M')) scores.sameSex.push(s);
        }
      }
    }
    results.push(scores);
  }
  return results;
}

/** EER and the error rates of one condition at `threshold` (fractions in [0, 1]). */
export interface ConditionSummary {
  name: string;
  targets: number;
  nontargets: number;
  eer: number;
  far: number;
  frr: number;
  sameSexFar: number;
  /** Threshold with at most 1 % false accepts on this condition. */
  thresholdAtFar1: number;
}

export function summarizeCondition(s: ConditionScores, threshold: number): ConditionSummary {
  const rate = (xs: number[], f: (x: number) => boolean): number =>
    xs.length > 0 ? xs.filter(f).length / xs.length : 0;
  return {
    name: s.name,
    targets: s.target.length,
    nontargets: s.nontarget.length,
    eer: s.target.length > 0 && s.nontarget.length > 0 ? computeEer(s.target, s.nontarget).eer : 0,
    far: rate(s.nontarget, (x) => x >= threshold),
    frr: rate(s.target, (x) => x < threshold),
    sameSexFar: rate(s.sameSex, (x) => x >= threshold),
    thresholdAtFar1: thresholdAtFar(s.nontarget, 0.01),
  };
}

/** Non-overlapping 3 s crops from 0.5 s (the whole file when it is shorter than 3.5 s). */
export function evaluationCrops(pcm: Float32Array, maxCrops = Infinity): Float32Array[] {
  if (pcm.length < 56_000) return [pcm];
  const out: Float32Array[] = [];
  for (let start = 8_000; start + 48_000 <= pcm.length && out.length < maxCrops; start += 48_000) {
    out.push(pcm.subarray(start, start + 48_000));
  }
  return out;
}
