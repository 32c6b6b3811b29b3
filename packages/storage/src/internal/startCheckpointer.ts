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
//
// But SQLite starts the WAL over only after a checkpoint that copied its last frame, and under
// writes that never pause a PASSIVE checkpoint from here never does (new frames land meanwhile):
// the WAL grows without bound (3.2 GB in a benchmark run). So once the WAL holds
// more than \`restartFrames\`, the worker catches up with more PASSIVE passes (each copies what was
// written during the one before) until a pass finds little new, then asks the main thread to pause
// this process's writes (it holds the connection, asynchronously: the event loop runs on), runs a
// RESTART checkpoint with only the frames since the last pass left to copy, and the next write
// starts the WAL over. (After one pass only, the restart copied the hundreds of frames written
// during that pass, and the server's queries waited 25–35 ms once a second under steady writes
// to a database of 150k challenges; after the catching up, about 5 ms in most seconds.)
//
// A PASSIVE pass that does not reach the WAL's last frame copies pages into the database file
// without syncing it (SQLite syncs the file only when a checkpoint has copied everything), so the
// restart's own sync flushed every page the catch-up passes had copied: pauses of mostly 16–33 ms
// at 1,900 creates/s. So before asking for the restart the worker syncs the database file itself,
// writes still running, and the restart syncs only the pages it copied (pauses of 2.5–7 ms).
// It syncs through its connection's own descriptor of the file, found in /proc/self/fd: a
// descriptor opened for it could not be closed safely, since closing any descriptor of a file
// drops all of this process's POSIX locks on it, SQLite's included. Where there is no /proc (not
// Linux), or the descriptor is not found, the restart syncs everything, as before.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const { dev, ino } = fs.statSync(workerData.file);
/** This process's open descriptors of the database file, from /proc/self/fd; null without /proc. */
const descriptorsOfFile = () => {
  let names;
  try {
    names = fs.readdirSync('/proc/self/fd');
  } catch {
    return null;
  }
  const found = [];
  for (const name of names) {
    try {
      const stat = fs.fstatSync(Number(name));
      if (stat.dev === dev && stat.ino === ino) found.push(Number(name));
    } catch {}
  }
  return found;
};
const openBefore = descriptorsOfFile();
const db = new Database(workerData.file, { timeout: 5000 });
// This connection's own descriptor of the file (it lives as long as the connection), or null. Its
// own, not the server connection's: a failed sync reports its error once per open file, and that
// report must not be taken from the connection that commits.
const ownFd =
  openBefore === null
    ? null
    : ((descriptorsOfFile() ?? []).filter((fd) => !openBefore.includes(fd)).pop() ?? null);
let restartAsked = false;
const report = (error) => parentPort.postMessage({ error: String((error && error.message) || error) });
const timer = setInterval(() => {
  if (restartAsked) return;
  try {
    let [result] = db.pragma('wal_checkpoint(PASSIVE)');
    if (result && result.log > workerData.restartFrames) {
      // What the restart copies, it copies with the server's writes paused: first catch up on
      // the frames written during this pass, pass after pass while a pass still found many.
      for (let pass = 0, before = 0; pass < 6 && result.log - before > 256; pass++) {
        before = result.log;
        [result] = db.pragma('wal_checkpoint(PASSIVE)');
      }
      // The pages the passes copied reach the disk now, not during the pause.
      let synced = false;
      if (ownFd !== null) {
        try {
          fs.fdatasyncSync(ownFd);
          synced = true;
        } catch (error) {
          // Pages may be lost, and this connection would not hear of it again: a later checkpoint
          // here could then restart the WAL over frames that never reached the file. So this
          // worker stops; the server's connection checkpoints by itself (onError) and meets the
          // error on its own descriptor.
          clearInterval(timer);
          report(error);
          db.close();
          parentPort.close();
          return;
        }
      }
      restartAsked = true;
      parentPort.postMessage({ restart: true, synced });
    }
  } catch (error) {
    report(error);
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'restart') {
    // Writes of the server are paused; another process's may still hold locks: wait briefly.
    let result = null;
    try {
      db.pragma('busy_timeout = 200');
      [result] = db.pragma('wal_checkpoint(RESTART)');
    } catch (error) {
      report(error);
    } finally {
      db.pragma('busy_timeout = 5000');
    }
    restartAsked = false;
    parentPort.postMessage({ restarted: result });
    return;
  }
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** WAL frames (4 KiB pages) past which a checkpoint restarts the WAL: about 16 MiB. */
export const WAL_RESTART_FRAMES = 4096;

/**
 * The size a WAL file is cut back to when it restarts (SQLite's `journal_size_limit`): 256 MiB,
 * above what steady writes leave between restarts, so only a burst is cut back.
 */
export const WAL_SIZE_LIMIT_BYTES = 256 * 1024 * 1024;

/** Runs `restart` while no write of this process can start (the storage holds its connection). */
export type WithWritesPaused = (restart: () => Promise<void>) => Promise<void>;

/**
 * Starts checkpointing `file`'s write-ahead log every `intervalMs` from a worker thread, restarting
 * it (with this process's writes paused by `withWritesPaused`) once it holds more than
 * `restartFrames` frames. The caller turns SQLite's automatic checkpoint off on its own
 * connection; `onError` hears about a failed checkpoint or a worker that died, and should turn it
 * back on (so the WAL cannot grow unbounded). `onRestart` hears of each restart, and
 * whether the worker synced the database file before it (Linux, its descriptor found).
 */
export function startCheckpointer(
  file: string,
  intervalMs: number,
  onError: (message: string) => void,
  withWritesPaused: WithWritesPaused,
  restartFrames = WAL_RESTART_FRAMES,
  onRestart?: (synced: boolean) => void,
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { file, intervalMs, driver, restartFrames },
  });
  worker.unref();
  let stopped = false;
  let restarted: (() => void) | null = null;
  const restartDone = (): void => {
    const resolve = restarted;
    restarted = null;
    resolve?.();
  };
  worker.on(
    'message',
    (message: { error?: string; restart?: true; synced?: boolean; restarted?: unknown }) => {
      if (message.error) onError(message.error);
      if (message.restart && !stopped) {
        const synced = message.synced === true;
        withWritesPaused(
          () =>
            new Promise<void>((resolve) => {
              // Stopped while waiting for the connection: the worker is gone, nothing to restart.
              if (stopped) return resolve();
              restarted = () => {
                onRestart?.(synced);
                resolve();
              };
              worker.postMessage('restart');
            }),
        ).catch((error: unknown) => onError((error as Error).message));
      }
      if ('restarted' in message) restartDone();
    },
  );
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (error) => onError(error.message));
  worker.on('exit', () => {
    // Never leave the server's writes paused.
    restartDone();
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
