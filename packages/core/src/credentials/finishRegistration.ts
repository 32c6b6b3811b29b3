import { verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { decodeAttestationObject, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { DeviceRecord, EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import { newId, systemRandom, type RandomBytes } from '../ids.js';
import type { Storage } from '../ports.js';
import { readClientData } from './clientData.js';
import { recordEvent } from '../webhooks/recordEvent.js';
import { appendAudit } from '../audit/appendAudit.js';
import { acceptedOrigin, type DeviceTrust, type RelyingParty } from './relyingParty.js';

export interface FinishRegistrationInput {
  userId: string;
  /** The browser's `credential.toJSON()` (or the simulator's equivalent). */
  response: unknown;
  name?: string;
}

const invalid = (message: string, cause?: unknown): KeyraError =>
  new KeyraError('attestation_invalid', message, cause === undefined ? {} : { cause });

/**
 * Verifies a registration and stores the device. A response from the KEYRA ONE origin must carry
 * `packed` attestation chaining to a root this environment trusts (sandbox: the simulator's and
 * the configured roots; production: configured roots only); any other allowed origin registers a
 * passkey. User verification is required. Emits `device.paired` in the same transaction.
 */
export async function finishRegistration(
  storage: Storage,
  rp: RelyingParty,
  trust: DeviceTrust,
  scope: Scope,
  input: FinishRegistrationInput,
  now: EpochMs,
  random: RandomBytes = systemRandom,
): Promise<DeviceRecord> {
  const clientData = readClientData(input.response);
  const origin = acceptedOrigin(rp, trust, clientData.origin);
  if (!origin) throw invalid(`Origin ${clientData.origin} is not allowed for this relying party.`);
  const isKeyraOne = origin === trust.keyraOneOrigin;

  const ceremony = await storage.ceremonies.consume(
    scope,
    clientData.challenge,
    'registration',
    now,
  );
  if (!ceremony)
    throw invalid('Unknown, expired or already used registration challenge; request new options.');
  if (ceremony.userId !== input.userId)
    throw invalid('The registration challenge was issued for another user.');

  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response: input.response as RegistrationResponseJSON,
      expectedChallenge: ceremony.challenge,
      expectedOrigin: origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (error) {
    throw invalid(`Registration failed verification: ${(error as Error).message}`, error);
  }
  if (!verification.verified) throw invalid('Registration failed verification.');
  const info = verification.registrationInfo;

  let rootFingerprint: string | null = null;
  let attestationTrusted = false;
  if (isKeyraOne) {
    const statement = decodeAttestationObject(info.attestationObject).get('attStmt');
    const x5c = statement.get('x5c') ?? [];
    if (info.fmt !== 'packed' || x5c.length === 0) {
      throw invalid('A KEYRA ONE must present packed attestation with a certificate chain.');
    }
    const chain = await trust.verifyChain(x5c, scope.environment, now);
    if (!chain.trusted) {
      throw invalid(
        `The device certificate does not chain to a KEYRA ONE root trusted in ${scope.environment}.`,
        chain.reason,
      );
    }
    attestationTrusted = true;
    rootFingerprint = chain.rootFingerprint ?? null;
  }

  const device: DeviceRecord = {
    id: newId('device', random),
    tenantId: scope.tenantId,
    environment: scope.environment,
    userId: input.userId,
    kind: isKeyraOne ? 'keyra_one' : 'passkey',
    name: input.name ?? (isKeyraOne ? 'KEYRA ONE' : 'Passkey'),
    credentialId: info.credential.id,
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    aaguid: info.aaguid,
    signCount: info.credential.counter,
    transports: info.credential.transports ?? [],
    attestationFormat: info.fmt,
    attestationTrusted,
    rootFingerprint,
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    disabledAt: null,
    disabledReason: null,
  };
  await storage.transaction(async (tx) => {
    if (await tx.devices.findByCredentialId(scope, device.credentialId)) {
      throw new KeyraError(
        'credential_already_registered',
        'This credential is already paired in this environment.',
      );
    }
    await tx.devices.insert(device);
    await recordEvent(
      tx,
      scope,
      'device.paired',
      {
        deviceId: device.id,
        userId: device.userId,
        kind: device.kind,
        name: device.name,
        aaguid: device.aaguid,
      },
      now,
      random,
    );
    await appendAudit(
      tx,
      scope,
      {
        type: 'device.paired',
        subject: device.id,
        data: {
          userId: device.userId,
          kind: device.kind,
          credentialId: device.credentialId,
          attestationTrusted: device.attestationTrusted,
        },
      },
      now,
      random,
    );
  });
  return device;
}
