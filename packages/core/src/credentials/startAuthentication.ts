import {
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { effectiveStatus } from '../challenges/effectiveStatus.js';
import type { EpochMs, Scope } from '../domain.js';
import { KeyraError } from '../errors.js';
import type { Storage } from '../ports.js';
import { assertDecidable } from '../challenges/assertDecidable.js';
import type { RelyingParty } from './relyingParty.js';
import { CEREMONY_TTL_MS } from './startRegistration.js';

export interface StartAuthenticationInput {
  userId: string;
  /** When given, the options' challenge is this KEYRA challenge's digest: the assertion approves it. */
  challengeId?: string;
}

/**
 * WebAuthn request options for the user's active devices. With `challengeId`, the challenge is the
 * challenge digest, so the browser's assertion is exactly the `attestation` that
 * `POST /v1/challenges/:id/verify` takes. Without it, a plain sign-in ceremony is started.
 */
export async function startAuthentication(
  storage: Pick<Storage, 'devices' | 'ceremonies' | 'challenges'>,
  rp: RelyingParty,
  scope: Scope,
  input: StartAuthenticationInput,
  now: EpochMs,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  let challengeBytes: Uint8Array<ArrayBuffer> | undefined;
  if (input.challengeId !== undefined) {
    const challenge = await storage.challenges.find(scope, input.challengeId);
    if (!challenge)
      throw new KeyraError(
        'challenge_not_found',
        `No challenge ${input.challengeId} in this environment.`,
      );
    if (challenge.userId !== input.userId) {
      throw new KeyraError('validation_failed', `Challenge ${challenge.id} is for another user.`, {
        details: [{ field: 'userId', issue: 'mismatch' }],
      });
    }
    assertDecidable(challenge, effectiveStatus(challenge, now));
    challengeBytes = new Uint8Array(Buffer.from(challenge.digest, 'hex'));
  }
  const devices = (await storage.devices.list(scope, { userId: input.userId })).filter(
    (device) => device.disabledAt === null,
  );
  if (devices.length === 0)
    throw new KeyraError(
      'device_not_found',
      `No paired KEYRA device or passkey for user ${input.userId}.`,
    );
  const options = await generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'required',
    timeout: CEREMONY_TTL_MS,
    allowCredentials: devices.map((device) => ({
      id: device.credentialId,
      transports: device.transports as (
        'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb'
      )[],
    })),
    ...(challengeBytes ? { challenge: challengeBytes } : {}),
  });
  if (!challengeBytes) {
    await storage.ceremonies.insert({
      challenge: options.challenge,
      tenantId: scope.tenantId,
      environment: scope.environment,
      userId: input.userId,
      kind: 'authentication',
      createdAt: now,
      expiresAt: now + CEREMONY_TTL_MS,
      usedAt: null,
    });
  }
  return options;
}
