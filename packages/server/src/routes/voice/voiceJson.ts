import {
  formatTimestamp,
  type VerifyLogRecord,
  type VoiceEnrollment,
  type VoiceVerification,
} from '@keyra/core';
import type { Enrollment, VerifyLog, VerifyResult } from '@keyra/contract';
import { stampJson } from '../stamps/stampJson.js';

type StampAttester = Parameters<typeof stampJson>[1];

/** Each gate's measure against its threshold; null for a gate that did not run. */
function measuresJson(log: VerifyLogRecord): VerifyLog['measures'] {
  const measured = log.gateMeasures;
  return {
    phrase: measured?.phrase ?? null,
    speaker:
      log.speakerScore === null || log.speakerThreshold === null
        ? null
        : { score: log.speakerScore, threshold: log.speakerThreshold },
    replay: measured?.replay ?? null,
    quality: measured
      ? {
          ...measured.quality,
          bandwidth_hz: measured.quality.bandwidth_hz ?? null,
          snr_db: measured.quality.snr_db ?? null,
        }
      : null,
  };
}

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
    measures: measuresJson(log),
    latency_ms: Math.round(log.latencyMs),
    created_at: formatTimestamp(log.createdAt),
  };
}

/** An audio enrolment as the API shows it. */
export function enrollmentJson(enrollment: VoiceEnrollment): Enrollment {
  return {
    wallet: enrollment.wallet,
    enrolled: true,
    replaced: enrollment.replaced,
    method: 'voice',
    projection_id: enrollment.projectionId,
    params_version: enrollment.paramsVersion,
    quality: enrollment.quality,
    updated_at: formatTimestamp(enrollment.updatedAt),
  };
}

/** An audio verification as the API shows it: every gate, and the proof and stamp of a success. */
export function verificationJson(
  verification: VoiceVerification,
  attester: StampAttester,
): VerifyResult {
  return {
    id: verification.id,
    verified: verification.verified,
    wallet: verification.wallet,
    method: verification.method,
    phrase_id: verification.phraseId,
    gates: verification.gates,
    proof: verification.proof,
    stamp: verification.stamp ? stampJson(verification.stamp, attester) : null,
    latency_ms: Math.round(verification.latencyMs),
  };
}
