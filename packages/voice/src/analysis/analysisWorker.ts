// Worker-thread entry of `createVoiceAnalyzer`: decodes recordings and analyses them off the main
// event loop (the model is loaded once, on start).
import { parentPort, workerData } from 'node:worker_threads';
import { decodeAudio, type DecodeAudioOptions } from '../audio/decodeAudio.js';
import type { DecodedAudio } from '../audio/decodedAudio.js';
import { loadModel } from '../loadModel.js';
import { analyzeRecordingSync } from './analyzeRecording.js';
import type { WorkerReply } from './createVoiceAnalyzer.js';

interface Job {
  id: number;
  decode?: { bytes: Uint8Array; options: DecodeAudioOptions };
  analyze?: DecodedAudio;
}

const port = parentPort;
if (!port) throw new Error('analysisWorker must run in a worker thread');
const modelPromise = loadModel((workerData as { modelPath?: string }).modelPath);
// Reported through the first analysis, not as an unhandled rejection while the worker idles.
modelPromise.catch(() => undefined);

const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(message, transfer);

async function run(job: Job): Promise<void> {
  if (job.decode) {
    const decoded = await decodeAudio(job.decode.bytes, job.decode.options);
    return reply({ id: job.id, decoded }, [decoded.samples.buffer as ArrayBuffer]);
  }
  const model = await modelPromise;
  // The 16 kHz samples go first (a copy: the analysis goes on with them), so the caller can
  // start phrase recognition while the embedding and the measures are computed here.
  const result = analyzeRecordingSync(job.analyze!, model, (pcm16k) =>
    reply({ id: job.id, pcm16k }),
  );
  reply({ id: job.id, result }, [
    result.pcm16k.buffer,
    result.embedding.buffer,
    result.fingerprint.buffer,
  ] as ArrayBuffer[]);
}

port.on('message', (job: Job) => {
  run(job).catch((error: unknown) => {
    const e = error as Error & { code?: unknown };
    reply({
      id: job.id,
      error: {
        name: e.name,
        message: e.message,
        ...(typeof e.code === 'string' ? { code: e.code } : {}),
      },
    });
  });
});
