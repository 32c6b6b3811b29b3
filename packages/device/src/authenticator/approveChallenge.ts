import { answerChallenge, digestBytes } from '../internal/answerChallenge.js';
import type { AuthenticatorState } from './AuthenticatorState.js';
import type { GetAssertionResult } from './getAssertion.js';

/** Options of {@link approveChallenge} and {@link rejectChallenge}. */
export interface AnswerChallengeOptions {
  /** The challenge digest (`challengeDigest()` of `@keyra/core`), 64 hex characters. */
  digestHex: string;
  /** The relying party the device credential is registered for. */
  rpId: string;
  /** Which credential signs; the first one for `rpId` when omitted. */
  credentialId?: string;
  /** The origin in `clientDataJSON`. Defaults to {@link KEYRA_ONE_ORIGIN}. */
  origin?: string;
  /** Whether the user passed the biometric check. Default `true`. */
  userVerified?: boolean;
}

/**
 * Approves a KEYRA challenge: signs an assertion whose WebAuthn challenge is the 32 bytes of the
 * challenge digest, so the signature covers the action and payload the human saw. The response is
 * the `attestation` of `POST /v1/challenges/:id/verify`. Throws `TypeError` on a malformed digest
 * and {@link AuthenticatorError} `not_allowed` when the device holds no matching credential.
 */
export function approveChallenge(
  state: AuthenticatorState,
  options: AnswerChallengeOptions,
): GetAssertionResult {
  return answerChallenge(state, options, digestBytes(options.digestHex));
}
