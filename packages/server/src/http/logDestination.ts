import pino from 'pino';
import { prettyLogLine } from './prettyLogLine.js';

/** Log bytes dropped because stdout could not keep up (see `stdoutDestination`). */
let droppedLogBytes = 0;
let stdout: ReturnType<typeof pino.destination> | null = null;

/**
 * Standard output, written asynchronously with a bounded buffer. A synchronous write to a pipe
 * that is full (a slow log shipper, a terminal scrolled back) would block the event loop and stall
 * every request; here the write is retried later, and past 16 MiB of backlog lines are dropped
 * and counted (`keyra_log_dropped_bytes_total`) instead. Pino flushes what is buffered on exit.
 */
export function stdoutDestination(): ReturnType<typeof pino.destination> {
  if (!stdout) {
    stdout = pino.destination({
      dest: 1,
      sync: false,
      // Lines are gathered into writes of at least 4 KiB (one write call per line cost as much CPU
      // as the rest of a /healthz request), and flushed at least every 100 ms and on exit.
      minLength: 4096,
      periodicFlush: 100,
      maxLength: 16 * 1024 * 1024,
    });
    stdout.on('drop', (data: string | Buffer) => {
      droppedLogBytes += Buffer.byteLength(data);
    });
  }
  return stdout;
}

/**
 * The same destination with each JSON line rewritten for a terminal (`--log-format pretty`);
 * redaction has already happened when pino hands the line over.
 */
export function prettyStdoutDestination(): { write(line: string): boolean } {
  const out = stdoutDestination();
  return { write: (line: string) => out.write(prettyLogLine(line)) };
}

/** Total log bytes dropped by the stdout destination since the process started. */
export function logBytesDropped(): number {
  return droppedLogBytes;
}
