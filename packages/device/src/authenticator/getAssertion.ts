import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { FLAG_UP, FLAG_UV, buildAuthenticatorData } from '../internal/authenticatorData.js';
import { buildClientDataJSON } from '../internal/clientData.js';
import { sha256, signEs256 } from '../internal/es256.js';
import { resolveRpId } from '../internal/resolveRpId.js';
import { AuthenticatorError } from './authenticatorError.js';
import type { AuthenticatorState } from './authenticatorState.js';

/** Options of {@link getAssertion}. */
export interface GetAssertionOptions {
  /** The origin written into `clientDataJSON`: {@link KEYRA_ONE_ORIGIN} for a device. */
  origin: string;
  /** Whether the user passed the device's biometric check (the UV flag). Default `true`. */
  userVerified?: boolean;
}

/** What {@link getAssertion} returns: the new state (counter incremented) and the JSON response. */
export interface GetAssertionResult {
  state: AuthenticatorState;
  response: AuthenticationResponseJSON;
}

/**
 * Signs an assertion, as `navigator.credentials.get()` would with this device: picks the first
 * credential for the RP id that `allowCredentials` names (any credential for the RP id when the
 * list is empty or absent), increments its signature counter, and signs
 * `authenticatorData ‖ SHA-256(clientDataJSON)` with ES256 (DER).
 *
 * `response` is exactly the `AuthenticationResponseJSON` that `verifyAuthenticationResponse` of
 * `@simplewebauthn/server` takes. Throws {@link AuthenticatorError} `not_allowed` when no
 * credential matches.
 */
export function getAssertion(
  state: AuthenticatorState,
  requestOptions: PublicKeyCredentialRequestOptionsJSON,
  options: GetAssertionOptions,
): GetAssertionResult {
  const rpId = resolveRpId(requestOptions.rpId, options.origin);
  const allowed = (requestOptions.allowCredentials ?? []).map((c) => c.id);
  const index = state.credentials.findIndex(
    (c) => c.rpId === rpId && (allowed.length === 0 || allowed.includes(c.credentialId)),
  );
  const credential = state.credentials[index];
  if (!credential) {
    throw new AuthenticatorError('not_allowed', `no credential for RP id ${rpId} on this device`);
  }

  const signCount = credential.signCount + 1;
  const flags = FLAG_UP | (options.userVerified === false ? 0 : FLAG_UV);
  const authData = buildAuthenticatorData({ rpId, flags, signCount });
  const clientDataJSON = buildClientDataJSON(
    'webauthn.get',
    requestOptions.challenge,
    options.origin,
  );
  const signature = signEs256(
    credential.privateKey,
    Buffer.concat([authData, sha256(clientDataJSON)]),
  );

  const credentials = state.credentials.map((c, i) => (i === index ? { ...c, signCount } : c));
  return {
    state: { ...state, credentials },
    response: {
      id: credential.credentialId,
      rawId: credential.credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        userHandle: credential.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform',
    },
  };
}
