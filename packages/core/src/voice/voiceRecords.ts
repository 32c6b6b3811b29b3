import type { VerifyLogMeasures } from './voiceGates.js';
import type { Environment, EpochMs, Scope } from '../domain.js';

/** A one-time phrase: `POST /api/v1/phrase` issues it, a successful verify spends it. */
export interface VoicePhraseRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  wallet: string;
  prompt: string;
  createdAt: EpochMs;
  expiresAt: EpochMs;
  /** Set by the one verify that succeeded with it. */
  usedAt: EpochMs | null;
  /** Verifications started with it (failed gates and retries included). */
  attempts: number;
}

/**
 * A wallet's voice template: the speaker embedding after the salted projection selected by
 * `projectionId`, never the embedding itself, plus the two cohort numbers of the s-norm score.
 */
export interface VoiceTemplateRecord {
  tenantId: string;
  environment: Environment;
  wallet: string;
  projectionId: string;
  /** The API's `params_version` (`v1`). */
  paramsVersion: string;
  /** The speaker model's own version string, so a model change is detected. */
  modelVersion: string;
  template: Float32Array;
  cohortMean: number;
  cohortSd: number;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** The deprecated hash flow: a keyed hash of the enrolled `phrase_hash`, never the hash itself. */
export interface LegacyVoiceHashRecord {
  tenantId: string;
  environment: Environment;
  wallet: string;
  keyedHash: string;
  createdAt: EpochMs;
  updatedAt: EpochMs;
}

/** What the replay gate remembers of a recording: hashes and a coarse spectral fingerprint, no audio. */
export interface VoiceFingerprintRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  wallet: string;
  source: 'enroll' | 'verify';
  /** The phrase the recording was submitted with (verify only): retries of it are not replays. */
  phraseId: string | null;
  /** SHA-256 (hex) of the bytes as received. */
  bytesSha256: string;
  /** 16-bit sub-fingerprints per 32 ms frame (see `@keyra/voice` `audioFingerprint`). */
  fingerprint: Uint16Array;
  createdAt: EpochMs;
}

/** One gate's outcome as logged: pass/fail and, for the speaker gate, the numbers. */
export interface VerifyLogRecord {
  id: string;
  tenantId: string;
  environment: Environment;
  wallet: string;
  phraseId: string | null;
  /** `voice` for the audio flow, `legacy_hash` for the deprecated one. */
  method: 'voice' | 'legacy_hash';
  verified: boolean;
  /** The HTTP status answered, and the error code when it was not 200. */
  status: number;
  errorCode: string | null;
  phrasePassed: boolean | null;
  speakerPassed: boolean | null;
  speakerScore: number | null;
  speakerThreshold: number | null;
  replayPassed: boolean | null;
  qualityPassed: boolean | null;
  speechSec: number | null;
  audioSec: number | null;
  /**
   * What the phrase, replay and quality gates measured and the thresholds they were held to
   * (the speaker's are `speakerScore`/`speakerThreshold`); null when the gates did not run.
   */
  gateMeasures: VerifyLogMeasures | null;
  latencyMs: number;
  createdAt: EpochMs;
}

/** Filters of `GET /api/v1/verify_logs`, combined with AND. */
export interface VerifyLogFilter {
  wallet?: string;
  verified?: boolean;
  method?: VerifyLogRecord['method'];
  createdFrom?: EpochMs;
  createdTo?: EpochMs;
}

export interface VerifyLogCursor {
  createdAt: EpochMs;
  id: string;
}

/** Why `beginAttempt` refused a phrase. */
export type PhraseRefusal = 'missing' | 'expired' | 'used' | 'exhausted';

/** Storage of the voice API; every call is scoped to one tenant and environment. */
export interface VoiceStore {
  insertPhrase(phrase: VoicePhraseRecord): Promise<void>;
  /** Prompts issued to `wallet` since `since` (for "never the same prompt twice a day"). */
  recentPrompts(scope: Scope, wallet: string, since: EpochMs): Promise<string[]>;
  /**
   * Counts one verification attempt, in one conditional write: only a phrase of this wallet that
   * is unused, unexpired at `now` and under `maxAttempts` is counted. Returns the updated phrase,
   * or why it was refused.
   */
  beginAttempt(
    scope: Scope,
    id: string,
    wallet: string,
    now: EpochMs,
    maxAttempts: number,
  ): Promise<VoicePhraseRecord | PhraseRefusal>;
  /**
   * Spends a phrase: the single conditional UPDATE (unused and unexpired at `now`) that lets
   * exactly one verification succeed across any number of processes. False for everyone else.
   */
  consumePhrase(scope: Scope, id: string, now: EpochMs): Promise<boolean>;
  /** Create or replace the wallet's template. Returns true when one was replaced. */
  upsertTemplate(template: VoiceTemplateRecord): Promise<boolean>;
  findTemplate(scope: Scope, wallet: string): Promise<VoiceTemplateRecord | null>;
  upsertLegacyHash(record: LegacyVoiceHashRecord): Promise<boolean>;
  findLegacyHash(scope: Scope, wallet: string): Promise<LegacyVoiceHashRecord | null>;
  insertFingerprint(record: VoiceFingerprintRecord): Promise<void>;
  /** The wallet's most recent fingerprints, newest first. */
  recentFingerprints(
    scope: Scope,
    wallet: string,
    limit: number,
  ): Promise<VoiceFingerprintRecord[]>;
  insertVerifyLog(record: VerifyLogRecord): Promise<void>;
  /** Newest first (createdAt desc, id desc), at most `limit` rows after `after`. */
  listVerifyLogs(
    scope: Scope,
    filter: VerifyLogFilter,
    limit: number,
    after?: VerifyLogCursor,
  ): Promise<VerifyLogRecord[]>;
}
