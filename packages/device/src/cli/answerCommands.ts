import { isIdOf } from '@keyra/core';
import type { Command } from 'commander';
import { CliError } from './cliError.js';
import type { CliIo } from './cliIo.js';
import { STATE_OPTION_HELP, jsonLine, openPairedDevice } from './commandContext.js';
import { formatChallenge } from './formatChallenge.js';
import { signAnswer, type Decision } from './signAnswer.js';

interface AnswerFlags {
  state?: string;
  submit?: boolean;
  json?: boolean;
}

/** `approve` and `reject`: show a challenge, sign the decision, print (or submit) it. */
export function registerAnswerCommands(program: Command, io: CliIo): void {
  for (const decision of ['approve', 'reject'] as const) {
    const signs =
      decision === 'approve'
        ? 'sign its digest'
        : 'sign the rejection challenge (an explicit, signed "no")';
    program
      .command(decision)
      .description(
        `Fetch a challenge through the device API, show its action and payload, ${signs}, and print the body for POST /v1/challenges/:id/verify.`,
      )
      .argument('<challengeId>', 'the challenge to answer (chl_…)')
      .option('--state <file>', STATE_OPTION_HELP)
      .option('--submit', 'send the answer through the device API instead, and print the result')
      .option('--json', 'print compact JSON only on stdout (the challenge is shown on stderr)')
      .addHelpText(
        'after',
        `\nExamples:\n  keyra-device ${decision} chl_9k2m --json > answer.json   # the backend POSTs it to /v1/challenges/chl_9k2m/verify\n  keyra-device ${decision} chl_9k2m --submit`,
      )
      .action(async (challengeId: string, flags: AnswerFlags) => {
        await answer(io, challengeId, decision, flags);
      });
  }
}

async function answer(
  io: CliIo,
  challengeId: string,
  decision: Decision,
  flags: AnswerFlags,
): Promise<void> {
  if (!isIdOf('challenge', challengeId)) {
    throw new CliError(
      `${JSON.stringify(challengeId)} is not a challenge id; they look like chl_9k2m`,
    );
  }
  const device = await openPairedDevice(io, flags.state);
  const challenge = await device.session.withToken((token) =>
    device.client.deviceApi.retrieveChallenge(token, challengeId),
  );
  io.stderr(formatChallenge(challenge, io.now()));
  if (challenge.status !== 'pending') {
    throw new CliError(
      `challenge ${challenge.id} is already ${challenge.status}: nothing to ${decision}`,
    );
  }
  // Make sure the session outlives the answer before signing it: signing in again after the
  // answer would give the sign-in a higher counter than the answer, and the server would then
  // refuse the answer's counter as a regression.
  const token = flags.submit ? await device.session.token() : undefined;
  const body = await signAnswer(device.statePath, challenge, decision);
  io.stderr(`${decision === 'approve' ? 'Approved' : 'Rejected'} on the device (counter saved).\n`);
  const pretty = (value: unknown): string =>
    flags.json ? jsonLine(value) : `${JSON.stringify(value, null, 2)}\n`;
  if (token === undefined) {
    io.stdout(pretty(body));
    return;
  }
  const result = await device.client.deviceApi.respond(token, challenge.id, {
    attestation: body.attestation,
  });
  io.stderr(`Server: ${result.status}${result.proof ? ' with a proof' : ''}.\n`);
  io.stdout(pretty(result));
}
