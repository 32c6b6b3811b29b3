// Worker-thread entry of `createVoiceAnalyzer`: loads the model once, then analyses recordings
// off the main event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { loadModel } from '../loadModel.js';
import { analyzeRecordingSync } from './analyzeRecording.js';

interface Job {
  id: number;
  samples: Float32Array;
  sampleRate: number;
  channels: number;
  durationSec: number;
}

const port = parentPort;
if (!port) throw new Error('analysisWorker must run in a worker thread');
const modelPromise = loadModel((workerData as { modelPath?: string }).modelPath);

port.on('message', (job: Job) => {
  modelPromise
    .then((model) => {
      // The 16 kHz samples go first (a copy: the analysis goes on with them), so the caller can
      // start phrase recognition while the embedding and the measures are computed here.
      const result = analyzeRecordingSync(job, model, (pcm16k) =>
        port.postMessage({ id: job.id, pcm16k }),
      );
      port.postMessage({ id: job.id, result }, [
        result.pcm16k.buffer,
        result.embedding.buffer,
        result.fingerprint.buffer,
      ] as ArrayBuffer[]);
    })
    .catch((error: unknown) => {
      const e = error as Error;
      port.postMessage({ id: job.id, error: { name: e.name, message: e.message } });
    });
});
