import type { SpeakerScore, Voiceprint } from '@keyra/core';
import { scoreEmbeddings, type SpeakerThresholds } from '@keyra/voice';
import { decodeRecording } from './loadAudio.js';
import type { VoiceEngine } from './createVoiceEngine.js';
import { analyseRecording } from './analyseRecording.js';

/** No cohort: the s-norm with these numbers is the plain cosine. */
const NO_COHORT = { mean: 0, sd: 1 };

/**
 * The speaker gate's number, exactly as `POST /api/v1/verify` computes it: the cosine of the two
 * embeddings, s-normalised by each side's cohort numbers (a side without them counts as mean 0,
 * sd 1), held to the model's normalised threshold when the probe has cohort numbers and to its raw
 * one otherwise. Accept when `score >= threshold`. The verify route passes projected embeddings;
 * the projection is orthogonal, so unprojected ones score the same.
 */
export function scoreSpeaker(
  thresholds: Pick<SpeakerThresholds, 'recommended' | 'rawRecommended'>,
  enrolled: Voiceprint,
  probe: Voiceprint,
): SpeakerScore {
  return {
    score: scoreEmbeddings(enrolled.embedding, probe.embedding, {
      a: enrolled.cohort ?? NO_COHORT,
      b: probe.cohort ?? NO_COHORT,
    }),
    threshold: probe.cohort ? thresholds.recommended : thresholds.rawRecommended,
  };
}

/**
 * Scores an enrolment recording against a probe recording the way the voice API does: decode
 * (with the API's format, rate and duration checks), embed with the engine's active back end, then
 * {@link scoreSpeaker}. For tools (`keyra voice score`) that must agree with the verify route.
 */
export async function scoreRecordings(
  engine: VoiceEngine,
  enrolment: Uint8Array,
  probe: Uint8Array,
): Promise<SpeakerScore & { passed: boolean }> {
  const voiceprint = async (bytes: Uint8Array): Promise<Voiceprint> =>
    analyseRecording(engine, await decodeRecording(bytes, engine)).result;
  const [enrolled, probed] = [await voiceprint(enrolment), await voiceprint(probe)];
  const { thresholds } = await engine.model();
  const result = scoreSpeaker(thresholds, enrolled, probed);
  return { ...result, passed: result.score >= result.threshold };
}
