import { fingerprintSimilarity } from './fingerprintSimilarity.js';
import { QUALITY_THRESHOLDS } from './limits.js';
import type { VoiceFingerprintRecord } from './voiceRecords.js';

/** What the recognizer made of the recording, against the prompt. */
export interface PhraseGate {
  passed: boolean;
  /** The words recognised, in order (empty when nothing was recognised). */
  heard: string;
  matched_words: number;
  required_words: number;
  total_words: number;
}

export interface SpeakerGate {
  passed: boolean;
  /** s-norm score of the probe against the enrolled template. */
  score: number;
  threshold: number;
}

export interface ReplayGate {
  passed: boolean;
  /** Why it failed: the exact bytes, or a near-identical fingerprint, were seen before. */
  reason: 'same_recording' | 'near_identical_recording' | 'enrollment_recording' | null;
  /** Highest fingerprint similarity with an earlier recording of this wallet (0..1). */
  similarity: number;
  threshold: number;
}

export interface QualityMeasures {
  durationSec: number;
  speechSec: number;
  clippingRatio: number;
  levelDbfs: number;
  /** Highest frequency of the speech within 50 dB of its spectral peak (absent: not measured). */
  bandwidthHz?: number;
  /** Speech power over the quietest tenth of the recording, dB (absent: not measured). */
  snrDb?: number;
}

export interface QualityGate {
  passed: boolean;
  speech_seconds: number;
  min_speech_seconds: number;
  clipping_ratio: number;
  max_clipping_ratio: number;
  level_dbfs: number;
  min_level_dbfs: number;
  bandwidth_hz?: number;
  min_bandwidth_hz: number;
  snr_db?: number;
  min_snr_db: number;
  /** What failed: `too_little_speech`, `clipping`, `too_quiet`, `narrow_band`, `noisy`. */
  issues: string[];
  /** One thing to do about each issue, in the same order. */
  advice: string[];
}

/** What a user can do about each quality issue. */
export const QUALITY_ADVICE: Record<string, string> = {
  too_little_speech: 'Speak the whole phrase, closer to the microphone.',
  clipping: 'The recording is distorted: speak less loudly or lower the microphone gain.',
  too_quiet: 'Speak louder or closer to the microphone, or raise its gain.',
  narrow_band:
    'The audio is muffled or band-limited: record with a regular microphone, not a low-rate voice codec.',
  noisy: 'Too much background noise: record in a quieter place.',
};

/** Every gate of `POST /api/v1/verify`. `verified` is true only when all of them pass. */
export interface VoiceGates {
  phrase: PhraseGate;
  speaker: SpeakerGate;
  replay: ReplayGate;
  quality: QualityGate;
}

/**
 * The measured values and thresholds of the phrase, replay and quality gates, as a verify-log row
 * keeps them: no words heard, no advice, only numbers (absent bandwidth or SNR: not measured).
 */
export interface VerifyLogMeasures {
  phrase: Pick<PhraseGate, 'matched_words' | 'required_words' | 'total_words'>;
  replay: Pick<ReplayGate, 'similarity' | 'threshold'>;
  quality: Omit<QualityGate, 'passed' | 'issues' | 'advice'>;
}

/** The numbers of `gates` a verify log keeps (see {@link VerifyLogMeasures}). */
export function verifyLogMeasures(gates: VoiceGates): VerifyLogMeasures {
  const { matched_words, required_words, total_words } = gates.phrase;
  const { passed: _passed, issues: _issues, advice: _advice, ...quality } = gates.quality;
  return {
    phrase: { matched_words, required_words, total_words },
    replay: { similarity: gates.replay.similarity, threshold: gates.replay.threshold },
    quality,
  };
}

const round = (value: number, digits: number): number =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : value;

export function qualityGate(
  m: QualityMeasures,
  minSpeechSec: number = QUALITY_THRESHOLDS.minSpeechSec,
): QualityGate {
  const issues: string[] = [];
  if (m.speechSec < minSpeechSec) issues.push('too_little_speech');
  if (m.clippingRatio > QUALITY_THRESHOLDS.maxClippingRatio) issues.push('clipping');
  if (!(m.levelDbfs >= QUALITY_THRESHOLDS.minLevelDbfs)) issues.push('too_quiet');
  if (m.bandwidthHz !== undefined && m.bandwidthHz < QUALITY_THRESHOLDS.minBandwidthHz)
    issues.push('narrow_band');
  if (m.snrDb !== undefined && m.snrDb < QUALITY_THRESHOLDS.minSnrDb) issues.push('noisy');
  return {
    passed: issues.length === 0,
    speech_seconds: round(m.speechSec, 2),
    min_speech_seconds: minSpeechSec,
    clipping_ratio: round(m.clippingRatio, 4),
    max_clipping_ratio: QUALITY_THRESHOLDS.maxClippingRatio,
    level_dbfs: Number.isFinite(m.levelDbfs) ? round(m.levelDbfs, 1) : -120,
    min_level_dbfs: QUALITY_THRESHOLDS.minLevelDbfs,
    ...(m.bandwidthHz !== undefined ? { bandwidth_hz: Math.round(m.bandwidthHz) } : {}),
    min_bandwidth_hz: QUALITY_THRESHOLDS.minBandwidthHz,
    ...(m.snrDb !== undefined ? { snr_db: round(m.snrDb, 1) } : {}),
    min_snr_db: QUALITY_THRESHOLDS.minSnrDb,
    issues,
    advice: issues.map((issue) => QUALITY_ADVICE[issue]!),
  };
}

export function speakerGate(score: number, threshold: number): SpeakerGate {
  return { passed: score >= threshold, score: round(score, 3), threshold };
}

/**
 * Similarity at or above which two recordings count as the same one. Re-encodings of one
 * recording (wav, mp3, m4a, webm) measured 0.86-1.0, different recordings at most 0.70
 * (docs/voice-api.md).
 */
export const REPLAY_SIMILARITY_THRESHOLD = 0.8;

/**
 * The replay gate: fails when the same bytes or a near-identical recording were submitted
 * before for this wallet (the enrolment included). Earlier attempts with the same phrase are
 * retries of one answer, not replays, and are skipped.
 */
export function replayGate(
  current: { bytesSha256: string; fingerprint: Uint16Array },
  history: readonly VoiceFingerprintRecord[],
  phraseId: string | null,
): ReplayGate {
  let similarity = 0;
  let reason: ReplayGate['reason'] = null;
  let exactFound = false;
  for (const earlier of history) {
    if (phraseId !== null && earlier.phraseId === phraseId) continue;
    const exact = earlier.bytesSha256 === current.bytesSha256;
    const s = exact ? 1 : fingerprintSimilarity(current.fingerprint, earlier.fingerprint);
    if (s > similarity) similarity = s;
    // An exact copy explains the refusal best; otherwise the first (newest) near-identical one.
    if ((exact && !exactFound) || (reason === null && s >= REPLAY_SIMILARITY_THRESHOLD)) {
      exactFound ||= exact;
      reason =
        earlier.source === 'enroll'
          ? 'enrollment_recording'
          : exact
            ? 'same_recording'
            : 'near_identical_recording';
    }
  }
  return {
    passed: reason === null,
    reason,
    similarity: round(similarity, 3),
    threshold: REPLAY_SIMILARITY_THRESHOLD,
  };
}
