import type { RequestOptions, Transport } from '../client.js';
import type {
  AuthenticationOptions,
  CreateDeviceSessionParams,
  DeviceChallenge,
  DeviceChallengeList,
  DeviceRespondParams,
  DeviceSession,
  DeviceSessionOptionsParams,
  ListDeviceChallengesParams,
  VerifiedChallenge,
} from '../types.js';
import { enc } from './challenges.js';

/**
 * The device API (`/v1/device-api`, docs/device-api.md): what a KEYRA ONE calls. A device never
 * holds an API key; it signs in with its own credential and passes the session `token` it gets
 * to the other calls, so a client built for a device needs only `baseUrl`.
 *
 * ```ts
 * const options = await keyra.deviceApi.sessionOptions({ deviceId });
 * const { token } = await keyra.deviceApi.createSession({ deviceId, response: signed(options) });
 * const { data } = await keyra.deviceApi.listChallenges(token, { wait: 25 });
 * ```
 */
export class DeviceApi {
  constructor(private readonly transport: Transport) {}

  /** Sign-in, step 1: WebAuthn request options (a fresh challenge) for the device to sign. */
  sessionOptions(
    params: DeviceSessionOptionsParams,
    options?: RequestOptions,
  ): Promise<AuthenticationOptions> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/device-api/sessions/options',
      body: params,
      auth: 'none',
      options,
    });
  }

  /** Sign-in, step 2: trades the assertion over step 1's challenge for a 15-minute `token`. */
  createSession(
    params: CreateDeviceSessionParams,
    options?: RequestOptions,
  ): Promise<DeviceSession> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/device-api/sessions',
      body: params,
      auth: 'none',
      options,
    });
  }

  /**
   * The pending challenges of the device's user. With `wait` (1-30 s) it long-polls: the server
   * answers as soon as one exists, or with an empty list after `wait` seconds. Those seconds
   * come on top of the attempt's `timeout`; pass a `signal` to stop waiting early.
   */
  listChallenges(
    token: string,
    params: ListDeviceChallengesParams = {},
    options: RequestOptions = {},
  ): Promise<DeviceChallengeList> {
    const wait = params.wait ?? 0;
    return this.transport.request({
      method: 'GET',
      path: '/v1/device-api/challenges',
      query: params,
      auth: { token },
      options: { ...options, timeout: (options.timeout ?? this.transport.timeout) + wait * 1000 },
    });
  }

  /** One challenge of the device's user, as the device shows it. */
  retrieveChallenge(token: string, id: string, options?: RequestOptions): Promise<DeviceChallenge> {
    return this.transport.request({
      method: 'GET',
      path: `/v1/device-api/challenges/${enc(id)}`,
      auth: { token },
      options,
    });
  }

  /**
   * Approves or rejects from the device: `attestation` is the assertion over the digest the
   * device computed from what it showed (approve) or over the rejection challenge (reject). The
   * same checks and answer as `challenges.verify`.
   */
  respond(
    token: string,
    id: string,
    params: DeviceRespondParams,
    options?: RequestOptions,
  ): Promise<VerifiedChallenge> {
    return this.transport.request({
      method: 'POST',
      path: `/v1/device-api/challenges/${enc(id)}/respond`,
      body: params,
      auth: { token },
      options,
    });
  }
}
