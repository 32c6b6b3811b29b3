import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, calculateJwkThumbprint, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Keyra, payloadDigest, ProofVerificationError } from '../src/index.js';
import { canonicalJson } from '../src/internal/canonicalJson.js';

/*
 * proofs.verify against proofs signed here with jose and a local JWKS server that counts its
 * fetches, as the KEYRA server publishes them (docs/proofs.md).
 */

type Pair = { publicKey: CryptoKey; privateKey: CryptoKey; kid: string };
let server: http.Server;
let baseUrl: string;
let published: Pair[] = [];
let fetches = 0;
let first: Pair;
let second: Pair;

async function pair(): Promise<Pair> {
  const keys = await generateKeyPair('ES256');
  return { ...keys, kid: await calculateJwkThumbprint(await exportJWK(keys.publicKey)) };
}

const PAYLOAD = { amount: 12500, currency: 'USD' };
const claims = {
  sub: 'usr_8f2a',
  jti: 'prf_abcd',
  aud: 'payments-api',
  challengeId: 'chl_abcd',
  action: 'transfer.approve',
  payloadDigest: createHash('sha256').update('{"amount":12500,"currency":"USD"}').digest('hex'),
  challengeDigest: 'b'.repeat(64),
  method: 'device',
  deviceId: 'dev_abcd',
  env: 'sandbox',
};

function signProof(
  key: Pair,
  overrides: { typ?: string; iss?: string; iat?: number; exp?: number | null } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: overrides.typ ?? 'keyra-proof+jwt' })
    .setIssuer(overrides.iss ?? baseUrl)
    .setIssuedAt(overrides.iat ?? now);
  if (overrides.exp !== null) jwt.setExpirationTime(overrides.exp ?? now + 3600);
  return jwt.sign(key.privateKey);
}

