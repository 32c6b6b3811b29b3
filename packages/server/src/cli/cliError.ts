/** A user-facing CLI failure: printed as one line with the fix, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}
