import { randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { AuthenticatorState } from '../authenticator/authenticatorState.js';

/**
 * Writes a simulator state to `path` with mode 0600 (it holds private keys). Creates the
 * directory (mode 0700) when missing, and writes a temporary file then renames it, so a crash never
 * leaves a half-written state behind.
 */
export async function saveAuthenticatorState(
  path: string,
  state: AuthenticatorState,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
    // The umask may have narrowed the mode further, never widened it; make it exactly 0600.
    await chmod(temporary, 0o600);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
