import { rejectionChallenge } from '@keyra/core';
import { answerChallenge, digestBytes } from '../internal/answerChallenge.js';
import type { AnswerChallengeOptions } from './answerChallengeOptions.js';
import type { AuthenticatorState } from './authenticatorState.js';
import type { GetAssertionResult } from './getAssertion.js';

/**
 * Explicitly rejects a KEYRA challenge: signs an assertion whose WebAuthn challenge is
 * `rejectionChallenge(digestHex)` of `@keyra/core`, so a rejection can never be mistaken for (or
 * replayed as) an approval. The server answers such a verify with `status: "rejected"`.
 */
export function rejectChallenge(
  state: AuthenticatorState,
  options: AnswerChallengeOptions,
): GetAssertionResult {
  digestBytes(options.digestHex);
  return answerChallenge(state, options, rejectionChallenge(options.digestHex));
}
