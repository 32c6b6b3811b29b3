import {
  SettingsService,
  verifyRegistrationResponse,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeAttestationObject, isoBase64URL } from '@simplewebauthn/server/helpers';
import { createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticatorError,
  createAuthenticator,
  createSimulatorRootCa,
  getAttestationPublicKey,
  issueAttestationCertificate,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
  verifyAttestationChain,
  type AuthenticatorState,
  type CertificateAuthority,
} from '../src/index.js';
import { RP_ID, provisionedDevice, registrationOptions, simulatorRoot } from './support.js';

let ca: CertificateAuthority;
let foreign: CertificateAuthority;
let device: AuthenticatorState;

beforeAll(async () => {
  [ca, foreign] = await Promise.all([
    simulatorRoot(),
    createSimulatorRootCa({ now: Date.now(), commonName: 'Foreign Root' }),
  ]);
  device = await provisionedDevice(ca);
});

async function register(
  state: AuthenticatorState,
  options: { userVerified?: boolean; origin?: string } = {},
): Promise<{ state: AuthenticatorState; response: RegistrationResponseJSON; challenge: string }> {
  const creation = await registrationOptions();
  const result = makeCredential(state, creation, {
    origin: options.origin ?? KEYRA_ONE_ORIGIN,
    userVerified: options.userVerified ?? true,
  });
  return { ...result, challenge: creation.challenge };
}

function verify(response: RegistrationResponseJSON, challenge: string, overrides = {}) {
  return verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: KEYRA_ONE_ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: true,
    ...overrides,
  });
}

/** The `x5c` of a verified registration, as the server will extract it. */
function x5cOf(attestationObject: Uint8Array): Uint8Array[] {
  return decodeAttestationObject(new Uint8Array(attestationObject)).get('attStmt').get('x5c') ?? [];
}

