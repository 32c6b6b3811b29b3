import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
} from '@simplewebauthn/server';
import type { EpochMs, Scope } from '../domain.js';
import type { Storage } from '../ports.js';
import { userHandle } from './clientData.js';
import type { RelyingParty } from './relyingParty.js';

/** How long a registration or authentication ceremony may take. */
export const CEREMONY_TTL_MS = 5 * 60 * 1000;

export interface StartRegistrationInput {
  userId: string;
  displayName: string;
}

/**
 * Begins pairing a KEYRA ONE or registering a passkey: WebAuthn creation options (JSON form)
 * requiring user verification and asking for direct attestation (how a KEYRA ONE proves its
 * make), with the user's existing credentials excluded. The challenge is remembered once.
 */
export async function startRegistration(
  storage: Pick<Storage, 'devices' | 'ceremonies'>,
  rp: RelyingParty,
  scope: Scope,
  input: StartRegistrationInput,
  now: EpochMs,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const existing = await storage.devices.list(scope, { userId: input.userId });
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: input.userId,
    userDisplayName: input.displayName,
    userID: userHandle(scope.tenantId, scope.environment, input.userId),
    attestationType: 'direct',
    timeout: CEREMONY_TTL_MS,
    excludeCredentials: existing.map((device) => ({ id: device.credentialId })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: [-7, -8, -257],
  });
  await storage.ceremonies.insert({
    challenge: options.challenge,
    tenantId: scope.tenantId,
    environment: scope.environment,
    userId: input.userId,
    kind: 'registration',
    createdAt: now,
    expiresAt: now + CEREMONY_TTL_MS,
    usedAt: null,
  });
  return options;
}
