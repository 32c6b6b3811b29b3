export { AudioError, type AudioErrorCode } from './audio/audioError.js';
export type { DecodedAudio } from './audio/decodedAudio.js';
export { detectContainer, type AudioContainer } from './audio/detectContainer.js';
export { decodeWav } from './audio/decodeWav.js';
export {
  decodeAudio,
  FFMPEG_INSTALL_HINT,
  type DecodeAudioOptions,
  type OpusSampleRate,
} from './audio/decodeAudio.js';
export { toMono16k, resample, MODEL_SAMPLE_RATE } from './audio/toMono16k.js';
export { FRONT_END_SPEC } from './features/frontEnd.js';
export type { SpeakerModel, SpeakerThresholds, CohortStats } from './speakerModel.js';
export { extractEmbedding } from './extractEmbedding.js';
export { scoreEmbeddings, type ScoreNormalization } from './scoreEmbeddings.js';
export { loadModel, parseModel, DEFAULT_MODEL_PATH } from './loadModel.js';
export { ClassicalSpeakerModel } from './model/classicalSpeakerModel.js';
export type { ModelFile } from './model/modelFile.js';
export type { ClassicalConfig, TrainProgress } from './model/trainClassical.js';
export {
  trainModel,
  serializeModel,
  type TrainModelOptions,
  type TrainedModel,
} from './trainModel.js';
export {
  evaluateEer,
  computeEer,
  thresholdAtFar,
  type EerResult,
  type EerItem,
} from './evaluateEer.js';
export {
  evaluateFolder,
  type EvaluateFolderOptions,
  type FolderEvaluation,
} from './evaluateFolder.js';
export {
  applyChannelChain,
  applyChannelChainBatch,
  parseChannelChain,
  CHANNEL_CHAIN_SYNTAX,
  type ChainStep,
  type CodecName,
} from './channel/applyChannelChain.js';
export { simulateChannel, type ChannelStep } from './channel/simulateChannel.js';
export { audioFingerprint } from './analysis/audioFingerprint.js';
export { measureQuality, type QualityMeasurements } from './analysis/measureQuality.js';
export { analyzeRecordingSync, type RecordingAnalysis } from './analysis/analyzeRecording.js';
export {
  type AnalysisStages,
  createVoiceAnalyzer,
  type VoiceAnalyzer,
  type VoiceAnalyzerOptions,
} from './analysis/createVoiceAnalyzer.js';
export {
  computeFbank,
  NEURAL_FRONT_END_SPEC,
  type ComputeFbankOptions,
  type Fbank,
  type FbankWindow,
} from './neural/computeFbank.js';
export { NeuralModelError, type NeuralModelErrorCode } from './neural/neuralModelError.js';
export { NeuralSpeakerModel, NEURAL_PARAMS_VERSION } from './neural/neuralSpeakerModel.js';
export {
  loadNeuralModel,
  NEURAL_MODEL_RELEASE_URL,
  NEURAL_MODEL_DOWNLOAD_URL,
  NEURAL_MODEL_FILE,
  NEURAL_MODEL_PATH_ENV,
  NEURAL_MODEL_SHA256_ENV,
  type LoadNeuralModelOptions,
} from './neural/loadNeuralModel.js';
