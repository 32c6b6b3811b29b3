import { Keyra } from '@keyra/sdk';
import type { CliIo } from './cliIo.js';
import { deviceSession, type DeviceSession } from './deviceSession.js';
import { readPairedState, resolveStatePath, type PairedState } from './deviceStateFile.js';

/** The `--state` option's help, shared by every command. */
export const STATE_OPTION_HELP =
  'state file of the simulated device (env KEYRA_DEVICE_STATE; default .keyra/device.json)';

/** A paired device ready to talk to its server. */
export interface PairedDevice {
  statePath: string;
  state: PairedState;
  /** An SDK client for the paired server, without an API key: the device API takes its session. */
  client: Keyra;
  session: DeviceSession;
}

/**
 * An SDK client for `baseUrl` through the CLI's `fetch`. `apiKey` is the tenant key `pair`
 * uses; the device's own calls need none.
 */
export function connect(io: CliIo, baseUrl: string, apiKey?: string): Keyra {
  return new Keyra({ baseUrl, apiKey, fetch: io.fetch, timeout: 30_000 });
}

/** Loads the state at `--state` and connects to the server it is paired with. */
export async function openPairedDevice(
  io: CliIo,
  stateFlag: string | undefined,
): Promise<PairedDevice> {
  const statePath = resolveStatePath(stateFlag, io.cwd, io.env);
  const state = await readPairedState(statePath);
  const client = connect(io, state.pairing.api);
  return { statePath, state, client, session: deviceSession(statePath, client, io.now) };
}

/** JSON for stdout: one line, as scripts expect. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
