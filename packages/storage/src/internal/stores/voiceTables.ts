import type { Environment } from '@keyra/core';

// Row shapes of the voice tables (migration 0003_voice). Booleans are 0/1 integers on both
// dialects; vectors are base64 text.

export interface VoicePhrasesTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  wallet: string;
  prompt: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  attempts: number;
}

export interface VoiceTemplatesTable {
  tenant_id: string;
  environment: Environment;
  wallet: string;
  projection_id: string;
  params_version: string;
  model_version: string;
  template: string;
  cohort_mean: number;
  cohort_sd: number;
  created_at: number;
  updated_at: number;
}

export interface VoiceLegacyHashesTable {
  tenant_id: string;
  environment: Environment;
  wallet: string;
  keyed_hash: string;
  created_at: number;
  updated_at: number;
}

export interface VoiceFingerprintsTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  wallet: string;
  source: 'enroll' | 'verify';
  phrase_id: string | null;
  bytes_sha256: string;
  fingerprint: string;
  created_at: number;
}

export interface VerifyLogsTable {
  id: string;
  tenant_id: string;
  environment: Environment;
  wallet: string;
  phrase_id: string | null;
  method: 'voice' | 'legacy_hash';
  verified: number;
  status: number;
  error_code: string | null;
  phrase_passed: number | null;
  speaker_passed: number | null;
  speaker_score: number | null;
  speaker_threshold: number | null;
  replay_passed: number | null;
  quality_passed: number | null;
  speech_sec: number | null;
  audio_sec: number | null;
  /** JSON of `VerifyLogMeasures` (migration 0015_console_c). */
  gate_measures: string | null;
  latency_ms: number;
  created_at: number;
}

/** The voice tables, merged into the `Database` type in schema.ts. */
export interface VoiceTables {
  voice_phrases: VoicePhrasesTable;
  voice_templates: VoiceTemplatesTable;
  voice_legacy_hashes: VoiceLegacyHashesTable;
  voice_fingerprints: VoiceFingerprintsTable;
  verify_logs: VerifyLogsTable;
}
