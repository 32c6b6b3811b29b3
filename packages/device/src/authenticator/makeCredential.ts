import { X509Certificate } from 'node:crypto';
import { aaguidBytes } from '@keyra/attestation';
import { systemRandom, type RandomBytes } from '@keyra/core';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  FLAG_AT,
  FLAG_UP,
  FLAG_UV,
  buildAttestedCredentialData,
  buildAuthenticatorData,
} from '../internal/authenticatorData.js';
import { encodeCbor, type CborValue } from '../internal/cbor.js';
import { buildClientDataJSON } from '../internal/clientData.js';
import { coseKeyOf, generateP256PrivateKey, sha256, signEs256, spkiOf } from '../internal/es256.js';
import { resolveRpId } from '../internal/resolveRpId.js';
import { AuthenticatorError } from './authenticatorError.js';
import type { AuthenticatorState, StoredCredential } from './authenticatorState.js';

/** COSE algorithm identifier of ES256. */
const ES256_ALG = -7;

/** Options of {@link makeCredential}. */
export interface MakeCredentialOptions {
  /** The origin written into `clientDataJSON`: {@link KEYRA_ONE_ORIGIN} for a device. */
  origin: string;
  /** Whether the user passed the device's biometric check (the UV flag). Default `true`. */
  userVerified?: boolean;
  /** Random source for the credential id. */
  random?: RandomBytes;
}

/** What {@link makeCredential} returns: the new state and the browser-style JSON response. */
export interface MakeCredentialResult {
  state: AuthenticatorState;
  response: RegistrationResponseJSON;
}

/**
 * Registers a new credential, as `navigator.credentials.create()` would with this device: creates
 * a P-256 key pair for `rp.id` and `user.id`, and answers with a `packed` attestation (WebAuthn
 * §8.2) signed by the attestation key with the provisioned chain in `x5c`, or a self attestation
 * signed by the new credential key while the device has no certificate.
 *
 * The answer is `packed` whatever attestation conveyance the options ask for: a KEYRA ONE always
 * attests (a browser would strip it for `attestation: 'none'`, the server accepts it either way).
 *
 * `response` is exactly the `RegistrationResponseJSON` that `verifyRegistrationResponse` of
 * `@simplewebauthn/server` takes. The simulator does not check the origin against the RP id the
 * way a browser does, so tests can forge mismatches.
 *
 * Throws {@link AuthenticatorError}: `invalid_state` when a credential in `excludeCredentials` is
 * already here, `not_supported` when ES256 is not among `pubKeyCredParams`.
 */
export function makeCredential(
  state: AuthenticatorState,
  creationOptions: PublicKeyCredentialCreationOptionsJSON,
  options: MakeCredentialOptions,
): MakeCredentialResult {
  const rpId = resolveRpId(creationOptions.rp.id, options.origin);
  const params = creationOptions.pubKeyCredParams;
  if (params.length > 0 && !params.some((p) => p.type === 'public-key' && p.alg === ES256_ALG)) {
    throw new AuthenticatorError('not_supported', 'the relying party does not accept ES256');
  }
  const excluded = new Set((creationOptions.excludeCredentials ?? []).map((c) => c.id));
  if (state.credentials.some((c) => c.rpId === rpId && excluded.has(c.credentialId))) {
    throw new AuthenticatorError('invalid_state', 'a credential for this account is already here');
  }

  const credentialIdBytes = Buffer.from((options.random ?? systemRandom)(32));
  const privateKey = generateP256PrivateKey();
  const flags = FLAG_UP | (options.userVerified === false ? 0 : FLAG_UV) | FLAG_AT;
  const authData = buildAuthenticatorData({
    rpId,
    flags,
    signCount: 0,
    attestedCredentialData: buildAttestedCredentialData(
      aaguidBytes(state.aaguid),
      credentialIdBytes,
      coseKeyOf(privateKey),
    ),
  });
  const clientDataJSON = buildClientDataJSON(
    'webauthn.create',
    creationOptions.challenge,
    options.origin,
  );
  const signed = Buffer.concat([authData, sha256(clientDataJSON)]);

  const attStmt = new Map<string, CborValue>([['alg', ES256_ALG]]);
  if (state.attestationCertificateChain.length > 0) {
    attStmt.set('sig', signEs256(state.attestationPrivateKey, signed));
    attStmt.set('x5c', state.attestationCertificateChain.map(certificateDer));
  } else {
    attStmt.set('sig', signEs256(privateKey, signed));
  }
  const attestationObject = encodeCbor(
    new Map<string, CborValue>([
      ['fmt', 'packed'],
      ['attStmt', attStmt],
      ['authData', authData],
    ]),
  );

  const credentialId = credentialIdBytes.toString('base64url');
  const credential: StoredCredential = {
    credentialId,
    rpId,
    userHandle: creationOptions.user.id,
    privateKey,
    signCount: 0,
  };
  return {
    state: { ...state, credentials: [...state.credentials, credential] },
    response: {
      id: credentialId,
      rawId: credentialId,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        transports: ['hybrid'],
        publicKeyAlgorithm: ES256_ALG,
        publicKey: spkiOf(privateKey).toString('base64url'),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'cross-platform',
    },
  };
}

function certificateDer(pem: string): Buffer {
  try {
    return new X509Certificate(pem).raw;
  } catch (cause) {
    throw new TypeError('attestationCertificateChain holds a non-certificate', { cause });
  }
}
