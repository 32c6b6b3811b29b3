import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectionError, KeyraError, type DeviceChallenge } from '@keyra/sdk';
import { Option, type Command } from 'commander';
import { CliError } from './cliError.js';
import type { CliIo } from './cliIo.js';
import {
  STATE_OPTION_HELP,
  jsonLine,
  openPairedDevice,
  type PairedDevice,
} from './commandContext.js';
import { formatChallenge } from './formatChallenge.js';
import { signAnswer, type Decision } from './signAnswer.js';

interface WatchFlags {
  state?: string;
  auto?: Decision;
  once?: boolean;
  wait: string;
  json?: boolean;
}

export function registerWatchCommand(program: Command, io: CliIo): void {
  program
    .command('watch')
    .description(
      'Interactive mode: wait for challenges (long-poll), show each one, ask "Approve? [y/N]" and answer through the device API.',
    )
    .option('--state <file>', STATE_OPTION_HELP)
    .addOption(
      new Option(
        '--auto <decision>',
        'answer every challenge without asking (scripted use)',
      ).choices(['approve', 'reject']),
    )
    .option('--once', 'exit after answering one challenge')
    .option('--wait <seconds>', 'how long each long-poll request waits, 1-30', '25')
    .option('--json', 'print each server result as one JSON line on stdout')
    .addHelpText(
      'after',
      '\nAt the prompt, y (or yes) approves, s (or skip) leaves the challenge pending, and anything\nelse (Enter included) sends a signed rejection. Ctrl-C stops watching.\n\nExamples:\n  keyra-device watch\n  keyra-device watch --auto approve --once --json',
    )
    .action(async (flags: WatchFlags) => {
      const wait = Number(flags.wait);
      if (!Number.isInteger(wait) || wait < 1 || wait > 30) {
        throw new CliError(
          `--wait must be a whole number of seconds from 1 to 30; got ${JSON.stringify(flags.wait)}`,
        );
      }
      const device = await openPairedDevice(io, flags.state);
      await watch(io, device, { ...flags, waitSeconds: wait });
    });
}

async function watch(
  io: CliIo,
  device: PairedDevice,
  flags: WatchFlags & { waitSeconds: number },
): Promise<void> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const prompt = flags.auto ? undefined : linePrompt(io);
  const { pairing } = device.state;
  try {
    io.stderr(
      `Watching for challenges for ${pairing.userId} at ${pairing.api} as ${pairing.deviceId}${flags.auto ? ` (auto-${flags.auto})` : ''}. Ctrl-C to stop.\n`,
    );
    const seen = new Set<string>();
    let failures = 0;
    while (!stop.signal.aborted) {
      let data: DeviceChallenge[];
      try {
        ({ data } = await device.session.withToken((token) =>
          // No SDK retries here: the loop reconnects itself, and says so on the device's screen.
          device.client.deviceApi.listChallenges(
            token,
            { wait: flags.waitSeconds },
            { signal: stop.signal, maxRetries: 0 },
          ),
        ));
        if (failures > 0) io.stderr('Connected again.\n');
        failures = 0;
      } catch (error) {
        if (stop.signal.aborted) break;
        if (!isTransient(error)) throw error;
        failures += 1;
        // Capped exponential backoff: a restarting server is back within seconds.
        const delay = Math.min(30, 2 ** Math.min(failures - 1, 5));
        io.stderr(`${(error as Error).message}; retrying in ${delay}s\n`);
        await pause(delay * 1000, stop.signal);
        continue;
      }
      const fresh = data
        .filter((challenge) => !seen.has(challenge.id))
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      // Only skipped or failed challenges pending: the long-poll returns at once, so slow down.
      if (fresh.length === 0 && data.length > 0) await pause(1000, stop.signal);
      for (const challenge of fresh) {
        if (stop.signal.aborted) break;
        seen.add(challenge.id);
        const answered = await handle(io, device, challenge, flags, prompt, stop.signal);
        if (answered && flags.once) return;
      }
    }
    io.stderr('Stopped watching.\n');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    prompt?.close();
  }
}

/** Shows, asks, signs and responds. Resolves whether the server recorded an answer. */
async function handle(
  io: CliIo,
  device: PairedDevice,
  challenge: DeviceChallenge,
  flags: WatchFlags,
  prompt: LinePrompt | undefined,
  signal: AbortSignal,
): Promise<boolean> {
  io.stderr(formatChallenge(challenge, io.now()));
  let decision: Decision;
  if (flags.auto) {
    decision = flags.auto;
  } else {
    const reply = await prompt!.ask('Approve? [y/N] ', signal);
    if (reply === null) {
      if (signal.aborted) return false;
      throw new CliError(
        'stdin closed before an answer: run watch in a terminal, or pass --auto approve|reject',
      );
    }
    const word = reply.trim().toLowerCase();
    if (word === 's' || word === 'skip') {
      io.stderr(`Skipped ${challenge.id}; it stays pending.\n`);
      return false;
    }
    decision = word === 'y' || word === 'yes' ? 'approve' : 'reject';
  }
  if (Date.parse(challenge.expiresAt) <= io.now()) {
    io.stderr(`${challenge.id} expired before it was answered; not sent.\n`);
    return false;
  }
  try {
    // A fresh token first: signing in after signing the answer would outrun the answer's counter.
    const token = await device.session.token();
    const body = await signAnswer(device.statePath, challenge, decision);
    const result = await device.client.deviceApi.respond(token, challenge.id, {
      attestation: body.attestation,
    });
    io.stderr(`${result.status === 'approved' ? 'Approved' : 'Rejected'} ${result.id}.\n`);
    io.stdout(flags.json ? jsonLine(result) : `${result.status} ${result.id}\n`);
    return true;
  } catch (error) {
    // One challenge failing (expired meanwhile, answered elsewhere) must not end the watch.
    if (
      error instanceof KeyraError &&
      error.status !== undefined &&
      error.status < 500 &&
      error.status !== 401
    ) {
      io.stderr(`${challenge.id}: ${error.message} (${error.code})\n`);
      return false;
    }
    throw error;
  }
}

function isTransient(error: unknown): boolean {
  return (
    error instanceof ConnectionError ||
    (error instanceof KeyraError &&
      error.status !== undefined &&
      (error.status >= 500 || error.status === 429))
  );
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted: the loop sees the signal.
  }
}

interface LinePrompt {
  /** Writes the question and resolves the next line, or null when stdin ends or `signal` aborts. */
  ask(question: string, signal: AbortSignal): Promise<string | null>;
  close(): void;
}

/** Answers read line by line from stdin (a terminal, or a pipe for scripted answers). */
function linePrompt(io: CliIo): LinePrompt {
  const lines = createInterface({ input: io.stdin, terminal: false });
  const iterator = lines[Symbol.asyncIterator]();
  return {
    async ask(question, signal) {
      if (signal.aborted) return null;
      io.stderr(question);
      const aborted = new Promise<null>((resolve) =>
        signal.addEventListener('abort', () => resolve(null), { once: true }),
      );
      return Promise.race([
        iterator.next().then((r) => (r.done ? null : String(r.value))),
        aborted,
      ]);
    },
    close: () => lines.close(),
  };
}
