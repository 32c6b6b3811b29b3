import type { RequestOptions, Transport } from '../client.js';
import type {
  AuthenticationOptions,
  AuthenticationOptionsParams,
  Device,
  RegistrationOptions,
  RegistrationOptionsParams,
  VerifiedAuthentication,
  VerifyAuthenticationParams,
  VerifyRegistrationParams,
} from '../types.js';

/** WebAuthn ceremonies: pairing a KEYRA ONE or registering a passkey, and signing in. */
export class Credentials {
  constructor(private readonly transport: Transport) {}

  /** Creation options to pass to `navigator.credentials.create()` (or the device simulator). */
  registrationOptions(
    params: RegistrationOptionsParams,
    options?: RequestOptions,
  ): Promise<RegistrationOptions> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/credentials/register',
      body: params,
      options,
    });
  }

  /** Checks the new credential (`credential.toJSON()`) and returns the paired device. */
  verifyRegistration(params: VerifyRegistrationParams, options?: RequestOptions): Promise<Device> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/credentials/register/verify',
      body: params,
      options,
    });
  }

  /**
   * Request options for `navigator.credentials.get()`. With `challengeId`, their challenge is
   * that KEYRA challenge's digest, and the assertion is then the `attestation` of
   * `challenges.verify`.
   */
  authenticationOptions(
    params: AuthenticationOptionsParams,
    options?: RequestOptions,
  ): Promise<AuthenticationOptions> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/credentials/authenticate',
      body: params,
      options,
    });
  }

  /** Finishes a plain sign-in ceremony: `{verified: true, userId, deviceId}`. */
  verifyAuthentication(
    params: VerifyAuthenticationParams,
    options?: RequestOptions,
  ): Promise<VerifiedAuthentication> {
    return this.transport.request({
      method: 'POST',
      path: '/v1/credentials/authenticate/verify',
      body: params,
      options,
    });
  }
}
