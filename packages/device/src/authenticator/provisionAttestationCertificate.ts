import { X509Certificate } from 'node:crypto';
import { spkiOf } from '../internal/es256.js';
import type { AuthenticatorState } from './authenticatorState.js';

/**
 * Installs the attestation certificate chain (PEM, leaf first; a single PEM string is the leaf
 * alone) issued for the device's attestation key, and returns the new state. From then on every
 * registration carries `x5c` with this chain.
 *
 * Throws `TypeError` when the leaf certificate does not certify this device's attestation key.
 */
export function provisionAttestationCertificate(
  state: AuthenticatorState,
  chain: string | readonly string[],
): AuthenticatorState {
  const pems = typeof chain === 'string' ? [chain] : [...chain];
  if (pems.length === 0) throw new TypeError('attestation certificate chain is empty');
  const certified = new X509Certificate(pems[0]!).publicKey.export({ format: 'der', type: 'spki' });
  if (!certified.equals(spkiOf(state.attestationPrivateKey))) {
    throw new TypeError("the certificate is not for this device's attestation key");
  }
  return { ...state, attestationCertificateChain: pems };
}
