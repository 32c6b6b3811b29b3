import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  createSecretBox,
  generateSigningKey,
  jwksDocument,
  payloadDigest,
  PROOF_TTL_DEFAULT_SECONDS,
  PROOF_TYPE,
  signProof,
  type ProofSubject,
} from '../../src/index.js';
import { CLOCK_START } from '../support/manualClock.js';
import { createHash } from 'node:crypto';

const box = createSecretBox(Buffer.alloc(32, 1), 'signing-keys');
const subject: ProofSubject = {
  challengeId: 'chl_proof000000000000000000',
  action: 'transfer.approve',
  userId: 'usr_alice',
  payload: { currency: 'USD', amount: 12500 },
  challengeDigest: 'ab'.repeat(32),
  environment: 'sandbox',
  method: 'device',
  deviceId: 'dev_proof000000000000000000',
  audience: 'payments-api',
};

describe('signProof', () => {
  it('signs an ES256 proof that verifies against the published JWKS', async () => {
    const key = await generateSigningKey(box, CLOCK_START);
    const { jws, claims } = await signProof(
      key,
      box,
      'https://keyra.example.com',
      subject,
      CLOCK_START + 999,
    );
    const { payload, protectedHeader } = await jwtVerify(
      jws,
      createLocalJWKSet(jwksDocument([key])),
      {
        algorithms: ['ES256'],
        typ: PROOF_TYPE,
        issuer: 'https://keyra.example.com',
        currentDate: new Date(CLOCK_START),
      },
    );
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: key.kid, typ: 'keyra-proof+jwt' });
    expect(payload).toEqual({ ...claims });
    expect(claims).toMatchObject({
      sub: 'usr_alice',
      iat: CLOCK_START / 1000,
      exp: CLOCK_START / 1000 + PROOF_TTL_DEFAULT_SECONDS,
      aud: 'payments-api',
      challengeId: subject.challengeId,
      challengeDigest: subject.challengeDigest,
      method: 'device',
      deviceId: subject.deviceId,
      env: 'sandbox',
      jti: expect.stringMatching(/^prf_/),
    });
  });

  it('carries the audience and expires after the TTL it is given', async () => {
    const key = await generateSigningKey(box, CLOCK_START);
    const { jws } = await signProof(
      key,
      box,
      'https://keyra.example.com',
      subject,
      CLOCK_START,
      undefined,
      600,
    );
    const jwks = createLocalJWKSet(jwksDocument([key]));
    const at = (ms: number) => ({ currentDate: new Date(ms), audience: 'payments-api' });
    await expect(jwtVerify(jws, jwks, at(CLOCK_START + 599_000))).resolves.toBeTruthy();
    await expect(jwtVerify(jws, jwks, at(CLOCK_START + 600_000))).rejects.toThrow(/exp/);
    await expect(
      jwtVerify(jws, jwks, { currentDate: new Date(CLOCK_START), audience: 'other-app' }),
    ).rejects.toThrow(/aud/);
  });

  it('binds the payload by the SHA-256 of its canonical JSON, whatever the key order', () => {
    const digest = createHash('sha256').update('{"amount":12500,"currency":"USD"}').digest('hex');
    expect(canonicalJson(subject.payload)).toBe('{"amount":12500,"currency":"USD"}');
    expect(payloadDigest(subject.payload)).toBe(digest);
    expect(payloadDigest({ amount: 12500, currency: 'USD' })).toBe(digest);
    expect(payloadDigest({ amount: 12501, currency: 'USD' })).not.toBe(digest);
  });

  it('keeps retired keys verifiable and refuses a proof under an unpublished key', async () => {
    const retired = { ...(await generateSigningKey(box, CLOCK_START)), retiredAt: CLOCK_START };
    const current = await generateSigningKey(box, CLOCK_START);
    const old = (await signProof(retired, box, 'https://keyra.example.com', subject, CLOCK_START))
      .jws;
    const jwks = createLocalJWKSet(jwksDocument([current, retired]));
    await expect(
      jwtVerify(old, jwks, { currentDate: new Date(CLOCK_START) }),
    ).resolves.toBeTruthy();
    await expect(
      jwtVerify(old, createLocalJWKSet(jwksDocument([current])), {
        currentDate: new Date(CLOCK_START),
      }),
    ).rejects.toThrow();
  });

  it('cannot sign with a key sealed under another server secret', async () => {
    const key = await generateSigningKey(box, CLOCK_START);
    const otherBox = createSecretBox(Buffer.alloc(32, 2), 'signing-keys');
    await expect(
      signProof(key, otherBox, 'https://keyra.example.com', subject, CLOCK_START),
    ).rejects.toThrow();
  });
});
