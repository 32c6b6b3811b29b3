import { answerChallenge, digestBytes } from '../internal/answerChallenge.js';
import type { AnswerChallengeOptions } from './answerChallengeOptions.js';
import type { AuthenticatorState } from './authenticatorState.js';
import type { GetAssertionResult } from './getAssertion.js';

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
