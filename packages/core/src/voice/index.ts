// The voice (Keywave) domain: limits, phrases, templates, gates. Re-exported by the core index.
export { VOICE_LIMITS, QUALITY_THRESHOLDS, PARAMS_VERSIONS, type ParamsVersion } from './limits.js';
export type {
  VoicePhraseRecord,
  VoiceTemplateRecord,
  LegacyVoiceHashRecord,
  VoiceFingerprintRecord,
  VerifyLogRecord,
  VerifyLogFilter,
  VerifyLogCursor,
  PhraseRefusal,
  VoiceStore,
} from './VoiceRecords.js';
export {
  deriveProjection,
  encodeTemplate,
  decodeTemplate,
  type ProjectionContext,
  type VoiceProjection,
} from './projectEmbedding.js';
export { keyedLegacyHash, legacyHashesEqual } from './legacyHash.js';
export {
  issuePhrase,
  beginPhraseAttempt,
  newPhraseId,
  PHRASE_ID_PATTERN,
  type IssuePhraseDeps,
} from './issuePhrase.js';
export { fingerprintSimilarity } from './fingerprintSimilarity.js';
export {
  qualityGate,
  speakerGate,
  replayGate,
  REPLAY_SIMILARITY_THRESHOLD,
  type PhraseGate,
  type SpeakerGate,
  type ReplayGate,
  type QualityGate,
  type QualityMeasures,
  type VoiceGates,
} from './voiceGates.js';
export {
  listVerifyLogs,
  encodeVerifyLogCursor,
  decodeVerifyLogCursor,
  type VerifyLogPage,
} from './listVerifyLogs.js';
