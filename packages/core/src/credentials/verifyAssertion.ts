import {
  verifyAuthenticationResponse,
  type AuthenticationResponseJSON,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { DeviceRecord } from '../domain.js';
import { KeyraError } from '../errors.js';
import { readClientData } from './clientData.js';
import { acceptedOrigin, type DeviceTrust, type RelyingParty } from './relyingParty.js';

export type AssertionResult =
  | { outcome: 'verified'; newCounter: number }
  /** The signature is genuine but the counter did not grow: the key may have been cloned. */
  | { outcome: 'counter_regression'; newCounter: number };

/**
 * Verifies a WebAuthn assertion by `device` over `expectedChallenge` (base64url): origin (the
 * KEYRA ONE origin for a KEYRA ONE, the relying party's web origins for a passkey), rpId,
 * signature and user verification. The counter is compared only after the signature has been
 * checked, so a forged low-counter assertion cannot get a genuine device disabled.
 */
export async function verifyAssertion(
  device: DeviceRecord,
  response: unknown,
  expectedChallenge: string,
  rp: RelyingParty,
  trust: DeviceTrust,
): Promise<AssertionResult> {
  const clientData = readClientData(response);
  const origin = acceptedOrigin(rp, trust, clientData.origin);
  const originFitsKind =
    device.kind === 'keyra_one'
      ? origin === trust.keyraOneOrigin
      : origin !== null && origin !== trust.keyraOneOrigin;
  if (!origin || !originFitsKind) {
    throw new KeyraError(
      'attestation_invalid',
      `Origin ${clientData.origin} is not allowed for this ${device.kind === 'keyra_one' ? 'KEYRA ONE' : 'passkey'}.`,
    );
  }
  let verification;
  try {
    verification = await verifyAuthenticationResponse({
      response: response as AuthenticationResponseJSON,
      expectedChallenge,
      expectedOrigin: origin,
      expectedRPID: rp.id,
      // Counter 0 here: the counter check below runs only once the signature is known to be good.
      credential: {
        id: device.credentialId,
        publicKey: isoBase64URL.toBuffer(device.publicKey),
        counter: 0,
        transports: device.transports as AuthenticatorTransport[],
      },
      requireUserVerification: true,
    });
  } catch (error) {
    throw new KeyraError(
      'attestation_invalid',
      `The signature failed verification: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!verification.verified)
    throw new KeyraError('attestation_invalid', 'The signature failed verification.');
  const newCounter = verification.authenticationInfo.newCounter;
  // Authenticators without a counter always send 0; any that counts must move forward.
  const counts = newCounter > 0 || device.signCount > 0;
  if (counts && newCounter <= device.signCount)
    return { outcome: 'counter_regression', newCounter };
  return { outcome: 'verified', newCounter };
}

type AuthenticatorTransport =
  'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb';
