import type { Command } from 'commander';
import type { CliIo } from './cliIo.js';
import { STATE_OPTION_HELP, jsonLine } from './commandContext.js';
import { readPairedState, resolveStatePath } from './deviceStateFile.js';

export function registerShowCommand(program: Command, io: CliIo): void {
  program
    .command('show')
    .description("Show the device's identity: deviceId, user, server, counter. Never its keys.")
    .option('--state <file>', STATE_OPTION_HELP)
    .option('--json', 'print the identity as JSON')
    .action(async (flags: { state?: string; json?: boolean }) => {
      const statePath = resolveStatePath(flags.state, io.cwd, io.env);
      const { pairing, aaguid, attestationCertificateChain, credentials } =
        await readPairedState(statePath);
      const credential = credentials.find((c) => c.credentialId === pairing.credentialId);
      const identity = {
        deviceId: pairing.deviceId,
        userId: pairing.userId,
        api: pairing.api,
        rpId: pairing.rpId,
        credentialId: pairing.credentialId,
        signCount: credential?.signCount ?? 0,
        aaguid,
        provisioned: attestationCertificateChain.length > 0,
        pairedAt: pairing.pairedAt,
        stateFile: statePath,
      };
      if (flags.json) {
        io.stdout(jsonLine(identity));
        return;
      }
      const width = Math.max(...Object.keys(identity).map((k) => k.length));
      for (const [name, value] of Object.entries(identity)) {
        io.stdout(`${name.padEnd(width)}  ${String(value)}\n`);
      }
    });
}
