import { AuthenticatorError } from '../authenticator/authenticatorError.js';

/**
 * The RP id of a request: the one given, else (as browsers do) the host of a web origin. A
 * KEYRA ONE's non-web origin has no host, so its requests must name the RP id.
 */
export function resolveRpId(rpId: string | undefined, origin: string): string {
  if (rpId) return rpId;
  if (/^https?:\/\//.test(origin)) return new URL(origin).hostname;
  throw new AuthenticatorError('invalid_options', `an RP id is required for origin ${origin}`);
}
