// The KEYRA ONE trust primitives live in @keyra/attestation, which the server shares; they stay
// exported here so code written against the simulator keeps working.
export {
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  createSimulatorRootCa,
  issueAttestationCertificate,
  verifyAttestationChain,
  type CertificateAuthority,
  type CreateSimulatorRootCaOptions,
  type IssueAttestationCertificateOptions,
  type VerifyAttestationChainOptions,
  type AttestationChainResult,
} from '@keyra/attestation';
export type {
  AuthenticatorState,
  DevicePairing,
  StoredCredential,
} from './authenticator/authenticatorState.js';
export {
  AuthenticatorError,
  type AuthenticatorErrorCode,
} from './authenticator/authenticatorError.js';
export {
  createAuthenticator,
  type CreateAuthenticatorOptions,
} from './authenticator/createAuthenticator.js';
export { getAttestationPublicKey } from './authenticator/getAttestationPublicKey.js';
export { provisionAttestationCertificate } from './authenticator/provisionAttestationCertificate.js';
export {
  makeCredential,
  type MakeCredentialOptions,
  type MakeCredentialResult,
} from './authenticator/makeCredential.js';
export {
  getAssertion,
  type GetAssertionOptions,
  type GetAssertionResult,
} from './authenticator/getAssertion.js';
export type { AnswerChallengeOptions } from './authenticator/answerChallengeOptions.js';
export { approveChallenge } from './authenticator/approveChallenge.js';
export { rejectChallenge } from './authenticator/rejectChallenge.js';
export { setSignCount } from './authenticator/setSignCount.js';
export { parseAuthenticatorState } from './state/parseAuthenticatorState.js';
export { saveAuthenticatorState } from './state/saveAuthenticatorState.js';
export { loadAuthenticatorState } from './state/loadAuthenticatorState.js';
