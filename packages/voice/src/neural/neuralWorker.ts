// Worker-thread entry of the neural back end: creates the one onnxruntime session from the
// verified model bytes, then computes fbank features and runs inference off the main event loop.
// onnxruntime-node's `session.run` is synchronous native code behind a `setImmediate`, so on the
// main thread it would block the event loop for the whole inference.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { computeFbank, type FbankWindow } from './computeFbank.js';

interface NeuralWorkerData {
  model: Uint8Array;
  window: FbankWindow;
  intraOpNumThreads?: number;
}

/** Message from the worker once the session exists (or could not be created). */
export interface NeuralWorkerReady {
  type: 'ready';
  inputName: string;
  outputName: string;
  dimension: number;
}

export interface NeuralWorkerFailed {
  type: 'failed';
  message: string;
}

export interface NeuralWorkerJob {
  id: number;
  pcm: Float32Array;
}

export interface NeuralWorkerResult {
  id: number;
  embedding?: Float32Array;
  error?: { name: string; message: string };
}

const port = parentPort;
if (!port) throw new Error('neuralWorker must run in a worker thread');
const data = workerData as NeuralWorkerData;
const FEATURE_DIM = 80;

function lastDim(shape: ReadonlyArray<number | string> | undefined): number | null {
  const d = shape?.[shape.length - 1];
  return typeof d === 'number' && d > 0 ? d : null;
}

function unitLength(raw: Float32Array): Float32Array {
  let norm = 0;
  for (const v of raw) norm += v * v;
  norm = Math.sqrt(norm);
  if (!Number.isFinite(norm) || norm === 0)
    throw new RangeError('the neural model produced a zero or non-finite embedding');
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw[i]! / norm;
  return out;
}

async function open(): Promise<{ session: ort.InferenceSession; ready: NeuralWorkerReady }> {
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  if (data.intraOpNumThreads !== undefined) options.intraOpNumThreads = data.intraOpNumThreads;
  const session = await ort.InferenceSession.create(data.model, options);
  if (session.inputNames.length !== 1 || session.outputNames.length < 1)
    throw new Error(
      `expected one input and an embedding output, got inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
    );
  const inputName = session.inputNames[0]!;
  const outputName = session.outputNames[0]!;
  const input = session.inputMetadata[0];
  if (input?.isTensor) {
    const dim = lastDim(input.shape);
    if (
      input.type !== 'float32' ||
      input.shape.length !== 3 ||
      (dim !== null && dim !== FEATURE_DIM)
    )
      throw new Error(
        `input ${inputName} is ${input.type} [${input.shape.join(', ')}], expected float32 [B, T, ${FEATURE_DIM}]`,
      );
  }
  // A warm-up run on 2 s of silence-level features proves the graph runs and gives the dimension.
  const frames = 200;
  const probe = new ort.Tensor('float32', new Float32Array(frames * FEATURE_DIM), [
    1,
    frames,
    FEATURE_DIM,
  ]);
  const out = (await session.run({ [inputName]: probe }))[outputName];
  if (!out || out.type !== 'float32' || out.dims[0] !== 1 || out.data.length === 0)
    throw new Error(`output ${outputName} is not a float32 [1, D] embedding`);
  return { session, ready: { type: 'ready', inputName, outputName, dimension: out.data.length } };
}

const opened = open();
opened.then(
  ({ ready }) => port.postMessage(ready),
  (error: unknown) =>
    port.postMessage({ type: 'failed', message: (error as Error).message } as NeuralWorkerFailed),
);

port.on('message', (job: NeuralWorkerJob) => {
  opened
    .then(async ({ session, ready }) => {
      const fbank = computeFbank(job.pcm, { window: data.window });
      if (fbank.frames === 0) throw new RangeError('audio is shorter than one 25 ms frame');
      const feats = new ort.Tensor('float32', fbank.data, [1, fbank.frames, fbank.dim]);
      const out = (await session.run({ [ready.inputName]: feats }))[ready.outputName];
      if (!out || out.data.length !== ready.dimension)
        throw new Error('the neural model returned an embedding of the wrong size');
      const embedding = unitLength(out.data as Float32Array);
      port.postMessage({ id: job.id, embedding } as NeuralWorkerResult, [
        embedding.buffer as ArrayBuffer,
      ]);
    })
    .catch((error: unknown) => {
      const e = error as Error;
      port.postMessage({
        id: job.id,
        error: { name: e.name, message: e.message },
      } as NeuralWorkerResult);
    });
});
