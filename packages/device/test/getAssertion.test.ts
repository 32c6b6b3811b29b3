import { challengeDigest, rejectionChallenge } from '@keyra/core';
import {
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  approveChallenge,
  getAssertion,
  KEYRA_ONE_ORIGIN,
  makeCredential,
  rejectChallenge,
  setSignCount,
  type AuthenticatorState,
} from '../src/index.js';
import { RP_ID, provisionedDevice, registrationOptions, simulatorRoot } from './support.js';

const challenge = {
  id: 'chl_9k2m',
  action: 'transfer.approve',
  userId: 'usr_8f2a',
  payload: { amount: 12500, currency: 'USD' },
  expiresAt: Date.parse('2026-05-29T18:42:00Z'),
};
const digest = challengeDigest(challenge);
const otherDigest = challengeDigest({ ...challenge, payload: { amount: 99999, currency: 'USD' } });
const approvalChallenge = (hex: string): string => Buffer.from(hex, 'hex').toString('base64url');
const rejectChallengeB64 = (hex: string): string => rejectionChallenge(hex).toString('base64url');

let device: AuthenticatorState;
let credential: WebAuthnCredential;

beforeAll(async () => {
  const creation = await registrationOptions();
  const registered = makeCredential(await provisionedDevice(await simulatorRoot()), creation, {
    origin: KEYRA_ONE_ORIGIN,
  });
  const { registrationInfo } = await verifyRegistrationResponse({
    response: registered.response,
    expectedChallenge: creation.challenge,
    expectedOrigin: KEYRA_ONE_ORIGIN,
    expectedRPID: RP_ID,
  });
  device = registered.state;
  credential = registrationInfo!.credential;
});

/** What the server will do: verify against the expected challenge with UV required. */
async function outcome(
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  options: { counter?: number; origin?: string; rpId?: string } = {},
): Promise<{ verified: boolean; newCounter?: number; error?: string }> {
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: options.origin ?? KEYRA_ONE_ORIGIN,
      expectedRPID: options.rpId ?? RP_ID,
      credential: { ...credential, counter: options.counter ?? credential.counter },
      requireUserVerification: true,
    });
    return { verified: result.verified, newCounter: result.authenticationInfo.newCounter };
  } catch (error) {
    return { verified: false, error: (error as Error).message };
  }
}

const approve = (state = device, extra = {}) =>
  approveChallenge(state, { digestHex: digest, rpId: RP_ID, ...extra });

/** Rewrites one base64url field of an assertion. */
function tamper(
  response: AuthenticationResponseJSON,
  field: 'clientDataJSON' | 'authenticatorData' | 'signature',
  change: (bytes: Buffer) => Buffer,
): AuthenticationResponseJSON {
  const bytes = Buffer.from(response.response[field], 'base64url');
  return {
    ...response,
    response: { ...response.response, [field]: change(Buffer.from(bytes)).toString('base64url') },
  };
}

