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
} from './voiceRecords.js';
export {
  deriveProjection,
  encodeTemplate,
  decodeTemplate,
  type ProjectionContext,
  type VoiceProjection,
} from './projectEmbedding.js';
export { keyedLegacyHash, legacyHashesEqual } from './legacyHash.js';
export { findVoiceEnrollment, type VoiceEnrollmentSummary } from './findVoiceEnrollment.js';
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
  type VerifyLogMeasures,
} from './voiceGates.js';
export {
  listVerifyLogs,
  encodeVerifyLogCursor,
  decodeVerifyLogCursor,
  type VerifyLogPage,
} from './listVerifyLogs.js';
export { VOICE_PROOF_ACTION, voicePhraseDigest } from './voiceProof.js';
export type {
  AudioLoader,
  AudioSource,
  CohortStats,
  DecodedRecording,
  PhraseRecognition,
  Recording,
  SpeakerScore,
  SpeechAnalysis,
  SpeechAnalysing,
  SpeechEngine,
  SpeechModelInfo,
  Voiceprint,
} from './speechEngine.js';
export type { Logged, VerifyLogDeps } from './logVerifyAttempt.js';
export {
  enrollVoice,
  type EnrollVoiceDeps,
  type EnrollVoiceInput,
  type VoiceEnrollment,
} from './enrollVoice.js';
export {
  verifyVoice,
  type VerifyVoiceDeps,
  type VerifyVoiceInput,
  type VoiceVerification,
} from './verifyVoice.js';
export { fieldsBesideLegacy } from './refuseMixedLegacy.js';
export {
  enrollLegacyHash,
  type EnrollLegacyHashDeps,
  type EnrollLegacyHashInput,
} from './enrollLegacyHash.js';
export {
  verifyLegacyHash,
  type LegacyHashGates,
  type LegacyHashVerification,
  type VerifyLegacyHashDeps,
  type VerifyLegacyHashInput,
} from './verifyLegacyHash.js';