describe('makeCredential', () => {
  it('produces a packed registration that @simplewebauthn/server verifies with UV required', async () => {
    const { state, response, challenge } = await register(device);
    const { verified, registrationInfo } = await verify(response, challenge);
    expect(verified).toBe(true);
    expect(registrationInfo).toMatchObject({
      fmt: 'packed',
      aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
      userVerified: true,
      credentialDeviceType: 'singleDevice',
      credentialBackedUp: false,
      origin: KEYRA_ONE_ORIGIN,
      rpID: RP_ID,
    });
    expect(registrationInfo!.credential).toMatchObject({
      id: response.id,
      counter: 0,
      transports: ['hybrid'],
    });
    // The stored credential is the one registered, and the SPKI shortcut is the same key.
    expect(state.credentials).toHaveLength(1);
    expect(state.credentials[0]).toMatchObject({
      credentialId: response.id,
      rpId: RP_ID,
      userHandle: isoBase64URL.fromBuffer(Buffer.from('usr_8f2a')),
      signCount: 0,
    });
    const spki = createPublicKey(state.credentials[0]!.privateKey).export({
      format: 'der',
      type: 'spki',
    });
    expect(response.response.publicKey).toBe(spki.toString('base64url'));
    expect(response.response.publicKeyAlgorithm).toBe(-7);
    expect(device.credentials).toHaveLength(0); // the input state is not mutated
  });

  it('carries an x5c that chains to the simulator root', async () => {
    const { response, challenge } = await register(device);
    const { registrationInfo } = await verify(response, challenge);
    const x5c = x5cOf(registrationInfo!.attestationObject);
    expect(x5c).toHaveLength(1);
    const chain = await verifyAttestationChain({
      x5c,
      trustedRootsPem: [ca.certificatePem],
      now: Date.now(),
    });
    expect(chain.trusted).toBe(true);
  });

  it('reports UV off when the user was not verified, and the verifier refuses it', async () => {
    const { response, challenge } = await register(device, { userVerified: false });
    await expect(verify(response, challenge)).rejects.toThrow(/User verification was required/);
  });

  it('is refused for another origin, RP id or challenge', async () => {
    const { response, challenge } = await register(device, { origin: 'https://evil.example' });
    await expect(verify(response, challenge)).rejects.toThrow(/origin/);
    const good = await register(device);
    await expect(
      verify(good.response, good.challenge, { expectedRPID: 'example.com' }),
    ).rejects.toThrow(/RP ID/);
    await expect(verify(good.response, 'AAAA')).rejects.toThrow(/challenge/);
  });

  it('is refused when the attestation signature does not cover the client data', async () => {
    const { response, challenge } = await register(device);
    const other = await register(device);
    // Keep the first attestation object, swap in another registration's clientDataJSON.
    const forged = {
      ...response,
      response: { ...response.response, clientDataJSON: other.response.response.clientDataJSON },
    };
    const outcome = await verify(forged, other.challenge).catch(() => ({ verified: false }));
    expect(outcome.verified).toBe(false);
    expect((await verify(response, challenge)).verified).toBe(true);
  });

  it('signs with self attestation (no x5c) until provisioned, which no root trusts', async () => {
    const { response, challenge } = await register(createAuthenticator());
    const { verified, registrationInfo } = await verify(response, challenge);
    expect(verified).toBe(true);
    expect(registrationInfo!.fmt).toBe('packed');
    const x5c = x5cOf(registrationInfo!.attestationObject);
    expect(x5c).toHaveLength(0);
    const chain = await verifyAttestationChain({
      x5c,
      trustedRootsPem: [ca.certificatePem],
      now: Date.now(),
    });
    expect(chain.trusted).toBe(false);
  });

  it('@simplewebauthn/server alone accepts a foreign-root device unless packed roots are set globally', async () => {
    const stranger = await provisionedDevice(foreign);
    const { response, challenge } = await register(stranger);
    // Default: no `packed` roots in SettingsService, so the chain is not checked at all.
    const { verified, registrationInfo } = await verify(response, challenge);
    expect(verified).toBe(true);
    const chain = await verifyAttestationChain({
      x5c: x5cOf(registrationInfo!.attestationObject),
      trustedRootsPem: [ca.certificatePem],
      now: Date.now(),
    });
    expect(chain).toMatchObject({ trusted: false });
    // With process-wide packed roots it refuses: usable, but global to every tenant and environment.
    SettingsService.setRootCertificates({
      identifier: 'packed',
      certificates: [ca.certificatePem],
    });
    try {
      await expect(verify(response, challenge)).rejects.toThrow(/trust anchor/);
      const ours = await register(device);
      expect((await verify(ours.response, ours.challenge)).verified).toBe(true);
    } finally {
      SettingsService.setRootCertificates({ identifier: 'packed', certificates: [] });
    }
  });

  it('refuses excluded credentials, RPs without ES256 and a missing RP id for the device origin', async () => {
    const first = await register(device);
    const id = first.response.id;
    const again = await registrationOptions({ excludeCredentials: [{ id }] });
    expect(() => makeCredential(first.state, again, { origin: KEYRA_ONE_ORIGIN })).toThrow(
      expect.objectContaining({ code: 'invalid_state' }),
    );
    const rsaOnly = await registrationOptions({ supportedAlgorithmIDs: [-257] });
    expect(() => makeCredential(device, rsaOnly, { origin: KEYRA_ONE_ORIGIN })).toThrow(
      AuthenticatorError,
    );
    const noRp = await registrationOptions();
    delete noRp.rp.id;
    expect(() => makeCredential(device, noRp, { origin: KEYRA_ONE_ORIGIN })).toThrow(
      expect.objectContaining({ code: 'invalid_options' }),
    );
    // A web origin gives its host as the RP id, as browsers do.
    const web = makeCredential(device, noRp, { origin: 'http://localhost:8787' });
    expect(web.state.credentials[0]!.rpId).toBe('localhost');
  });
});

describe('provisionAttestationCertificate', () => {
  it('installs only a certificate for the device attestation key', async () => {
    const other = createAuthenticator();
    const pem = await issueAttestationCertificate({
      rootCa: ca,
      subjectPublicKey: getAttestationPublicKey(other),
      aaguid: other.aaguid,
      now: Date.now(),
    });
    expect(() => provisionAttestationCertificate(createAuthenticator(), pem)).toThrow(
      /not for this device/,
    );
    expect(provisionAttestationCertificate(other, pem).attestationCertificateChain).toEqual([pem]);
  });

  it('refuses junk as a certificate, and a stored chain entry that is not one', async () => {
    const junk = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(() => provisionAttestationCertificate(createAuthenticator(), junk)).toThrow();
    const broken = createAuthenticator({ attestationCertificateChain: [junk] });
    const creation = await registrationOptions();
    expect(() => makeCredential(broken, creation, { origin: KEYRA_ONE_ORIGIN })).toThrow(
      /non-certificate/,
    );
  });
});
