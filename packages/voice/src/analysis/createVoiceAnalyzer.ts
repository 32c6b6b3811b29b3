import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
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
 * Speaker embedding, quality measures and replay fingerprint of recordings, computed in worker
 * threads that each load the model once, so a request never blocks the event loop.
 */
export interface VoiceAnalyzer {
  readonly modelVersion: string;
  readonly dimension: number;
  readonly thresholds: SpeakerThresholds;
  /** Analyses one decoded recording (any rate and channel count). */
  analyze(decoded: DecodedAudio): Promise<RecordingAnalysis>;
  /** `analyze`, with the 16 kHz samples handed over as soon as they exist. */
  analyzeInStages(decoded: DecodedAudio): AnalysisStages;
  /** Terminates the workers; pending analyses reject. */
  close(): Promise<void>;
}

interface Pending {
  resampled(pcm16k: Float32Array): void;
  resolve(result: RecordingAnalysis): void;
  reject(error: Error): void;
}

/** The two promises of an analysis and what settles them. */
function stages(): { stages: AnalysisStages; settle: Pending } {
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
  pending: Map<number, Pending>;
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
    worker.on(
      'message',
      (message: {
        id: number;
        pcm16k?: Float32Array;
        result?: RecordingAnalysis;
        error?: { message: string };
      }) => {
        const job = slot.pending.get(message.id);
        if (!job) return;
        if (message.pcm16k) return job.resampled(message.pcm16k);
        slot.pending.delete(message.id);
        if (message.result) job.resolve(message.result);
        else job.reject(new Error(message.error?.message ?? 'voice analysis failed'));
      },
    );
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

  const analyzeInStages = (decoded: DecodedAudio): AnalysisStages => {
    const { stages: analysis, settle } = stages();
    if (closed) {
      settle.reject(new Error('the voice analyzer is closed'));
      return analysis;
    }
    const slot = slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = nextId++;
    const done = (): void => {
      if (slot.pending.size === 0) slot.worker.unref();
    };
    slot.pending.set(id, {
      resampled: settle.resampled,
      resolve: (r) => {
        settle.resolve(r);
        done();
      },
      reject: (e) => {
        settle.reject(e);
        done();
      },
    });
    if (slot.pending.size === 1) slot.worker.ref();
    // The samples are copied (not transferred): the caller may still need them.
    slot.worker.postMessage({
      id,
      samples: decoded.samples,
      sampleRate: decoded.sampleRate,
      channels: decoded.channels,
      durationSec: decoded.durationSec,
    });
    return analysis;
  };

  return {
    ...base,
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
