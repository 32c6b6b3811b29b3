import { KEYRA_ONE_ORIGIN } from '@keyra/attestation';
import type { AnswerChallengeOptions } from '../authenticator/answerChallengeOptions.js';
import type { AuthenticatorState } from '../authenticator/authenticatorState.js';
import { getAssertion, type GetAssertionResult } from '../authenticator/getAssertion.js';

/** An assertion over `challenge` with the options of an approval or rejection. */
export function answerChallenge(
  state: AuthenticatorState,
  options: AnswerChallengeOptions,
  challenge: Buffer,
): GetAssertionResult {
  return getAssertion(
    state,
    {
      challenge: challenge.toString('base64url'),
      rpId: options.rpId,
      allowCredentials: options.credentialId
        ? [{ id: options.credentialId, type: 'public-key' }]
        : [],
      userVerification: 'required',
    },
    { origin: options.origin ?? KEYRA_ONE_ORIGIN, userVerified: options.userVerified ?? true },
  );
}

/** The 32 bytes of a digest given as hex. Throws on anything but 64 hex characters. */
export function digestBytes(digestHex: string): Buffer {
  if (!/^[0-9a-f]{64}$/i.test(digestHex)) {
    throw new TypeError('digestHex must be a SHA-256 digest: 64 hex characters');
  }
  return Buffer.from(digestHex, 'hex');
}
