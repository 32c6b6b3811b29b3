import { createKeyraClient, type KeyraClient } from '../client/createKeyraClient.js';
import type { CliIo } from './CliIo.js';
import { deviceSession, type DeviceSession } from './deviceSession.js';
import { readPairedState, resolveStatePath, type PairedState } from './deviceStateFile.js';

/** The `--state` option's help, shared by every command. */
export const STATE_OPTION_HELP =
  'state file of the simulated device (env KEYRA_DEVICE_STATE; default .keyra/device.json)';

/** A paired device ready to talk to its server. */
export interface PairedDevice {
  statePath: string;
  state: PairedState;
  client: KeyraClient;
  session: DeviceSession;
}

/** Loads the state at `--state` and connects to the server it is paired with. */
export async function openPairedDevice(
  io: CliIo,
  stateFlag: string | undefined,
): Promise<PairedDevice> {
  const statePath = resolveStatePath(stateFlag, io.cwd, io.env);
  const state = await readPairedState(statePath);
  const client = createKeyraClient({ baseUrl: state.pairing.api, fetch: io.fetch });
  return { statePath, state, client, session: deviceSession(statePath, client, io.now) };
}

/** JSON for stdout: one line, as scripts expect. */
export function jsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}
