import { AuthenticatorError } from './authenticatorError.js';
import type { AuthenticatorState } from './authenticatorState.js';

/**
 * Sets a credential's signature counter, for tests that simulate a cloned device: copy a state,
 * let one copy sign a few times, then sign with the other (or set it back) and the server sees
 * the counter go backwards. A real KEYRA ONE never does this.
 */
export function setSignCount(
  state: AuthenticatorState,
  credentialId: string,
  signCount: number,
): AuthenticatorState {
  if (!Number.isInteger(signCount) || signCount < 0 || signCount > 0xffffffff) {
    throw new RangeError('signCount must be a 32-bit unsigned integer');
  }
  if (!state.credentials.some((c) => c.credentialId === credentialId)) {
    throw new AuthenticatorError('not_allowed', `no credential ${credentialId} on this device`);
  }
  return {
    ...state,
    credentials: state.credentials.map((c) =>
      c.credentialId === credentialId ? { ...c, signCount } : c,
    ),
  };
}
