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

/**
 * Creates a challenge (`fields` carries action, userId and any other create fields), has the
 * simulator sign its answer (approve unless `decide` says otherwise), and returns the challenge id
 * with the body `POST /v1/challenges/:id/verify` takes. Advances the simulator's counter.
 */
export async function signChallenge(
  app: FastifyInstance,
  key: string,
  device: PairedSimulator,
  fields: Record<string, unknown>,
  decide: typeof approve | typeof reject = approve,
): Promise<{ id: string; body: { deviceId: string; attestation: unknown } }> {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/challenges',
    headers: bearer(key),
    payload: fields,
  });
  if (created.statusCode !== 201) throw new Error(`create failed: ${created.body}`);
  const id = created.json().id as string;
  const full = (
    await app.inject({ method: 'GET', url: `/v1/challenges/${id}`, headers: bearer(key) })
  ).json();
  const signed = decide(device.state, full.digest);
  device.state = signed.state;
  return { id, body: { deviceId: device.deviceId, attestation: signed.response } };
}
