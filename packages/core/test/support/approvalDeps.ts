import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createAuthenticator,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  type AuthenticatorState,
} from '@keyra/device';
import {
  createSecretBox,
  finishRegistration,
  generateSigningKey,
  newId,
  proofSha256,
  signCompactJws,
  signProof,
  stampClaims,
  startRegistration,
  STAMP_TYPE,
  type DeviceRecord,
  type DeviceTrust,
  type EpochMs,
  type ProofSigner,
  type RelyingParty,
  type Scope,
  type StampIssuer,
  type Storage,
} from '../../src/index.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/attestation/${name}`, import.meta.url), 'utf8');

/** The fixture KEYRA ONE attestation key and its certificate (see fixtures/README.md). */
export const ATTESTATION_KEY_PEM = fixture('attestation-key.pem');
export const ATTESTATION_LEAF_PEM = fixture('leaf.pem');
export const ATTESTATION_ROOT_PEM = fixture('root.pem');

export const RP: RelyingParty = {
  id: 'example.com',
  name: 'KEYRA',
  origins: ['https://app.example.com'],
  allowLocalhostOrigins: false,
};

/** The passkey origin the relying party allows. */
export const WEB_ORIGIN = 'https://app.example.com';

/**
 * Device trust with the fixture root as the only KEYRA ONE root: a chain is trusted when its last
 * certificate was issued and signed by the root and every certificate is valid at `now`.
 */
export function fixtureTrust(rootPem: string = ATTESTATION_ROOT_PEM): DeviceTrust {
  const root = new X509Certificate(rootPem);
  return {
    keyraOneOrigin: KEYRA_ONE_ORIGIN,
    async verifyChain(x5c, _environment, now) {
      const chain = x5c.map((der) => new X509Certificate(Buffer.from(der)));
      const valid = chain.every(
        (cert) => Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo),
      );
      const top = chain.at(-1);
      const issuedByRoot = top !== undefined && top.checkIssued(root) && top.verify(root.publicKey);
      return valid && issuedByRoot
        ? { trusted: true, rootFingerprint: root.fingerprint256.replaceAll(':', '').toLowerCase() }
        : { trusted: false, reason: 'not issued by the fixture root' };
    },
  };
}

/** A simulated KEYRA ONE holding the fixture attestation key and certificate. */
export function fixtureAuthenticator(): AuthenticatorState {
  return createAuthenticator({
    aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
    attestationKeyPair: { privateKey: ATTESTATION_KEY_PEM },
    attestationCertificateChain: [ATTESTATION_LEAF_PEM],
  });
}

/** A proof signer and a stamp issuer on one freshly generated ES256 key, as the server wires them. */
export async function proofDeps(
  now: EpochMs,
): Promise<{ signer: ProofSigner; stamps: StampIssuer; issuer: string }> {
  const box = createSecretBox(Buffer.alloc(32, 7), 'signing-keys');
  const key = await generateSigningKey(box, now);
  const issuer = 'https://keyra.example.com';
  return {
    issuer,
    signer: {
      sign: async (subject, at) => (await signProof(key, box, issuer, subject, at)).jws,
    },
    stamps: {
      async issue(scope, subject, at) {
        const issuedAt = Math.floor(at / 1000) * 1000;
        const id = newId('stamp');
        const sha = proofSha256(subject.proof);
        const claims = stampClaims(issuer, {
          id,
          proofSha256: sha,
          issuedAt,
          method: subject.method,
          environment: scope.environment,
        });
        return {
          id,
          tenantId: scope.tenantId,
          environment: scope.environment,
          subjectId: subject.subjectId,
          method: subject.method,
          proofSha256: sha,
          issuedAt,
          signature: await signCompactJws(key, box, { ...claims }, STAMP_TYPE),
          offchain: null,
          chainStatus: 'none',
          chainAttempts: 0,
          chainNextAttemptAt: null,
          chainLeaseUntil: null,
          chainId: null,
          chainTxHash: null,
          chainUid: null,
          chainError: null,
          chainConfirmedAt: null,
        };
      },
    },
  };
}

/** A device paired through the real registration verbs, with the simulator that holds its key. */
export interface PairedDevice {
  record: DeviceRecord;
  state: AuthenticatorState;
}

/**
 * Pairs a simulator with `userId` through `startRegistration` and `finishRegistration`: from the
 * KEYRA ONE origin (a `keyra_one`, attested by the fixture chain) or from {@link WEB_ORIGIN} (a
 * passkey).
 */
export async function pairDevice(
  storage: Storage,
  scope: Scope,
  userId: string,
  now: EpochMs,
  options: { origin?: string; state?: AuthenticatorState; trust?: DeviceTrust } = {},
): Promise<PairedDevice> {
  const creation = await startRegistration(
    storage,
    RP,
    scope,
    { userId, displayName: userId },
    now,
  );
  const made = makeCredential(options.state ?? fixtureAuthenticator(), creation, {
    origin: options.origin ?? KEYRA_ONE_ORIGIN,
  });
  const record = await finishRegistration(
    storage,
    RP,
    options.trust ?? fixtureTrust(),
    scope,
    { userId, response: made.response },
    now,
  );
  return { record, state: made.state };
}
