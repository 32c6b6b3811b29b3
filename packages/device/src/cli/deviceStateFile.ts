import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { AuthenticatorState, DevicePairing } from '../authenticator/authenticatorState.js';
import { loadAuthenticatorState } from '../state/loadAuthenticatorState.js';
import { saveAuthenticatorState } from '../state/saveAuthenticatorState.js';
import { CliError } from './cliError.js';

/** Where the simulator keeps its state unless `--state` says otherwise (relative to the cwd). */
export const DEFAULT_STATE_FILE = '.keyra/device.json';

/** A state that has paired with a server. */
export type PairedState = AuthenticatorState & { pairing: DevicePairing };

/** The absolute state path: `--state`, else `KEYRA_DEVICE_STATE`, else the default. */
export function resolveStatePath(
  flag: string | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
): string {
  return resolve(cwd, flag ?? (env.KEYRA_DEVICE_STATE || DEFAULT_STATE_FILE));
}

/** Whether a state file exists at `path`. */
export async function stateExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Loads a paired state, or explains in one line what to do instead. */
export async function readPairedState(path: string): Promise<PairedState> {
  if (!(await stateExists(path))) {
    throw new CliError(
      `no state file at ${path}: run keyra-device pair first (or pass --state FILE)`,
    );
  }
  let state: AuthenticatorState;
  try {
    state = await loadAuthenticatorState(path);
  } catch (error) {
    throw new CliError(`${(error as Error).message}: fix or delete it, then run keyra-device pair`);
  }
  if (!state.pairing) {
    throw new CliError(
      `${path} holds a KEYRA ONE that is not paired: run keyra-device pair --state ${path} --force`,
    );
  }
  return state as PairedState;
}

/**
 * Loads the paired state, applies `change` and saves the result, holding the state's lock
 * throughout. Every signature goes through here: two `keyra-device` processes sharing a file
 * (a `watch` and an `approve`, say) must never sign with the same counter, or the server would
 * see the counter go backwards and disable the device as a possible clone.
 */
export async function updatePairedState<T>(
  path: string,
  change: (state: PairedState) => { state: AuthenticatorState; result: T },
): Promise<T> {
  return withStateLock(path, async () => {
    const changed = change(await readPairedState(path));
    await saveAuthenticatorState(path, changed.state);
    return changed.result;
  });
}

const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 30_000;

/** Runs `fn` holding `${path}.lock` (created exclusively; a dead holder's lock is taken over). */
export async function withStateLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStaleLock(lock)) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new CliError(
          `${path} is in use by another keyra-device (lock ${lock}); if none is running, delete the lock file`,
        );
      }
      await new Promise((done) => setTimeout(done, 25));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

async function isStaleLock(lock: string): Promise<boolean> {
  try {
    const pid = Number(await readFile(lock, 'utf8'));
    if (Number.isInteger(pid) && pid > 0) {
      try {
        process.kill(pid, 0);
        return false;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'ESRCH';
      }
    }
    // Being written right now, or garbage: stale only once it is old.
    return Date.now() - (await stat(lock)).mtimeMs > STALE_LOCK_MS;
  } catch {
    return false;
  }
}