beforeAll(async () => {
  [first, second] = await Promise.all([pair(), pair()]);
  published = [first];
  server = http.createServer(async (req, res) => {
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    fetches += 1;
    const keys = await Promise.all(
      published.map(async (p) => ({
        ...(await exportJWK(p.publicKey)),
        kid: p.kid,
        alg: 'ES256',
        use: 'sig',
      })),
    );
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('proofs.verify', () => {
  it('accepts a quorum proof and returns its approvers', async () => {
    const now = Math.floor(Date.now() / 1000);
    const approvers = [
      { sub: 'usr_alice', method: 'device', deviceId: 'dev_a', at: now - 5 },
      { sub: 'usr_bob', method: 'passkey', deviceId: 'dev_b', at: now },
    ];
    const proof = await new SignJWT({ ...claims, sub: 'chl_abcd', approvers })
      .setProtectedHeader({ alg: 'ES256', kid: first.kid, typ: 'keyra-proof+jwt' })
      .setIssuer(baseUrl)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(first.privateKey);
    const verified = await new Keyra({ baseUrl }).proofs.verify(proof, {
      action: 'transfer.approve',
      payload: PAYLOAD,
      audience: 'payments-api',
    });
    expect(verified.sub).toBe('chl_abcd');
    expect(verified.approvers).toEqual(approvers);
  });

  it('accepts a valid proof, returns its claims, and caches the JWKS', async () => {
    fetches = 0;
    const keyra = new Keyra({ baseUrl });
    const proof = await signProof(first);
    const verified = await keyra.proofs.verify(proof, { issuer: baseUrl, env: 'sandbox' });
    expect(verified).toMatchObject({ ...claims, iss: baseUrl });
    await keyra.proofs.verify(proof);
    expect(fetches).toBe(1);
  });

  it('refetches the JWKS once for an unknown kid (a rotation), and rejects a kid still unknown', async () => {
    fetches = 0;
    published = [first];
    const keyra = new Keyra({ baseUrl });
    await keyra.proofs.verify(await signProof(first));
    published = [second, first];
    await expect(keyra.proofs.verify(await signProof(second))).resolves.toMatchObject({
      sub: 'usr_8f2a',
    });
    expect(fetches).toBe(2);
    const stranger = await pair();
    await expect(keyra.proofs.verify(await signProof(stranger))).rejects.toThrow(/No key/);
    expect(fetches).toBe(3);
  });

  it('rejects a tampered payload, a wrong typ, a wrong issuer and a wrong environment', async () => {
    published = [first, second];
    const keyra = new Keyra({ baseUrl });
    const proof = await signProof(first);
    const [h, p, s] = proof.split('.') as [string, string, string];
    const tampered = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(p, 'base64url').toString()),
        action: 'wire.send',
      }),
    ).toString('base64url');
    await expect(keyra.proofs.verify(`${h}.${tampered}.${s}`)).rejects.toThrow(
      ProofVerificationError,
    );
    await expect(keyra.proofs.verify(await signProof(first, { typ: 'JWT' }))).rejects.toThrow(
      /keyra-proof/,
    );
    await expect(keyra.proofs.verify(proof, { issuer: 'https://keyra.example' })).rejects.toThrow(
      /issued by/,
    );
    await expect(keyra.proofs.verify(proof, { env: 'production' })).rejects.toThrow(/sandbox/);
    await expect(keyra.proofs.verify('not.a.jws')).rejects.toThrow(ProofVerificationError);
    // A signature from another key under a published kid.
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: first.kid, typ: 'keyra-proof+jwt' })
      .sign(second.privateKey);
    await expect(keyra.proofs.verify(forged)).rejects.toThrow(/does not verify/);
  });

  it('checks what the caller acts on: action, payload (RFC 8785 digest) and audience', async () => {
    published = [first];
    const keyra = new Keyra({ baseUrl });
    const proof = await signProof(first);
    const bound = { action: 'transfer.approve', payload: PAYLOAD, audience: 'payments-api' };
    await expect(keyra.proofs.verify(proof, bound)).resolves.toMatchObject({ aud: 'payments-api' });
    // Key order does not matter: the digest is of the canonical form.
    await expect(
      keyra.proofs.verify(proof, { ...bound, payload: { currency: 'USD', amount: 12500 } }),
    ).resolves.toBeTruthy();
    await expect(keyra.proofs.verify(proof, { ...bound, action: 'wire.send' })).rejects.toThrow(
      /approves "transfer.approve", not "wire.send"/,
    );
    await expect(
      keyra.proofs.verify(proof, { ...bound, payload: { ...PAYLOAD, amount: 12501 } }),
    ).rejects.toThrow(/different payload/);
    await expect(
      keyra.proofs.verify(proof, { ...bound, payload: { ...PAYLOAD, memo: 'x' } }),
    ).rejects.toThrow(/different payload/);
    await expect(keyra.proofs.verify(proof, { ...bound, audience: 'other-app' })).rejects.toThrow(
      /is for "payments-api", not "other-app"/,
    );
    // A valid proof for something else is a claim mismatch, not an invalid proof.
    for (const wrong of [
      { action: 'wire.send' },
      { payload: { amount: Number.NaN } },
      { audience: 'x' },
    ]) {
      await expect(keyra.proofs.verify(proof, wrong)).rejects.toMatchObject({
        code: 'proof_claim_mismatch',
      });
    }
  });

  it('refuses an expired proof, one without exp, and one issued in the future', async () => {
    published = [first];
    const keyra = new Keyra({ baseUrl });
    const now = Math.floor(Date.now() / 1000);
    const expired = await signProof(first, { iat: now - 7200, exp: now - 3600 });
    await expect(keyra.proofs.verify(expired)).rejects.toMatchObject({
      code: 'proof_expired',
      message: expect.stringMatching(/expired at/),
    });
    // Re-checking an archived proof as of when it was valid.
    await expect(
      keyra.proofs.verify(expired, { currentDate: new Date((now - 5000) * 1000) }),
    ).resolves.toBeTruthy();
    // Within the default 60 s tolerance, then past it.
    await expect(
      keyra.proofs.verify(await signProof(first, { exp: now - 30 })),
    ).resolves.toBeTruthy();
    await expect(
      keyra.proofs.verify(await signProof(first, { exp: now - 30 }), { clockToleranceSeconds: 0 }),
    ).rejects.toThrow(/expired/);
    await expect(keyra.proofs.verify(await signProof(first, { exp: null }))).rejects.toThrow(
      /no exp/,
    );
    await expect(keyra.proofs.verify(await signProof(first, { iat: now + 600 }))).rejects.toThrow(
      /future/,
    );
  });
});

describe('payloadDigest and the shared canonical JSON vectors', () => {
  const shared = JSON.parse(
    readFileSync(new URL('../../../fixtures/canonical-json/vectors.json', import.meta.url), 'utf8'),
  ) as { vectors: { name: string; input: string; canonical: string; sha256: string }[] };

  it.each(shared.vectors)('$name', async (vector) => {
    const value = JSON.parse(vector.input) as Record<string, unknown>;
    expect(canonicalJson(value)).toBe(vector.canonical);
    expect(await payloadDigest(value)).toBe(vector.sha256);
  });

  it('refuses a payload that has no canonical form', async () => {
    await expect(payloadDigest({ s: '\ud800' })).rejects.toThrow(ProofVerificationError);
    await expect(payloadDigest({ n: Number.NaN })).rejects.toThrow(/non-finite/);
  });
});
