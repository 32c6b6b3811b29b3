import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AudioError, type AudioErrorCode } from '../audio/audioError.js';
import { decodeAudio, type DecodeAudioOptions } from '../audio/decodeAudio.js';
import type { DecodedAudio } from '../audio/decodedAudio.js';
import { DEFAULT_MODEL_PATH, loadModel } from '../loadModel.js';
import type { SpeakerThresholds } from '../speakerModel.js';
import { analyzeRecordingSync, type RecordingAnalysis } from './analyzeRecording.js';

/** Options for {@link createVoiceAnalyzer}. */
export interface VoiceAnalyzerOptions {
  /** Model file (default: the committed classical model). */
  modelPath?: string;
  /** Worker threads (default: cores - 1, at least 1, at most 4). */
  threads?: number;
  /** Analyse on the calling thread instead (tools and tests with no event loop to protect). */
  inline?: boolean;
}

/**
 * An analysis under way. `pcm16k` resolves as soon as the recording is resampled, before the
 * embedding and the measures, so phrase recognition can run meanwhile; `result` resolves with
 * everything. When the analysis fails both reject with the same error (`pcm16k` alone may be left
 * unobserved: its rejection is never reported as unhandled).
 */
export interface AnalysisStages {
  pcm16k: Promise<Float32Array>;
  result: Promise<RecordingAnalysis>;
}

/**
 * Decoding, speaker embedding, quality measures and replay fingerprint of recordings, computed in
 * worker threads that each load the model once, so a request never blocks the event loop.
 */
export interface VoiceAnalyzer {
  readonly modelVersion: string;
  readonly dimension: number;
  readonly thresholds: SpeakerThresholds;
  /**
   * `decodeAudio` in a worker thread, so the WebAssembly decoders' memory (14-17 MB reserved per
   * decode, freed only by a garbage collection) and their CPU stay off the caller's event loop.
   * Rejects with the same `AudioError`s.
   */
  decode(bytes: Uint8Array, options?: DecodeAudioOptions): Promise<DecodedAudio>;
  /** Analyses one decoded recording (any rate and channel count). */
  analyze(decoded: DecodedAudio): Promise<RecordingAnalysis>;
  /** `analyze`, with the 16 kHz samples handed over as soon as they exist. */
  analyzeInStages(decoded: DecodedAudio): AnalysisStages;
  /** Terminates the workers; pending analyses reject. */
  close(): Promise<void>;
}

/** What settles an analysis's two promises. */
interface Settle {
  resampled(pcm16k: Float32Array): void;
  resolve(result: RecordingAnalysis): void;
  reject(error: Error): void;
}

/** What a worker posts about one job (see analysisWorker.ts). */
export interface WorkerReply {
  id: number;
  /** An analysis's 16 kHz samples, ahead of its result. */
  pcm16k?: Float32Array;
  result?: RecordingAnalysis;
  decoded?: DecodedAudio;
  error?: { name: string; message: string; code?: string };
}

/** A job in flight: `reply` handles each message and says whether it was the last. */
interface Job {
  reply(message: WorkerReply): boolean;
  reject(error: Error): void;
}

/** A worker's error as the caller would have seen it in process (decoders throw `AudioError`). */
function fromWorker(error: NonNullable<WorkerReply['error']>): Error {
  return error.name === 'AudioError' && error.code
    ? new AudioError(error.code as AudioErrorCode, error.message)
    : new Error(error.message || 'voice analysis failed');
}

/** The two promises of an analysis and what settles them. */
function stages(): { stages: AnalysisStages; settle: Settle } {
  let resampled!: (pcm16k: Float32Array) => void;
  let rejectPcm!: (error: Error) => void;
  let resolve!: (result: RecordingAnalysis) => void;
  let reject!: (error: Error) => void;
  const pcm16k = new Promise<Float32Array>((res, rej) => {
    resampled = res;
    rejectPcm = rej;
  });
  pcm16k.catch(() => undefined);
  const result = new Promise<RecordingAnalysis>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return {
    stages: { pcm16k, result },
    settle: {
      resampled,
      // Settling an already settled promise is a no-op: pcm16k keeps its first value.
      resolve: (analysis) => {
        resampled(analysis.pcm16k);
        resolve(analysis);
      },
      reject: (error) => {
        rejectPcm(error);
        reject(error);
      },
    },
  };
}

interface Slot {
  worker: Worker;
  pending: Map<number, Job>;
}

