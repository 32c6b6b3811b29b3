import {
  approveChallenge,
  createAuthenticator,
  getAttestationPublicKey,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
  rejectChallenge,
  type AuthenticatorState,
} from '@keyra/device';
import type { FastifyInstance } from 'fastify';
import { bearer } from './testApp.js';

export interface PairedSimulator {
  state: AuthenticatorState;
  deviceId: string;
  credentialId: string;
}

/** Provisions a simulator through the sandbox factory route and pairs it with `userId` over the API. */
export async function pairSimulator(
  app: FastifyInstance,
  key: string,
  userId: string,
  options: { origin?: string; userVerified?: boolean; provisionWith?: string } = {},
): Promise<PairedSimulator & { status: number; body: Record<string, unknown> }> {
  let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
  const cert = await app.inject({
    method: 'POST',
    url: '/v1/simulator/attestation-certificates',
    headers: bearer(options.provisionWith ?? key),
    payload: { publicKey: getAttestationPublicKey(state), aaguid: KEYRA_ONE_SIMULATOR_AAGUID },
  });
  if (cert.statusCode !== 201) throw new Error(`provisioning failed: ${cert.body}`);
  state = provisionAttestationCertificate(state, cert.json().certificateChain);
  const optionsRes = await app.inject({
    method: 'POST',
    url: '/v1/credentials/register',
    headers: bearer(key),
    payload: { userId, displayName: 'Jane Founder' },
  });
  if (optionsRes.statusCode !== 200) throw new Error(`options failed: ${optionsRes.body}`);
  const made = makeCredential(state, optionsRes.json(), {
    origin: options.origin ?? KEYRA_ONE_ORIGIN,
    userVerified: options.userVerified ?? true,
  });
  const verified = await app.inject({
    method: 'POST',
    url: '/v1/credentials/register/verify',
    headers: bearer(key),
    payload: { userId, response: made.response },
  });
  return {
    state: made.state,
    deviceId: verified.json().deviceId,
    credentialId: made.response.id,
    status: verified.statusCode,
    body: verified.json(),
  };
}

export function approve(
  state: AuthenticatorState,
  digestHex: string,
  overrides: { origin?: string; rpId?: string; userVerified?: boolean } = {},
) {
  return approveChallenge(state, { digestHex, rpId: overrides.rpId ?? 'localhost', ...overrides });
}

export function reject(state: AuthenticatorState, digestHex: string) {
  return rejectChallenge(state, { digestHex, rpId: 'localhost' });
}
