import { createHash } from 'node:crypto';
import type { DecodedAudio } from '../audio/decodedAudio.js';
import { toMono16k } from '../audio/toMono16k.js';
import type { CohortStats, SpeakerModel } from '../speakerModel.js';
import { audioFingerprint } from './audioFingerprint.js';
import { measureQuality, type QualityMeasurements } from './measureQuality.js';

/** Everything the voice API derives from one decoded recording. */
export interface RecordingAnalysis {
  /** 16 kHz mono samples (for the phrase recognizer); kept in memory only. */
  pcm16k: Float32Array;
  embedding: Float32Array;
  cohort: CohortStats | null;
  quality: QualityMeasurements;
  fingerprint: Uint16Array;
  /** SHA-256 (hex) of the 16 kHz samples, for logs and tests; not used for matching. */
  pcmSha256: string;
}

/**
 * The synchronous core of the analysis, run inside a worker thread (or inline in tools).
 * `onResampled` is called with the 16 kHz samples as soon as they exist, before the embedding
 * and the measures, so a caller can start phrase recognition on them meanwhile; it must not
 * modify them.
 */
export function analyzeRecordingSync(
  decoded: DecodedAudio,
  model: SpeakerModel & { embedSync(pcm: Float32Array): Float32Array },
  onResampled?: (pcm16k: Float32Array) => void,
): RecordingAnalysis {
  const pcm16k = toMono16k(decoded);
  onResampled?.(pcm16k);
  const embedding = model.embedSync(pcm16k);
  return {
    pcm16k,
    embedding,
    cohort: model.cohortStats(embedding),
    quality: measureQuality(decoded, pcm16k),
    fingerprint: audioFingerprint(pcm16k),
    pcmSha256: createHash('sha256')
      .update(new Uint8Array(pcm16k.buffer, pcm16k.byteOffset, pcm16k.byteLength))
      .digest('hex'),
  };
}
