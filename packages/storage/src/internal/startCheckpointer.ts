import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A background WAL checkpointer; `stop()` ends it (the last connection's close checkpoints the rest). */
export interface Checkpointer {
  stop(): Promise<void>;
}

// Runs in a worker thread with its own connection. better-sqlite3 is synchronous, so a checkpoint
// on the server's connection (SQLite's automatic one runs inside the commit that crosses 1,000 WAL
// pages) stops the event loop, and with it every request, while pages are copied. A PASSIVE
// checkpoint from another connection copies what it can without waiting for readers or writers.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 5000 });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Starts checkpointing `file`'s write-ahead log every `intervalMs` from a worker thread. The caller
 * turns SQLite's automatic checkpoint off on its own connection; `onError` hears about a failed
 * checkpoint or a worker that died, and should turn it back on (so the WAL cannot grow unbounded).
 */
export function startCheckpointer(
  file: string,
  intervalMs: number,
  onError: (message: string) => void,
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, intervalMs, driver },
  });
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error) onError(message.error);
  });
  let stopped = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (error) => onError(error.message));
  worker.on('exit', () => {
    if (!stopped) onError('the checkpoint worker exited');
  });
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      // Keep the process alive until the worker has closed its connection.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
