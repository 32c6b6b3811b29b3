/** A user-facing CLI failure: printed as one line with the fix, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Ends the command with `exitCode` after it printed its own outcome (e.g. a broken audit chain). */
export class CliExit extends Error {
  override name = 'CliExit';

  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
