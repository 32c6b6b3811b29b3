import { Command, CommanderError } from 'commander';
import { KeyraError } from '@keyra/core';
import { ConfigError } from '../config.js';
import { CliError, CliExit } from './cliError.js';
import { registerKeysCommands } from './keysCommands.js';
import { registerClientsCommands } from './clientsCommands.js';
import { registerMigrateCommand } from './migrateCommand.js';
import { registerServeCommand } from './serveCommand.js';
import { registerSigningKeysCommands } from './signingKeysCommands.js';
import { registerVoiceCommands } from './voiceCommands.js';
import { registerDoctorCommand } from './doctorCommand.js';
import { registerUsageCommands } from './usageCommands.js';
import { registerEasCommands } from './easCommands.js';
import { registerListenCommand } from './listenCommand.js';
import { registerChallengesCommands } from './challengesCommands.js';
import { registerEventsCommands } from './eventsCommands.js';
import { registerMcpCommand } from './mcpCommand.js';
import { registerAuditCommands } from './auditCommands.js';
import { registerConsoleCommands } from './consoleCommands.js';
import { registerPoliciesCommands } from './policiesCommands.js';

/** The `keyra` program: serve, migrate and key management, each with `--help`. */
export function createProgram(): Command {
  const program = new Command('keyra')
    .description('KEYRA: cryptographic proof that a specific human approved a specific action.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerKeysCommands(program);
  registerClientsCommands(program);
  registerSigningKeysCommands(program);
  registerVoiceCommands(program);
  registerUsageCommands(program);
  registerEasCommands(program);
  registerChallengesCommands(program);
  registerEventsCommands(program);
  registerListenCommand(program);
  registerDoctorCommand(program);
  registerMcpCommand(program);
  registerAuditCommands(program);
  registerConsoleCommands(program);
  registerPoliciesCommands(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. Errors print one readable line, not a stack. */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliExit) return error.exitCode;
    if (error instanceof ConfigError || error instanceof KeyraError || error instanceof CliError) {
      console.error(`keyra: ${error.message}`);
      return 2;
    }
    console.error(`keyra: ${(error as Error).message}`);
    return 1;
  }
}
