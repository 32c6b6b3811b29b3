import {
  createPhraseRecognizer,
  generatePrompt,
  SpeechUnavailableError,
  type PhraseRecognition,
  type PhraseRecognizer,
  type SpeechOptions,
} from '@keyra/asr';
import { KeyraError, PARAMS_VERSIONS } from '@keyra/core';
import {
  createVoiceAnalyzer,
  loadNeuralModel,
  MODEL_SAMPLE_RATE,
  type AnalysisStages,
  type DecodedAudio,
  type SpeakerModel,
  type SpeakerThresholds,
  type VoiceAnalyzer,
} from '@keyra/voice';
import type { ServerConfig } from '../config.js';
import type { ResolveHost } from '../net/safeFetch.js';

/**
 * The speech machinery behind the voice routes: decoding (ffmpeg), the speaker model in worker
 * threads and the pocketsphinx recognizer. Each piece is loaded once, on first use, and shared.
 */
export interface VoiceEngine {
  /**
   * The active back end (loads the model): the `params_version` clients send (`v1` for the
   * classical model, the neural model's `paramsVersion`), the model version stored with
   * templates, the embedding length and the thresholds.
   */
  model(): Promise<{
    paramsVersion: string;
    version: string;
    dimension: number;
    thresholds: SpeakerThresholds;
  }>;
  decode(bytes: Uint8Array): Promise<DecodedAudio>;
  /**
   * Starts analysing a decoded recording: the 16 kHz samples resolve first (recognition can start
   * on them), the embedding and the measures when they are done (see `AnalysisStages`).
   */
  analyze(decoded: DecodedAudio): AnalysisStages;
  /** Throws `SPEECH_UNAVAILABLE` (502, with the apt command) when pocketsphinx is missing. */
  recognizer(): Promise<PhraseRecognizer>;
  recognize(pcm16k: Float32Array, promptLength: number): Promise<PhraseRecognition>;
  /** A new prompt avoiding `recent` ones. */
  generatePrompt(recent: readonly string[]): string;
  /** DNS seam of the audioUrl fetcher (tests fake it). */
  readonly resolveHost?: ResolveHost;
  close(): Promise<void>;
}

/**
 * A speaker embedder replacing the classical model's embedding (the neural back end). The
 * analyzer still measures quality and the replay fingerprint; embeddings from here carry no
 * cohort statistics, so the speaker gate compares the plain cosine with `threshold`.
 */
export interface VoiceEmbedder {
  readonly paramsVersion: string;
  readonly dimension: number;
  /** Cosine threshold (accept when score >= threshold). */
  readonly threshold: number;
  embed(pcm16kMono: Float32Array): Promise<Float32Array>;
  close?(): Promise<void>;
}

/** Wraps a loaded `SpeakerModel` (e.g. from `loadNeuralModel`) with the operator's threshold. */
export function modelEmbedder(
  model: Pick<SpeakerModel, 'paramsVersion' | 'dimension' | 'embed'> & { close?(): Promise<void> },
  threshold: number,
): VoiceEmbedder {
  return {
    paramsVersion: model.paramsVersion,
    dimension: model.dimension,
    threshold,
    embed: (pcm) => model.embed(pcm),
    ...(model.close ? { close: () => model.close!() } : {}),
  };
}

export interface VoiceEngineOptions {
  modelPath?: string;
  /** Embeds with this instead of the classical model (closed with the engine). */
  embedder?: VoiceEmbedder;
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
  let embedderClosed = false;

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
      const embedder = options.embedder;
      if (embedder) {
        const t = embedder.threshold;
        return {
          paramsVersion: embedder.paramsVersion,
          version: embedder.paramsVersion,
          dimension: embedder.dimension,
          thresholds: {
            eer: t,
            recommended: t,
            rawEer: t,
            rawRecommended: t,
            basis: 'KEYRA_NEURAL_SPEAKER_THRESHOLD (measured by the operator)',
          },
        };
      }
      const a = await getAnalyzer();
      return {
        paramsVersion: PARAMS_VERSIONS[0],
        version: a.modelVersion,
        dimension: a.dimension,
        thresholds: a.thresholds,
      };
    },
    async decode(bytes) {
      // In the analysis worker: the WebAssembly decoders' memory and CPU stay off the event loop.
      return (await getAnalyzer()).decode(bytes, {
        ...(options.ffmpegPath ? { ffmpegPath: options.ffmpegPath } : {}),
        timeoutMs: 10_000,
        maxDurationSec: 60,
        // Opus straight at the model's rate: no 48 kHz decode and no resampling on the way.
        opusSampleRate: MODEL_SAMPLE_RATE,
      });
    },
    analyze(decoded) {
      const started = getAnalyzer().then((a) => a.analyzeInStages(decoded));
      const pcm16k = started.then((s) => s.pcm16k);
      pcm16k.catch(() => undefined);
      const embedder = options.embedder;
      if (!embedder) return { pcm16k, result: started.then((s) => s.result) };
      // The neural embedding starts on the resampled audio, beside the classical analysis.
      const embedding = pcm16k.then((pcm) => embedder.embed(pcm));
      const result = Promise.all([started.then((s) => s.result), embedding]).then(
        ([analysis, neural]) => ({ ...analysis, embedding: neural, cohort: null }),
      );
      return { pcm16k, result };
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
      const pending: (Promise<{ close(): Promise<void> }> | null)[] = [analyzer, recognizer];
      analyzer = null;
      recognizer = null;
      const embedder = options.embedder;
      if (embedder?.close && !embedderClosed) {
        embedderClosed = true;
        pending.push(Promise.resolve({ close: () => embedder.close!() }));
      }
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

/**
 * The engine of `KEYRA_VOICE_BACKEND`: the neural model is loaded (hash-checked) here, at boot,
 * so a missing, unpinned or mismatched file fails the start with `NeuralModelError`'s message.
 */
export async function createConfiguredVoiceEngine(config: ServerConfig): Promise<VoiceEngine> {
  const voice = config.voice;
  if (voice.backend !== 'neural') return createVoiceEngine();
  const model = await loadNeuralModel(voice.modelPath, { sha256: voice.modelSha256 });
  return createVoiceEngine({ embedder: modelEmbedder(model, voice.speakerThreshold) });
}
