/** A user-facing failure: printed as one line with the fix, exit code 2. */
export class CliError extends Error {
  override readonly name = 'CliError';
}
