import {
  approveChallenge,
  createAuthenticator,
  getAssertion,
  getAttestationPublicKey,
  KEYRA_ONE_ORIGIN,
  KEYRA_ONE_SIMULATOR_AAGUID,
  makeCredential,
  provisionAttestationCertificate,
  rejectChallenge,
  type AuthenticatorState,
} from '@keyra/device';

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of many shapes
  body: any;
}

/** Calls a running server's API with a Bearer key over a real socket. */
export type Api = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

export function keyraApi(baseUrl: string, key: string): Api {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/** A simulated KEYRA ONE paired over the API; `state` advances with each signature. */
export interface PairedDevice {
  deviceId: string;
  state: AuthenticatorState;
}

/** Provisions a simulator from the sandbox CA and pairs it with `userId` (emits `device.paired`). */
export async function pairDevice(api: Api, userId: string): Promise<PairedDevice> {
  let state = createAuthenticator({ aaguid: KEYRA_ONE_SIMULATOR_AAGUID });
  const cert = await api('POST', '/v1/simulator/attestation-certificates', {
    publicKey: getAttestationPublicKey(state),
    aaguid: KEYRA_ONE_SIMULATOR_AAGUID,
  });
  if (cert.status !== 201) throw new Error(`provisioning: ${JSON.stringify(cert.body)}`);
  state = provisionAttestationCertificate(state, cert.body.certificateChain as string[]);
  const options = await api('POST', '/v1/credentials/register', {
    userId,
    displayName: 'Webhook Tester',
  });
  if (options.status !== 200) throw new Error(`register: ${JSON.stringify(options.body)}`);
  const made = makeCredential(state, options.body, { origin: KEYRA_ONE_ORIGIN });
  const paired = await api('POST', '/v1/credentials/register/verify', {
    userId,
    response: made.response,
  });
  if (paired.status !== 201) throw new Error(`pairing: ${JSON.stringify(paired.body)}`);
  return { deviceId: String(paired.body.deviceId), state: made.state };
}

/**
 * Creates a challenge for the device's user and answers it on the device (approve or reject),
 * as a human would: the device fetches the challenge, signs its digest, the backend verifies.
 */
export async function decideChallenge(
  api: Api,
  device: PairedDevice,
  userId: string,
  decision: 'approve' | 'reject',
  action = 'wire.send',
): Promise<{ challengeId: string; status: number; body: unknown }> {
  const created = await api('POST', '/v1/challenges', {
    action,
    userId,
    payload: { amount: 42, currency: 'EUR' },
  });
  if (created.status !== 201) throw new Error(`challenge: ${JSON.stringify(created.body)}`);
  const challengeId = String(created.body.id);
  const full = await api('GET', `/v1/challenges/${challengeId}`);
  const answer = (decision === 'approve' ? approveChallenge : rejectChallenge)(device.state, {
    digestHex: String(full.body.digest),
    rpId: 'localhost',
  });
  device.state = answer.state;
  const verified = await api('POST', `/v1/challenges/${challengeId}/verify`, {
    deviceId: device.deviceId,
    attestation: answer.response,
  });
  return { challengeId, status: verified.status, body: verified.body };
}

/**
 * Creates the seed's challenge for the device's user and has the device sign its approval,
 * without verifying it: what an SDK under test receives from its client (`{deviceId,
 * attestation}`) to pass to `challenges.verify` itself.
 */
export async function signedApproval(
  api: Api,
  device: PairedDevice,
  userId: string,
  extra: Record<string, unknown> = {},
): Promise<{ challengeId: string; verifyBody: { deviceId: string; attestation: unknown } }> {
  const created = await api('POST', '/v1/challenges', {
    action: 'transfer.approve',
    userId,
    payload: { amount: 12500, currency: 'USD', memo: 'Wire to Acme Corp' },
    expiresIn: 300,
    ...extra,
  });
  if (created.status !== 201) throw new Error(`challenge: ${JSON.stringify(created.body)}`);
  const challengeId = String(created.body.id);
  const full = await api('GET', `/v1/challenges/${challengeId}`);
  const answer = approveChallenge(device.state, {
    digestHex: String(full.body.digest),
    rpId: 'localhost',
  });
  device.state = answer.state;
  return { challengeId, verifyBody: { deviceId: device.deviceId, attestation: answer.response } };
}

/**
 * Signs the device in to the device API and fetches its user's pending challenges, as a KEYRA ONE
 * does before showing them; returns their ids.
 */
export async function fetchOnDevice(baseUrl: string, device: PairedDevice): Promise<string[]> {
  const post = async (path: string, body: unknown): Promise<ApiResponse> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const options = await post('/v1/device-api/sessions/options', { deviceId: device.deviceId });
  if (options.status !== 200) throw new Error(`device sign-in: ${JSON.stringify(options.body)}`);
  const signed = getAssertion(device.state, options.body, { origin: KEYRA_ONE_ORIGIN });
  device.state = signed.state;
  const session = await post('/v1/device-api/sessions', {
    deviceId: device.deviceId,
    response: signed.response,
  });
  if (session.status !== 201) throw new Error(`device session: ${JSON.stringify(session.body)}`);
  const res = await fetch(`${baseUrl}/v1/device-api/challenges`, {
    headers: { authorization: `Bearer ${session.body.token}` },
  });
  const listed = (await res.json()) as { data: Array<{ id: string }> };
  return listed.data.map((challenge) => challenge.id);
}
