import {
  createPhraseRecognizer,
  generatePrompt,
  SpeechUnavailableError,
  type PhraseRecognition,
  type PhraseRecognizer,
  type SpeechOptions,
} from '@keyra/asr';
import { KeyraError } from '@keyra/core';
import {
  createVoiceAnalyzer,
  decodeAudio,
  type DecodedAudio,
  type RecordingAnalysis,
  type SpeakerThresholds,
  type VoiceAnalyzer,
} from '@keyra/voice';
import type { ResolveHost } from '../../net/safeFetch.js';

/**
 * The speech machinery behind the voice routes: decoding (ffmpeg), the speaker model in worker
 * threads and the pocketsphinx recognizer. Each piece is loaded once, on first use, and shared.
 */
export interface VoiceEngine {
  /** The model's version string and thresholds (loads the model). */
  model(): Promise<{ version: string; dimension: number; thresholds: SpeakerThresholds }>;
  decode(bytes: Uint8Array): Promise<DecodedAudio>;
  analyze(decoded: DecodedAudio): Promise<RecordingAnalysis>;
  /** Throws `SPEECH_UNAVAILABLE` (502, with the apt command) when pocketsphinx is missing. */
  recognizer(): Promise<PhraseRecognizer>;
  recognize(pcm16k: Float32Array, promptLength: number): Promise<PhraseRecognition>;
  /** A new prompt avoiding `recent` ones. */
  generatePrompt(recent: readonly string[]): string;
  /** DNS seam of the audioUrl fetcher (tests fake it). */
  readonly resolveHost?: ResolveHost;
  close(): Promise<void>;
}

export interface VoiceEngineOptions {
  modelPath?: string;
  /** Analysis worker threads (default: cores - 1). */
  threads?: number;
  /** Analyse on the event loop (tools only). */
  inline?: boolean;
  speech?: SpeechOptions;
  /** ffmpeg executable (default `$KEYRA_FFMPEG` or `ffmpeg`). */
  ffmpegPath?: string;
  resolveHost?: ResolveHost;
}

/** Retry loading pocketsphinx after a failure no sooner than this (it may get installed). */
const RETRY_UNAVAILABLE_MS = 30_000;

export function createVoiceEngine(options: VoiceEngineOptions = {}): VoiceEngine {
  let analyzer: Promise<VoiceAnalyzer> | null = null;
  let recognizer: Promise<PhraseRecognizer> | null = null;
  let recognizerFailedAt = 0;

  const getAnalyzer = (): Promise<VoiceAnalyzer> => {
    analyzer ??= createVoiceAnalyzer({
      ...(options.modelPath ? { modelPath: options.modelPath } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      ...(options.inline ? { inline: true } : {}),
    });
    return analyzer;
  };

  const getRecognizer = (): Promise<PhraseRecognizer> => {
    if (
      recognizer === null ||
      (recognizerFailedAt > 0 && Date.now() - recognizerFailedAt > RETRY_UNAVAILABLE_MS)
    ) {
      recognizerFailedAt = 0;
      recognizer = createPhraseRecognizer({ ...options.speech }).catch((error: unknown) => {
        recognizerFailedAt = Date.now();
        if (error instanceof SpeechUnavailableError) {
          throw new KeyraError(
            'SPEECH_UNAVAILABLE',
            `Phrase recognition is not installed on this server: ${error.problems.join('; ')}. Install it with: ${error.installCommand}`,
            { cause: error },
          );
        }
        throw new KeyraError('SPEECH_PROCESSING_FAILED', 'The phrase recognizer could not start.', {
          cause: error,
        });
      });
    }
    return recognizer;
  };

  return {
    async model() {
      const a = await getAnalyzer();
      return { version: a.modelVersion, dimension: a.dimension, thresholds: a.thresholds };
    },
    decode(bytes) {
      return decodeAudio(bytes, {
        ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
        timeoutMs: 10_000,
        maxDurationSec: 60,
      });
    },
    async analyze(decoded) {
      return (await getAnalyzer()).analyze(decoded);
    },
    recognizer: getRecognizer,
    async recognize(pcm16k, promptLength) {
      const r = await getRecognizer();
      try {
        const length = promptLength as 4 | 5 | 6;
        return await r.recognize(pcm16k, [4, 5, 6].includes(promptLength) ? { length } : {});
      } catch (cause) {
        throw new KeyraError('SPEECH_PROCESSING_FAILED', 'Phrase recognition failed; retry.', {
          cause,
        });
      }
    },
    generatePrompt(recent) {
      return generatePrompt({ avoid: recent }).text;
    },
    ...(options.resolveHost ? { resolveHost: options.resolveHost } : {}),
    async close() {
      const pending = [analyzer, recognizer];
      analyzer = null;
      recognizer = null;
      await Promise.all(
        pending.map(async (p) => {
          if (!p) return;
          try {
            await (await p).close();
          } catch {
            // A piece that never loaded has nothing to close.
          }
        }),
      );
    },
  };
}
