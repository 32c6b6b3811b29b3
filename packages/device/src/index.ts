export { KEYRA_ONE_ORIGIN, KEYRA_ONE_SIMULATOR_AAGUID } from './origin.js';
export {
  createSimulatorRootCa,
  type CertificateAuthority,
  type CreateSimulatorRootCaOptions,
} from './attestation/createSimulatorRootCa.js';
export {
  issueAttestationCertificate,
  type IssueAttestationCertificateOptions,
} from './attestation/issueAttestationCertificate.js';
export {
  verifyAttestationChain,
  type VerifyAttestationChainOptions,
  type AttestationChainResult,
} from './attestation/verifyAttestationChain.js';
export type {
  AuthenticatorState,
  DevicePairing,
  StoredCredential,
} from './authenticator/AuthenticatorState.js';
export {
  AuthenticatorError,
  type AuthenticatorErrorCode,
} from './authenticator/AuthenticatorError.js';
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
export { approveChallenge, type AnswerChallengeOptions } from './authenticator/approveChallenge.js';
export { rejectChallenge } from './authenticator/rejectChallenge.js';
export { setSignCount } from './authenticator/setSignCount.js';
export { parseAuthenticatorState } from './state/parseAuthenticatorState.js';
export { saveAuthenticatorState } from './state/saveAuthenticatorState.js';
export { loadAuthenticatorState } from './state/loadAuthenticatorState.js';