describe('approveChallenge / getAssertion', () => {
  it('signs the digest; the verifier accepts it and the counter grows', async () => {
    const first = approve();
    expect(await outcome(first.response, approvalChallenge(digest))).toEqual({
      verified: true,
      newCounter: 1,
    });
    const second = approve(first.state);
    expect(await outcome(second.response, approvalChallenge(digest), { counter: 1 })).toEqual({
      verified: true,
      newCounter: 2,
    });
    expect(second.state.credentials[0]!.signCount).toBe(2);
    expect(device.credentials[0]!.signCount).toBe(0); // pure: the input state is unchanged
    expect(first.response.response.userHandle).toBe(device.credentials[0]!.userHandle);
  });

  it('is refused when the user was not verified', async () => {
    const { response } = approve(device, { userVerified: false });
    const result = await outcome(response, approvalChallenge(digest));
    expect(result.verified).toBe(false);
    expect(result.error).toMatch(/User verification (was )?required/);
  });

  it('does not verify against another challenge digest (another payload)', async () => {
    const { response } = approve();
    expect((await outcome(response, approvalChallenge(otherDigest))).verified).toBe(false);
  });

  it('is refused with tampered clientDataJSON, signature or authenticatorData', async () => {
    const { response } = approve();
    // Re-point the client data at another digest, keeping the signature.
    const redirected = tamper(response, 'clientDataJSON', (bytes) => {
      const data = JSON.parse(bytes.toString('utf8')) as { challenge: string };
      data.challenge = approvalChallenge(otherDigest);
      return Buffer.from(JSON.stringify(data));
    });
    // Each forgery gets past the cheap checks and fails the signature itself (no error thrown).
    const signatureFails = { verified: false, newCounter: 1 };
    expect(await outcome(redirected, approvalChallenge(otherDigest))).toEqual(signatureFails);

    const badSignature = tamper(response, 'signature', (bytes) => {
      bytes[bytes.length - 1]! ^= 0x01;
      return bytes;
    });
    expect(await outcome(badSignature, approvalChallenge(digest))).toEqual(signatureFails);

    // Forge the UV flag onto an assertion made without user verification.
    const unverified = approve(device, { userVerified: false }).response;
    const forgedUv = tamper(unverified, 'authenticatorData', (bytes) => {
      bytes[32] = bytes[32]! | 0x04;
      return bytes;
    });
    expect(await outcome(forgedUv, approvalChallenge(digest))).toEqual(signatureFails);

    // Inflate the counter to jump ahead of a clone.
    const bumped = tamper(response, 'authenticatorData', (bytes) => {
      bytes.writeUInt32BE(1000, 33);
      return bytes;
    });
    expect(await outcome(bumped, approvalChallenge(digest))).toEqual({
      verified: false,
      newCounter: 1000,
    });
    expect((await outcome(response, approvalChallenge(digest))).verified).toBe(true);
  });

  it('is refused for another origin or RP id', async () => {
    const { response } = approve(device, { origin: 'https://evil.example' });
    expect((await outcome(response, approvalChallenge(digest))).error).toMatch(/origin/);
    const good = approve().response;
    const wrongRp = await outcome(good, approvalChallenge(digest), { rpId: 'example.com' });
    expect(wrongRp.error).toMatch(/RP ID/);
  });

  it('signs an explicit rejection that is never valid as an approval, nor the reverse', async () => {
    const rejection = rejectChallenge(device, { digestHex: digest, rpId: RP_ID });
    expect(rejectChallengeB64(digest)).not.toBe(approvalChallenge(digest));
    expect((await outcome(rejection.response, rejectChallengeB64(digest))).verified).toBe(true);
    expect((await outcome(rejection.response, approvalChallenge(digest))).verified).toBe(false);
    const approval = approve();
    expect((await outcome(approval.response, rejectChallengeB64(digest))).verified).toBe(false);
    expect(rejection.state.credentials[0]!.signCount).toBe(1);
  });

  it('lets the verifier detect a cloned device by its counter', async () => {
    const clone = structuredClone(device);
    const original = approve(approve().state);
    expect(
      (await outcome(original.response, approvalChallenge(digest), { counter: 1 })).verified,
    ).toBe(true);
    // The clone, still at 0, answers with counter 1 while the server has seen 2.
    const fromClone = approve(clone).response;
    const seen = await outcome(fromClone, approvalChallenge(digest), { counter: 2 });
    expect(seen.verified).toBe(false);
    expect(seen.error).toMatch(/counter/);
    // The same with the explicit helper: wind the original back.
    const rewound = approve(setSignCount(original.state, credential.id, 0)).response;
    expect((await outcome(rewound, approvalChallenge(digest), { counter: 2 })).verified).toBe(
      false,
    );
  });

  it('shows why the server must check the signature before acting on a counter regression', async () => {
    // @simplewebauthn/server compares counters before it checks the signature: a forged
    // assertion with a low counter gets the "counter" error too. Disabling a device on that error
    // would let anyone disable it; verify with counter 0 and compare newCounter afterwards.
    const forged = tamper(approve().response, 'signature', (bytes) => {
      bytes[bytes.length - 1]! ^= 0x01;
      return bytes;
    });
    expect((await outcome(forged, approvalChallenge(digest), { counter: 5 })).error).toMatch(
      /counter/,
    );
    expect(await outcome(forged, approvalChallenge(digest), { counter: 0 })).toEqual({
      verified: false,
      newCounter: 1,
    });
  });

  it('honours allowCredentials and refuses when no credential matches', async () => {
    const second = makeCredential(device, await registrationOptions(), {
      origin: KEYRA_ONE_ORIGIN,
    });
    const [a, b] = second.state.credentials;
    const pick = (allow: string[]) =>
      getAssertion(
        second.state,
        {
          challenge: approvalChallenge(digest),
          rpId: RP_ID,
          allowCredentials: allow.map((id) => ({ id, type: 'public-key' as const })),
        },
        { origin: KEYRA_ONE_ORIGIN },
      ).response.id;
    expect(pick([b!.credentialId])).toBe(b!.credentialId);
    expect(pick([a!.credentialId])).toBe(a!.credentialId);
    expect(pick([])).toBe(a!.credentialId);
    expect(() => pick(['bm90LWhlcmU'])).toThrow(expect.objectContaining({ code: 'not_allowed' }));
    expect(() => approve(device, { rpId: 'example.com' })).toThrow(
      expect.objectContaining({ code: 'not_allowed' }),
    );
    expect(() => approve(device, { credentialId: b!.credentialId })).toThrow(/no credential/);
  });

  it('refuses a malformed digest', () => {
    expect(() => approveChallenge(device, { digestHex: 'abc', rpId: RP_ID })).toThrow(TypeError);
    expect(() => rejectChallenge(device, { digestHex: 'zz'.repeat(32), rpId: RP_ID })).toThrow(
      TypeError,
    );
  });
});
