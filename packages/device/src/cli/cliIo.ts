import type { Readable } from 'node:stream';

/**
 * What the CLI touches outside itself, passed in so tests can run commands in-process: output
 * streams, the terminal, the environment, the working directory, fetch and the clock.
 */
export interface CliIo {
  /** Results: JSON with `--json`, one readable line otherwise. */
  stdout: (text: string) => void;
  /** The device's "screen": challenges shown to the human, prompts, progress and errors. */
  stderr: (text: string) => void;
  /** Where `watch` reads its answers. */
  stdin: Readable;
  /** Whether stdin is a terminal (a human can answer prompts). */
  isInteractive: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  fetch: typeof fetch;
  now: () => number;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdin: process.stdin,
    isInteractive: process.stdin.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    fetch: globalThis.fetch,
    now: () => Date.now(),
  };
}
