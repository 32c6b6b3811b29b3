import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SpeakerThresholds } from '../speakerModel.js';
import type { FbankWindow } from './computeFbank.js';
import { NeuralModelError } from './neuralModelError.js';
import { NeuralSpeakerModel } from './neuralSpeakerModel.js';
import type { NeuralWorkerFailed, NeuralWorkerReady } from './neuralWorker.js';

/** Where the supported model is published (sherpa-onnx's release; the tag's spelling is theirs). */
export const NEURAL_MODEL_RELEASE_URL =
  'https://github.com/k2-fsa/sherpa-onnx/releases/tag/speaker-recongition-models';
/** The file to download from that release. */
export const NEURAL_MODEL_FILE = 'wespeaker_en_voxceleb_resnet34_LM.onnx';
export const NEURAL_MODEL_DOWNLOAD_URL = `https://github.com/k2-fsa/sherpa-onnx/releases/download/speaker-recongition-models/${NEURAL_MODEL_FILE}`;
/** Environment variables read when the arguments are not given. */
export const NEURAL_MODEL_PATH_ENV = 'KEYRA_NEURAL_MODEL_PATH';
export const NEURAL_MODEL_SHA256_ENV = 'KEYRA_NEURAL_MODEL_SHA256';

/** Options for {@link loadNeuralModel}. */
export interface LoadNeuralModelOptions {
  /**
   * Expected SHA-256 (64 hex digits) of the model file; default `$KEYRA_NEURAL_MODEL_SHA256`.
   * Required: loading refuses a file whose hash is not pinned or does not match.
   */
  sha256?: string;
  /**
   * Operating points the caller measured for this model on its own data. Without them the model's
   * `thresholds` is `null` and it must not be used to verify voices.
   */
  thresholds?: SpeakerThresholds;
  /** Fbank window (default `hamming`, as WeSpeaker trains; sherpa-onnx uses `povey`). */
  window?: FbankWindow;
  /** onnxruntime intra-op threads per inference (default: onnxruntime's, one per core). */
  intraOpNumThreads?: number;
  /** Environment to read the defaults from (default `process.env`). */
  env?: Record<string, string | undefined>;
}

function missingMessage(detail: string): string {
  return [
    `${detail}.`,
    `The optional neural speaker back end needs WeSpeaker ResNet34-LM (CC BY 4.0), file ${NEURAL_MODEL_FILE} from ${NEURAL_MODEL_RELEASE_URL}.`,
    `Download it (on a firewalled machine: fetch ${NEURAL_MODEL_DOWNLOAD_URL} elsewhere and copy the file over),`,
    `compute its SHA-256 with \`sha256sum ${NEURAL_MODEL_FILE}\`, then set ${NEURAL_MODEL_PATH_ENV}=/path/to/${NEURAL_MODEL_FILE}`,
    `and ${NEURAL_MODEL_SHA256_ENV}=<that hash>. See docs/voice-model.md, "Neural back end (optional)".`,
  ].join(' ');
}

/** Finds the compiled worker: next to this module when running from `dist`, else in `dist`. */
function workerScript(): string | null {
  const here = fileURLToPath(new URL('./neuralWorker.js', import.meta.url));
  const built = here.replace(/([\\/])src([\\/]neural[\\/])/, '$1dist$2');
  return [here, built].find((file) => existsSync(file)) ?? null;
}

const cache = new Map<string, Promise<NeuralSpeakerModel>>();

/**
 * Loads a WeSpeaker-style ONNX speaker model (input float32 `[1, T, 80]` fbank, output float32
 * `[1, D]` embedding) once per path, hash and options, and returns the shared instance.
 *
 * The file is read once, its SHA-256 compared with the pinned one, and exactly those bytes are
 * handed to one worker thread that creates the only onnxruntime session. Throws
 * `NeuralModelError` (at boot): `NEURAL_MODEL_MISSING` (the message names the download URL and
 * `KEYRA_NEURAL_MODEL_PATH`), `NEURAL_MODEL_NOT_PINNED`, `NEURAL_MODEL_HASH_MISMATCH`,
 * `NEURAL_MODEL_INVALID`.
 */
export function loadNeuralModel(
  path?: string,
  options: LoadNeuralModelOptions = {},
): Promise<NeuralSpeakerModel> {
  const env = options.env ?? process.env;
  const file = path ?? env[NEURAL_MODEL_PATH_ENV];
  const expected = (options.sha256 ?? env[NEURAL_MODEL_SHA256_ENV])?.trim().toLowerCase();
  const key = JSON.stringify([
    file && resolve(file),
    expected,
    options.window,
    options.intraOpNumThreads,
    options.thresholds,
  ]);
  let model = cache.get(key);
  if (!model) {
    model = open(file, expected, options, () => cache.delete(key));
    model.catch(() => cache.delete(key));
    cache.set(key, model);
  }
  return model;
}

async function open(
  file: string | undefined,
  expected: string | undefined,
  options: LoadNeuralModelOptions,
  onExit: () => void,
): Promise<NeuralSpeakerModel> {
  if (!file)
    throw new NeuralModelError(
      'NEURAL_MODEL_MISSING',
      missingMessage(`No neural model path given and ${NEURAL_MODEL_PATH_ENV} is not set`),
    );
  const path = resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new NeuralModelError(
        'NEURAL_MODEL_MISSING',
        missingMessage(`Neural speaker model not found at ${path}`),
        { cause: error },
      );
    throw error;
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (!expected || !/^[0-9a-f]{64}$/.test(expected))
    throw new NeuralModelError(
      'NEURAL_MODEL_NOT_PINNED',
      `${expected ? `${NEURAL_MODEL_SHA256_ENV} is not 64 hex digits` : 'No SHA-256 pinned for the neural model'}: ` +
        `check the file you downloaded (its SHA-256 is ${actual}) against a copy you trust, then pass it as ` +
        `the sha256 option or set ${NEURAL_MODEL_SHA256_ENV}.`,
    );
  if (actual !== expected)
    throw new NeuralModelError(
      'NEURAL_MODEL_HASH_MISMATCH',
      `Neural speaker model ${path} has SHA-256 ${actual}, expected ${expected}: refusing to load it ` +
        `(corrupt or replaced file, or a different release). Download ${NEURAL_MODEL_DOWNLOAD_URL} again.`,
    );

  const script = workerScript();
  if (!script) throw new Error('the neural model worker is not built; run `npm run build` first');
  // Transfer (not copy) exactly the bytes that were hashed.
  const model =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? new Uint8Array(bytes.buffer)
      : new Uint8Array(bytes);
  const worker = new Worker(script, {
    workerData: {
      model,
      window: options.window ?? 'hamming',
      intraOpNumThreads: options.intraOpNumThreads,
    },
    transferList: [model.buffer as ArrayBuffer],
  });
  const ready = await new Promise<NeuralWorkerReady>((resolveReady, reject) => {
    const onMessage = (message: NeuralWorkerReady | NeuralWorkerFailed): void => {
      cleanup();
      if (message.type === 'ready') resolveReady(message);
      else
        reject(
          new NeuralModelError(
            'NEURAL_MODEL_INVALID',
            `onnxruntime could not use ${path} as a speaker model: ${message.message}`,
          ),
        );
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExitEarly = (code: number): void => {
      cleanup();
      reject(new Error(`the neural model worker exited (code ${code}) before the model loaded`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExitEarly);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExitEarly);
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  return new NeuralSpeakerModel({
    worker,
    dimension: ready.dimension,
    sha256: actual,
    path,
    thresholds: options.thresholds ?? null,
    onExit,
  });
}
