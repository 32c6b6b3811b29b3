import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * Processes started ahead of need, so that a request does not pay for starting one. ffmpeg spends
 * about 50 ms loading its libraries before it reads a byte; a warm process has done that and
 * waits, blocked on its stdin, for the audio. Each process decodes one input and exits (ffmpeg
 * cannot take a second container on the same stdin), and taking one starts its replacement in
 * the background. Idle processes hold no reference on the event loop, so they never keep Node
 * alive; they exit on their own when this process dies (their stdin closes).
 */
export interface WarmProcessPool {
  /** A started process for `command args`: a warm one when there is one, else a fresh one. */
  take(command: string, args: readonly string[]): ChildProcessWithoutNullStreams;
  /** Kills the idle processes (tests and shutdown). */
  drain(): void;
}

interface Idle {
  child: ChildProcessWithoutNullStreams;
  failed: boolean;
}

function setRef(child: ChildProcessWithoutNullStreams, ref: boolean): void {
  for (const stream of [child.stdin, child.stdout, child.stderr] as unknown as Socket[]) {
    if (ref) stream.ref();
    else stream.unref();
  }
  if (ref) child.ref();
  else child.unref();
}

export function createWarmProcessPool(size: number): WarmProcessPool {
  const idle = new Map<string, Idle[]>();

  const start = (command: string, args: readonly string[]): Idle => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const entry: Idle = { child, failed: child.pid === undefined };
    // An idle process that fails to start or dies is never handed out; without this listener
    // its 'error' event would be an uncaught exception.
    const onGone = (): void => {
      entry.failed = true;
    };
    child.once('error', onGone);
    child.once('exit', onGone);
    child.stdin.on('error', () => undefined);
    setRef(child, false);
    return entry;
  };

  const refill = (key: string, command: string, args: readonly string[]): void => {
    const list = idle.get(key) ?? [];
    idle.set(key, list);
    while (list.length < size) {
      const entry = start(command, args);
      if (entry.failed) return; // not installed or not startable: fail fresh, with the real error
      list.push(entry);
    }
  };

  return {
    take(command, args) {
      const key = JSON.stringify([command, ...args]);
      const list = idle.get(key) ?? [];
      let taken: Idle | undefined;
      while ((taken = list.shift()) && taken.failed) taken.child.kill('SIGKILL');
      if (size > 0) setImmediate(() => refill(key, command, args));
      if (!taken) return spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      setRef(taken.child, true);
      return taken.child;
    },
    drain() {
      for (const list of idle.values()) for (const { child } of list.splice(0)) child.kill();
    },
  };
}
