import { readFile } from 'node:fs/promises';
import type { AuthenticatorState } from '../authenticator/authenticatorState.js';
import { parseAuthenticatorState } from './parseAuthenticatorState.js';

/**
 * Reads and validates a state written by {@link saveAuthenticatorState}. Throws an `Error` naming
 * the file when it is missing, unreadable, not JSON, or not a KEYRA ONE state (the shape check of
 * {@link parseAuthenticatorState}, kept as `cause`).
 */
export async function loadAuthenticatorState(path: string): Promise<AuthenticatorState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing ? `no KEYRA ONE state at ${path}` : `cannot read KEYRA ONE state ${path}`,
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`KEYRA ONE state ${path} is not valid JSON`, { cause });
  }
  try {
    return parseAuthenticatorState(json);
  } catch (cause) {
    throw new Error(`${path}: ${(cause as Error).message}`, { cause });
  }
}
