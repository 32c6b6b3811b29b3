import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
} from '@simplewebauthn/server';
import {
  createAuthenticator,
  createSimulatorRootCa,
  getAttestationPublicKey,
  issueAttestationCertificate,
  provisionAttestationCertificate,
  type AuthenticatorState,
  type CertificateAuthority,
} from '../src/index.js';

export const RP_ID = 'localhost';

/** The simulator root, created once per test file with the real clock (the verifier uses it). */
let root: Promise<CertificateAuthority> | undefined;
export function simulatorRoot(): Promise<CertificateAuthority> {
  root ??= createSimulatorRootCa({ now: Date.now() });
  return root;
}

/** A device provisioned by `ca`, as the server does for sandbox pairing. */
export async function provisionedDevice(
  ca: CertificateAuthority,
  now = Date.now(),
): Promise<AuthenticatorState> {
  const device = createAuthenticator();
  const certificatePem = await issueAttestationCertificate({
    rootCa: ca,
    subjectPublicKey: getAttestationPublicKey(device),
    aaguid: device.aaguid,
    now,
  });
  return provisionAttestationCertificate(device, certificatePem);
}

/** Registration options as the server would generate them for a KEYRA ONE. */
export function registrationOptions(
  overrides: Partial<Parameters<typeof generateRegistrationOptions>[0]> = {},
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'KEYRA',
    rpID: RP_ID,
    userName: 'usr_8f2a',
    userID: Buffer.from('usr_8f2a'),
    attestationType: 'direct',
    authenticatorSelection: { userVerification: 'required', residentKey: 'preferred' },
    supportedAlgorithmIDs: [-7],
    ...overrides,
  });
}
