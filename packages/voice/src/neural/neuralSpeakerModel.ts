import type { Worker } from 'node:worker_threads';
import type { CohortStats, SpeakerModel, SpeakerThresholds } from '../speakerModel.js';
import type { NeuralWorkerJob, NeuralWorkerResult } from './neuralWorker.js';

/**
 * Version prefix of the neural back end's embeddings: the front end (`NEURAL_FRONT_END_SPEC`) and
 * the worker's pipeline. The full `paramsVersion` adds the first 12 hex digits of the model
 * file's SHA-256, so embeddings from another file never compare silently.
 */
export const NEURAL_PARAMS_VERSION = 'n1';

interface Pending {
  resolve(embedding: Float32Array): void;
  reject(error: Error): void;
}

/**
 * A WeSpeaker-style ONNX speaker model behind the `SpeakerModel` interface. Created by
 * `loadNeuralModel`; one worker thread holds the only onnxruntime session and runs the fbank
 * front end and the inference, so `embed` never blocks the event loop. Calls may overlap; the
 * worker runs them one at a time (onnxruntime itself uses several threads per run).
 */
export class NeuralSpeakerModel implements SpeakerModel {
  readonly kind = 'neural-wespeaker';
  readonly paramsVersion: string;
  readonly dimension: number;
  /** `null` unless the caller configured thresholds it measured itself: none were measured here. */
  readonly thresholds: SpeakerThresholds | null;
  /** SHA-256 (hex) of the loaded model file. */
  readonly sha256: string;
  readonly path: string;
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | null = null;

  /** @internal Use `loadNeuralModel`. */
  constructor(init: {
    worker: Worker;
    dimension: number;
    sha256: string;
    path: string;
    thresholds: SpeakerThresholds | null;
    onExit: () => void;
  }) {
    this.#worker = init.worker;
    this.dimension = init.dimension;
    this.sha256 = init.sha256;
    this.path = init.path;
    this.thresholds = init.thresholds;
    this.paramsVersion = `neural-wespeaker-${NEURAL_PARAMS_VERSION}-${init.sha256.slice(0, 12)}`;
    this.#worker.on('message', (message: NeuralWorkerResult) => {
      const job = this.#pending.get(message.id);
      if (!job) return;
      this.#settled(message.id);
      if (message.embedding) return job.resolve(message.embedding);
      const error =
        message.error?.name === 'RangeError'
          ? new RangeError(message.error.message)
          : new Error(message.error?.message ?? 'neural embedding failed');
      job.reject(error);
    });
    const fail = (error: Error): void => {
      this.#failure ??= error;
      for (const job of this.#pending.values()) job.reject(error);
      this.#pending.clear();
      init.onExit();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) =>
      fail(new Error(`the neural model worker exited (code ${code}); load the model again`)),
    );
    this.#worker.unref();
  }

  /**
   * Embeds 16 kHz mono audio in [-1, 1]: a unit-length `Float32Array` of `dimension` values.
   * Rejects with `RangeError` for audio shorter than one 25 ms frame.
   */
  embed(pcm16kMono: Float32Array): Promise<Float32Array> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (pcm16kMono.length < 400)
      return Promise.reject(new RangeError('audio is shorter than one 25 ms frame'));
    const id = this.#nextId++;
    return new Promise<Float32Array>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      if (this.#pending.size === 1) this.#worker.ref();
      // Copied, not transferred: the caller may still need the samples.
      this.#worker.postMessage({ id, pcm: pcm16kMono } satisfies NeuralWorkerJob);
    });
  }

  /** The neural back end has no score-normalisation cohort: always `null` (raw cosine). */
  cohortStats(embedding: Float32Array): CohortStats | null {
    if (embedding.length !== this.dimension)
      throw new RangeError('embedding is not from this model');
    return null;
  }

  /** Stops the worker; pending and later `embed` calls reject. */
  async close(): Promise<void> {
    this.#failure ??= new Error('the neural model is closed');
    await this.#worker.terminate();
  }

  #settled(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }
}
