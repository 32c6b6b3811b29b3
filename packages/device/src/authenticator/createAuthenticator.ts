import type { KeyObject } from 'node:crypto';
import { isAaguid, KEYRA_ONE_SIMULATOR_AAGUID } from '@keyra/attestation';
import { generateP256PrivateKey, p256PrivateKey } from '../internal/es256.js';
import type { AuthenticatorState } from './authenticatorState.js';

/** Options of {@link createAuthenticator}. */
export interface CreateAuthenticatorOptions {
  /** The model's AAGUID. Defaults to {@link KEYRA_ONE_SIMULATOR_AAGUID}. */
  aaguid?: string;
  /** The attestation key pair (P-256; its private key as a `KeyObject` or PKCS#8 PEM). Generated when omitted. */
  attestationKeyPair?: { privateKey: KeyObject | string };
  /** A certificate chain (PEM, leaf first) for the attestation key, if already issued. */
  attestationCertificateChain?: string[];
}

/**
 * A new simulated KEYRA ONE with no credentials. Unless given a chain, it is not yet provisioned:
 * send {@link getAttestationPublicKey} to the issuing CA (the server, in sandbox) and install the
 * returned certificate with {@link provisionAttestationCertificate}.
 */
export function createAuthenticator(options: CreateAuthenticatorOptions = {}): AuthenticatorState {
  const aaguid = options.aaguid ?? KEYRA_ONE_SIMULATOR_AAGUID;
  if (!isAaguid(aaguid)) throw new TypeError(`aaguid must be a lowercase UUID: ${aaguid}`);
  const given = options.attestationKeyPair?.privateKey;
  const attestationPrivateKey =
    given === undefined
      ? generateP256PrivateKey()
      : p256PrivateKey(typeof given === 'string' ? given : exportPem(given))
          .export({ format: 'pem', type: 'pkcs8' })
          .toString();
  return {
    version: 1,
    aaguid,
    attestationPrivateKey,
    attestationCertificateChain: [...(options.attestationCertificateChain ?? [])],
    credentials: [],
  };
}

function exportPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}
