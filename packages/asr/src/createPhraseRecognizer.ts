import { performance } from 'node:perf_hooks';
import { buildGrammar } from './buildGrammar.js';
import { PhraseDecoder } from './internal/phraseDecoder.js';
import { LibraryLoadError, loadPocketsphinx } from './internal/pocketsphinxLibrary.js';
import { speechPaths } from './internal/speechPaths.js';
import { checkSpeechFiles } from './internal/checkSpeechFiles.js';
import { toInt16 } from './internal/toInt16.js';
import { toTokens } from './internal/tokens.js';
import {
  PHRASE_VOCABULARY,
  PROMPT_LENGTHS,
  type PhraseVocabulary,
  type PromptLength,
} from './phraseVocabulary.js';
import type { SpeechOptions } from './speechOptions.js';
import { SpeechUnavailableError } from './speechUnavailableError.js';

/** Options for `createPhraseRecognizer`. */
export interface PhraseRecognizerOptions extends SpeechOptions {
  /** Decoders, each able to run one utterance at a time (default 1, at most 4). */
  decoders?: number;
  /** Word list for the grammar; must be the one prompts are generated from. */
  vocabulary?: PhraseVocabulary;
  /** Longest audio accepted, in seconds (default 30); longer input throws `RangeError`. */
  maxSeconds?: number;
}

/** Options for one `recognize` call. */
export interface RecognizeOptions {
  /**
   * Tokens in the prompt being answered. The grammar then admits exactly that many, so the words
   * line up with the prompt's positions. Without it, any prompt length (4 to 6) is admitted.
   */
  length?: PromptLength;
}

/** What the recognizer heard in one recording. */
export interface PhraseRecognition {
  /** Lower-case words of the best grammar path; empty when nothing fitted the grammar. */
  heard: string[];
  /** `heard` joined by spaces. */
  text: string;
  /** Path score of the hypothesis (log domain); useful for logs, not for decisions. */
  score: number;
  /** Seconds of audio decoded. */
  audioSeconds: number;
  /** Wall time spent decoding, including waiting for a busy decoder. */
  decodeMs: number;
}

/** A pool of loaded pocketsphinx decoders. */
export interface PhraseRecognizer {
  /**
   * Decodes one utterance of 16 kHz mono PCM (Int16 samples, or floats in [-1, 1]) against the
   * phrase grammar. The search runs on libuv's thread pool, never on the event loop; calls beyond
   * the number of decoders wait their turn. Pass the result to `checkPhrase` with the prompt.
   */
  recognize(
    pcm16k: Int16Array | Float32Array,
    options?: RecognizeOptions,
  ): Promise<PhraseRecognition>;
  /** Lets running utterances finish, then frees the decoders. */
  close(): Promise<void>;
}

const SAMPLE_RATE = 16_000;

/**
 * Loads pocketsphinx (the Debian `libpocketsphinx3`, `libsphinxbase3` and `pocketsphinx-en-us`
 * packages) in process through koffi, and prepares `decoders` decoders, each with the phrase
 * grammar for 4, 5 and 6 tokens. Do this once at boot: a decoder takes ~0.1 s and ~20 MB to load,
 * a recognition then takes tens of milliseconds and starts no process.
 *
 * Rejects with `SpeechUnavailableError` (naming the apt command) when a library, the acoustic
 * model or the dictionary is missing, and with `RangeError` for bad options.
 */
export async function createPhraseRecognizer(
  options: PhraseRecognizerOptions = {},
): Promise<PhraseRecognizer> {
  const count = options.decoders ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 4) {
    throw new RangeError('decoders must be an integer from 1 to 4');
  }
  const maxSeconds = options.maxSeconds ?? 30;
  if (!(maxSeconds > 0)) throw new RangeError('maxSeconds must be positive');
  const vocabulary = options.vocabulary ?? PHRASE_VOCABULARY;
  const grammars = new Map<string, string>([['any', buildGrammar({ length: 'any', vocabulary })]]);
  for (const length of PROMPT_LENGTHS)
    grammars.set(`n${length}`, buildGrammar({ length, vocabulary }));

  const paths = speechPaths(options);
  const missingFiles = await checkSpeechFiles(paths);
  let library;
  try {
    library = await loadPocketsphinx(paths);
  } catch (error) {
    if (!(error instanceof LibraryLoadError)) throw error;
    throw new SpeechUnavailableError(
      [...error.problems, ...missingFiles.map((f) => f.problem)],
      [...new Set([...error.packages, ...missingFiles.map((f) => f.package)])],
      { cause: error },
    );
  }
  if (missingFiles.length > 0) {
    throw new SpeechUnavailableError(
      missingFiles.map((f) => f.problem),
      [...new Set(missingFiles.map((f) => f.package))],
    );
  }

  // One at a time: model loading is memory-bound, and it keeps native initialisation serial.
  const decoders: PhraseDecoder[] = [];
  try {
    for (let i = 0; i < count; i++)
      decoders.push(await PhraseDecoder.open(library, paths, grammars));
  } catch (error) {
    await Promise.all(decoders.map((decoder) => decoder.close()));
    throw error;
  }

  let closed = false;
  return {
    async recognize(pcm16k, recognizeOptions = {}) {
      if (closed) throw new Error('the phrase recognizer is closed');
      const length = recognizeOptions.length;
      if (length !== undefined && !(PROMPT_LENGTHS as readonly number[]).includes(length)) {
        throw new RangeError(`length must be one of ${PROMPT_LENGTHS.join(', ')}`);
      }
      const audioSeconds = pcm16k.length / SAMPLE_RATE;
      if (audioSeconds > maxSeconds) {
        throw new RangeError(`audio is longer than ${maxSeconds} s`);
      }
      const started = performance.now();
      if (pcm16k.length === 0) {
        return { heard: [], text: '', score: 0, audioSeconds, decodeMs: 0 };
      }
      const decoder = decoders.reduce((best, d) => (d.load < best.load ? d : best));
      const result = await decoder.decode(toInt16(pcm16k), length ? `n${length}` : 'any');
      const heard = result.text === null ? [] : toTokens(result.text);
      return {
        heard,
        text: heard.join(' '),
        score: result.score,
        audioSeconds,
        decodeMs: performance.now() - started,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(decoders.map((decoder) => decoder.close()));
    },
  };
}
