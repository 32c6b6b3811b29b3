export {
  PHRASE_VOCABULARY,
  PROMPT_LENGTHS,
  type PhraseVocabulary,
  type PromptLength,
} from './phraseVocabulary.js';
export { generatePrompt, type GeneratePromptOptions, type PhrasePrompt } from './generatePrompt.js';
export type { RandomBytes } from './randomBytes.js';
export { buildGrammar, type BuildGrammarOptions } from './buildGrammar.js';
export { checkPhrase, requiredMatches, type PhraseCheck } from './checkPhrase.js';
export {
  createPhraseRecognizer,
  type PhraseRecognizer,
  type PhraseRecognizerOptions,
  type PhraseRecognition,
  type RecognizeOptions,
} from './createPhraseRecognizer.js';
export { diagnoseSpeech, type SpeechDiagnosis } from './diagnoseSpeech.js';
export type { SpeechOptions } from './speechOptions.js';
export {
  SpeechUnavailableError,
  SPEECH_INSTALL_COMMAND,
  SPEECH_PACKAGES,
} from './speechUnavailableError.js';
