import { createPublicKey } from 'node:crypto';
import type { AuthenticatorState } from './authenticatorState.js';

/**
 * The device's attestation public key as SPKI PEM: what a KEYRA ONE sends to the issuing CA
 * (in sandbox, the server's simulator root) to receive its attestation certificate.
 */
export function getAttestationPublicKey(state: AuthenticatorState): string {
  return createPublicKey(state.attestationPrivateKey)
    .export({ format: 'pem', type: 'spki' })
    .toString();
}
