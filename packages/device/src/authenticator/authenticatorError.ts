/**
 * Why a simulated authenticator refused a request, named after the WebAuthn `DOMException` a
 * browser would raise: `not_allowed` (no credential for the request), `invalid_state` (an excluded
 * credential is already registered), `not_supported` (no ES256 in the requested algorithms),
 * `invalid_options` (malformed options, e.g. a missing RP id for a non-web origin).
 */
export type AuthenticatorErrorCode =
  'not_allowed' | 'invalid_state' | 'not_supported' | 'invalid_options';

/** Thrown by the simulator's operations when a real authenticator would refuse. */
export class AuthenticatorError extends Error {
  override readonly name = 'AuthenticatorError';

  constructor(
    readonly code: AuthenticatorErrorCode,
    message: string,
  ) {
    super(message);
  }
}
