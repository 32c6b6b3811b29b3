import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { DeviceRecord } from '../domain.js';
import { KeyraError } from '../errors.js';
import { checkAuthenticationResponse } from './checkAuthenticationResponse.js';
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
    verification = await checkAuthenticationResponse(
      response as AuthenticationResponseJSON,
      { challenge: expectedChallenge, origin, rpId: rp.id },
      isoBase64URL.toBuffer(device.publicKey),
    );
  } catch (error) {
    throw new KeyraError(
      'attestation_invalid',
      `The signature failed verification: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!verification.verified)
    throw new KeyraError('attestation_invalid', 'The signature failed verification.');
  const newCounter = verification.newCounter;
  // Authenticators without a counter always send 0; any that counts must move forward.
  const counts = newCounter > 0 || device.signCount > 0;
  if (counts && newCounter <= device.signCount)
    return { outcome: 'counter_regression', newCounter };
  return { outcome: 'verified', newCounter };
}
