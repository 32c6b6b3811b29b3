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
