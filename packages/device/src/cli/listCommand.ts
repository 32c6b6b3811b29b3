import type { Command } from 'commander';
import type { CliIo } from './cliIo.js';
import { STATE_OPTION_HELP, jsonLine, openPairedDevice } from './commandContext.js';
import { formatChallenge } from './formatChallenge.js';

export function registerListCommand(program: Command, io: CliIo): void {
  program
    .command('list')
    .description("List the pending challenges of the device's user, through the device API.")
    .option('--state <file>', STATE_OPTION_HELP)
    .option('--json', 'print a JSON array of challenges')
    .action(async (flags: { state?: string; json?: boolean }) => {
      const device = await openPairedDevice(io, flags.state);
      const { data } = await device.session.withToken((token) =>
        device.client.deviceApi.listChallenges(token),
      );
      if (flags.json) {
        io.stdout(jsonLine(data));
        return;
      }
      if (data.length === 0) {
        io.stdout(`No pending challenges for ${device.state.pairing.userId}.\n`);
        return;
      }
      for (const challenge of data) io.stdout(formatChallenge(challenge, io.now()));
    });
}