/** Finds the compiled worker: next to this module when running from `dist`, else in `dist`. */
function workerScript(): string | null {
  const here = new URL('./analysisWorker.js', import.meta.url);
  const candidates = [fileURLToPath(here)];
  const built = fileURLToPath(here).replace(/([\\/])src([\\/]analysis[\\/])/, '$1dist$2');
  candidates.push(built);
  return candidates.find((file) => existsSync(file)) ?? null;
}

/**
 * Loads the model and starts the worker pool. Throws (at boot) when the model file is invalid,
 * or when the compiled worker is missing (run `npm run build`).
 */
export async function createVoiceAnalyzer(
  options: VoiceAnalyzerOptions = {},
): Promise<VoiceAnalyzer> {
  const modelPath = options.modelPath ?? DEFAULT_MODEL_PATH;
  const model = await loadModel(modelPath);
  const base = {
    modelVersion: model.paramsVersion,
    dimension: model.dimension,
    thresholds: model.thresholds,
  };
  if (options.inline) {
    const analyzeInStages = (decoded: DecodedAudio): AnalysisStages => {
      const { stages: analysis, settle } = stages();
      queueMicrotask(() => {
        try {
          settle.resolve(analyzeRecordingSync(decoded, model, settle.resampled));
        } catch (error) {
          settle.reject(error as Error);
        }
      });
      return analysis;
    };
    return {
      ...base,
      decode: (bytes, decodeOptions) => decodeAudio(bytes, decodeOptions),
      analyze: (decoded) => analyzeInStages(decoded).result,
      analyzeInStages,
      close: () => Promise.resolve(),
    };
  }
  const script = workerScript();
  if (!script) throw new Error('the voice analysis worker is not built; run `npm run build` first');
  const count = options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];

  const spawn = (index: number): void => {
    const worker = new Worker(script, { workerData: { modelPath } });
    const slot: Slot = { worker, pending: new Map() };
    worker.unref();
    worker.on('message', (message: WorkerReply) => {
      const job = slot.pending.get(message.id);
      if (!job) return;
      if (message.error) {
        slot.pending.delete(message.id);
        job.reject(fromWorker(message.error));
      } else if (job.reply(message)) slot.pending.delete(message.id);
      if (slot.pending.size === 0) worker.unref();
    });
    const fail = (error: Error): void => {
      for (const job of slot.pending.values()) job.reject(error);
      slot.pending.clear();
      if (!closed && slots[index] === slot) spawn(index);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (!closed) fail(new Error(`voice analysis worker exited with code ${code}`));
    });
    slots[index] = slot;
  };
  for (let i = 0; i < count; i++) spawn(i);

  /** Sends a job to the least busy worker; false when the analyzer is closed. */
  const submit = (job: Job, message: Record<string, unknown>): boolean => {
    if (closed) return false;
    const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = nextId++;
    slot.pending.set(id, job);
    if (slot.pending.size === 1) slot.worker.ref();
    slot.worker.postMessage({ id, ...message });
    return true;
  };
  const closedError = (): Error => new Error('the voice analyzer is closed');

  const analyzeInStages = (decoded: DecodedAudio): AnalysisStages => {
    const { stages: analysis, settle } = stages();
    const job: Job = {
      reply(message) {
        if (message.pcm16k) {
          settle.resampled(message.pcm16k);
          return false;
        }
        settle.resolve(message.result!);
        return true;
      },
      reject: settle.reject,
    };
    // The samples are copied (not transferred): the caller may still need them.
    const sent = submit(job, {
      analyze: {
        samples: decoded.samples,
        sampleRate: decoded.sampleRate,
        channels: decoded.channels,
        durationSec: decoded.durationSec,
      },
    });
    if (!sent) settle.reject(closedError());
    return analysis;
  };

  return {
    ...base,
    decode: (bytes, decodeOptions = {}) =>
      new Promise<DecodedAudio>((resolve, reject) => {
        const job: Job = {
          reply(message) {
            resolve(message.decoded!);
            return true;
          },
          reject,
        };
        if (!submit(job, { decode: { bytes, options: decodeOptions } })) reject(closedError());
      }),
    analyze: (decoded) => analyzeInStages(decoded).result,
    analyzeInStages,
    async close() {
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
      for (const slot of slots) {
        for (const job of slot.pending.values()) job.reject(new Error('the voice analyzer closed'));
        slot.pending.clear();
      }
    },
  };
}
