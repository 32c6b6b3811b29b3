import { KEYRA_ONE_ORIGIN } from '@keyra/attestation';
import { AuthenticationError, type Keyra } from '@keyra/sdk';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { getAssertion } from '../authenticator/getAssertion.js';
import { readPairedState, updatePairedState } from './deviceStateFile.js';

/** A cached session is renewed when it has less than this left. */
const RENEW_BEFORE_MS = 60_000;

/** The device's sign-in to the device API, shared by the commands. */
export interface DeviceSession {
  /** A session token valid for at least another minute (signs in when needed). */
  token(): Promise<string>;
  /**
   * Runs `fn` with a token; when the server refuses the token (401: the server's secret changed,
   * say), signs in again and runs `fn` once more. Only for calls that are safe to repeat.
   */
  withToken<T>(fn: (token: string) => Promise<T>): Promise<T>;
}

/**
 * Signs in as the device: fetches request options, signs them with the device credential
 * (KEYRA ONE origin, user verification) and trades the assertion for a 15-minute token, which is
 * kept in the state file so the next command reuses it instead of spending another signature.
 */
export function deviceSession(statePath: string, client: Keyra, now: () => number): DeviceSession {
  async function signIn(): Promise<string> {
    const { pairing } = await readPairedState(statePath);
    // The contract types only `challenge`; the server sends complete WebAuthn request options.
    const options = (await client.deviceApi.sessionOptions({
      deviceId: pairing.deviceId,
    })) as PublicKeyCredentialRequestOptionsJSON;
    const response = await updatePairedState(statePath, (state) => {
      const signed = getAssertion(
        state,
        {
          ...options,
          rpId: options.rpId ?? state.pairing.rpId,
          allowCredentials: [{ id: state.pairing.credentialId, type: 'public-key' }],
        },
        { origin: KEYRA_ONE_ORIGIN },
      );
      return { state: signed.state, result: signed.response };
    });
    const session = await client.deviceApi.createSession({
      deviceId: pairing.deviceId,
      response,
    });
    await updatePairedState(statePath, (state) => ({
      state: { ...state, pairing: { ...state.pairing, session } },
      result: undefined,
    }));
    return session.token;
  }

  async function token(): Promise<string> {
    const { pairing } = await readPairedState(statePath);
    const cached = pairing.session;
    if (cached && Date.parse(cached.expiresAt) - now() > RENEW_BEFORE_MS) return cached.token;
    return signIn();
  }

  return {
    token,
    async withToken(fn) {
      try {
        return await fn(await token());
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        return fn(await signIn());
      }
    },
  };
}
