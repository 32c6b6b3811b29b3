import { ConnectionError, KeyraError } from '@keyra/sdk';
import { Command, CommanderError } from 'commander';
import { AuthenticatorError } from '../authenticator/authenticatorError.js';
import { registerAnswerCommands } from './answerCommands.js';
import { CliError } from './cliError.js';
import { processIo, type CliIo } from './cliIo.js';
import { registerListCommand } from './listCommand.js';
import { registerPairCommand } from './pairCommand.js';
import { registerShowCommand } from './showCommand.js';
import { registerWatchCommand } from './watchCommand.js';

/** The `keyra-device` program: a simulated KEYRA ONE on the command line. */
export function createProgram(io: CliIo): Command {
  const program = new Command('keyra-device')
    .description(
      'A simulated KEYRA ONE: pair with a KEYRA server (sandbox), then show and approve or reject challenges.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .addHelpText(
      'after',
      '\nThe device state (keys, counter, pairing) lives in .keyra/device.json unless --state or\nKEYRA_DEVICE_STATE says otherwise. Exit codes: 0 success, 1 unexpected failure (server\nunreachable or failing), 2 usage or a request the server refused.',
    );
  registerPairCommand(program, io);
  registerAnswerCommands(program, io);
  registerWatchCommand(program, io);
  registerListCommand(program, io);
  registerShowCommand(program, io);
  return program;
}

/** Runs the CLI; resolves to the exit code. Errors print one readable line, never a stack. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const { message, exitCode } = describeError(error);
    io.stderr(`keyra-device: ${message}\n`);
    return exitCode;
  }
}

/** One line that says what went wrong and what to do, and the exit code. */
export function describeError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: 2 };
  if (error instanceof ConnectionError) {
    return {
      message: `cannot reach the KEYRA server at ${error.baseUrl} (${unreachableReason(error)}): is keyra serve running there?`,
      exitCode: 1,
    };
  }
  if (error instanceof KeyraError) {
    const hint = API_ERROR_HINTS[error.code];
    const status = error.status === undefined ? '' : `, HTTP ${error.status}`;
    return {
      message: `${error.message.replace(/\.$/, '')} (${error.code}${status})${hint ? `: ${hint}` : ''}`,
      exitCode: error.status === undefined || error.status >= 500 ? 1 : 2,
    };
  }
  if (error instanceof AuthenticatorError) {
    return { message: `the device refused: ${error.message}`, exitCode: 2 };
  }
  return { message: (error as Error).message ?? String(error), exitCode: 1 };
}

/** `timed out`, or the system's code (`ECONNREFUSED`, `ENOTFOUND`, …) that fetch's error carries. */
function unreachableReason(error: ConnectionError): string {
  if (error.code === 'timeout') return 'timed out';
  const cause = error.cause as (Error & { cause?: { code?: unknown } }) | undefined;
  const code = cause?.cause?.code;
  return typeof code === 'string' ? code : (cause?.message ?? error.message);
}

const API_ERROR_HINTS: Record<string, string> = {
  invalid_api_key:
    'pass a valid sandbox key (create one with: keyra keys create --env sandbox); if the device was paired, it may have been revoked: run keyra-device pair --force',
  forbidden_environment:
    'the simulator pairs in sandbox only: use an sk_test_ key (keyra keys create --env sandbox)',
  device_not_found:
    'this device is no longer active on the server (revoked, or disabled as a possible clone): run keyra-device pair --force',
  challenge_not_found:
    "check the id; a device sees only its own user's challenges in its environment",
  challenge_expired: 'ask for a new challenge',
  challenge_already_used: 'it was already answered',
  challenge_canceled: 'the app withdrew this request; there is nothing to approve',
  attestation_invalid:
    'the server did not accept the signature (was the state file copied or restored? a counter that goes back disables the device)',
  rate_limit_exceeded: 'wait a moment and try again',
};
