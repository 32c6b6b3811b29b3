/**
 * `@keyra/attestation`: the KEYRA ONE trust model that the server and the device simulator share.
 * Chain verification decides, at pairing, whether a device's attestation certificate leads to a
 * trusted root; the simulator root CA and certificate issuing are the factory provisioning the
 * server performs for simulated devices in sandbox. See docs/trust-model.md.
 */
export { KEYRA_ONE_ORIGIN, KEYRA_ONE_SIMULATOR_AAGUID } from './origin.js';
export { isAaguid, aaguidBytes } from './aaguid.js';
export {
  createSimulatorRootCa,
  type CertificateAuthority,
  type CreateSimulatorRootCaOptions,
} from './createSimulatorRootCa.js';
export {
  issueAttestationCertificate,
  FIDO_AAGUID_EXTENSION_OID,
  type IssueAttestationCertificateOptions,
} from './issueAttestationCertificate.js';
export {
  verifyAttestationChain,
  type VerifyAttestationChainOptions,
  type AttestationChainResult,
} from './verifyAttestationChain.js';
