import { formatTimestamp, type VerifyLogRecord } from '@keyra/core';
import type { VerifyLog } from '@keyra/contract';

/** A verify-log row as the API shows it: ids, gate outcomes and numbers, nothing heard or said. */
export function verifyLogJson(log: VerifyLogRecord): VerifyLog {
  return {
    id: log.id,
    wallet: log.wallet,
    phrase_id: log.phraseId,
    method: log.method,
    verified: log.verified,
    status: log.status,
    error_code: log.errorCode,
    gates: {
      phrase: log.phrasePassed,
      speaker: log.speakerPassed,
      replay: log.replayPassed,
      quality: log.qualityPassed,
    },
    speaker_score: log.speakerScore,
    speaker_threshold: log.speakerThreshold,
    speech_seconds: log.speechSec,
    audio_seconds: log.audioSec,
    latency_ms: Math.round(log.latencyMs),
    created_at: formatTimestamp(log.createdAt),
  };
}
